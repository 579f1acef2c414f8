import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { handleCommand, waitForCheckpoint, type CommandContext, type HandleResult } from '@pl/application';
import { requestDecider, requestStreamId, type RequestState, type RightsCommand, type RightsEvent } from '@pl/domain/rights';
import { rightsProjection } from '@pl/projections/rights';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';

export type RightsResult = HandleResult<RightsEvent, RequestState>;

/** Runs a request command and waits until rm_rights has it (read your writes, invariant 7). */
export async function runRightsCommand(infra: Infrastructure, requestId: string, command: RightsCommand, ctx: CommandContext, waitMs = 15_000): Promise<RightsResult> {
  const r = await handleCommand(infra.store, requestDecider, requestStreamId(requestId), command, { ...ctx, extra: { ...(ctx.extra ?? {}), request_id: requestId } }, { codec: infra.codec });
  if (r.appended) await waitForCheckpoint(infra.db, rightsProjection.name, r.appended.position, waitMs);
  return r;
}

/** Carries a request command through the @nestjs/cqrs CommandBus. */
export class RightsCommandMessage extends Command<RightsResult> {
  constructor(
    readonly requestId: string,
    readonly command: RightsCommand,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Adapter only: the request decider decides; handleCommand reads, folds, appends with the expected revision. */
@CommandHandler(RightsCommandMessage)
export class RightsCommandHandler implements ICommandHandler<RightsCommandMessage, RightsResult> {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  execute({ requestId, command, ctx }: RightsCommandMessage): Promise<RightsResult> {
    return runRightsCommand(this.infra, requestId, command, ctx);
  }
}
