import type { CommandContext } from '@pl/application';
import type { ConsentResult } from '@pl/application/consent/execute';
import type { consent } from '@pl/domain';
import type { Infrastructure } from '../../../common/infrastructure';

export type { ConsentResult } from '@pl/application/consent/execute';

/** A consent command with read-your-writes (the bound use case `infra.app.consent.execute`). */
export function runConsentCommand(infra: Infrastructure, command: consent.ConsentCommand, ctx: CommandContext, waitMs?: number): Promise<ConsentResult> {
  return infra.app.consent.execute(command, ctx, waitMs);
}
