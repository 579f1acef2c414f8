import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { handleCommand, waitForCheckpoint, type CommandContext, type HandleResult } from '@pl/application';
import { consent } from '@pl/domain';
import { CONSENT_PROJECTION } from '@pl/projections/consent';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';

export type ConsentResult = HandleResult<consent.ConsentEvent, consent.ConsentState>;

export class ConsentCommandMessage extends Command<ConsentResult> {
  constructor(
    readonly command: consent.ConsentCommand,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/**
 * Read, fold, decide, append (personal fields encrypted by the codec), then wait until the consent
 * read model has passed the appended position, so validate on any instance reflects the change
 * (ARCHITECTURE invariant 7).
 */
export async function runConsentCommand(
  infra: Infrastructure,
  command: consent.ConsentCommand,
  ctx: CommandContext,
  waitMs = Number(process.env.CONSENT_READ_YOUR_WRITES_TIMEOUT_MS ?? 10_000),
): Promise<ConsentResult> {
  const r = await handleCommand(infra.store, consent.consentDecider, consent.consentStreamId(command.subjectKey), command, ctx, { codec: infra.codec });
  if (r.appended) await waitForCheckpoint(infra.db, CONSENT_PROJECTION, r.appended.position, waitMs);
  return r;
}

@CommandHandler(ConsentCommandMessage)
export class ConsentCommandHandler implements ICommandHandler<ConsentCommandMessage, ConsentResult> {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  execute({ command, ctx }: ConsentCommandMessage): Promise<ConsentResult> {
    return runConsentCommand(this.infra, command, ctx);
  }
}
