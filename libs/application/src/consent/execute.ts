import { consent } from '@pl/domain';
import { CONSENT_PROJECTION } from '@pl/projections/consent';
import { handleCommand, type HandleResult } from '../commands/handle-command';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';

export type ConsentResult = HandleResult<consent.ConsentEvent, consent.ConsentState>;

/** Read, fold, decide, append on the subject's consent stream (personal fields encrypted). */
export function decideConsent(deps: AppDeps, command: consent.ConsentCommand, ctx: CommandContext): Promise<ConsentResult> {
  return handleCommand(deps.store, consent.consentDecider, consent.consentStreamId(command.subjectKey), command, ctx);
}

/**
 * A consent command, then a wait until the consent read model has passed the appended position, so
 * validate on any instance reflects the change (invariant 7).
 */
export function consentCommand(deps: AppDeps) {
  return async (command: consent.ConsentCommand, ctx: CommandContext, waitMs?: number): Promise<ConsentResult> => {
    const r = await decideConsent(deps, command, ctx);
    if (r.appended) await deps.readYourWrites(CONSENT_PROJECTION, r.appended.position, waitMs);
    return r;
  };
}
