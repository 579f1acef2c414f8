import { randomUUID } from 'node:crypto';
import { handleCommand } from '@pl/application';
import { breachDecider, breachStreamId } from '@pl/domain/breach';
import { BREACH_DEADLINE_RULES } from '@pl/domain/law/breach';
import { breachesWithRunningClocks } from '@pl/projections/breach_register';
import type { Infrastructure } from '../../../common/infrastructure';
import type { ProcessManager } from '../process-manager';

const LOOKAHEAD_MS = Math.max(...BREACH_DEADLINE_RULES.flatMap((r) => r.warn_before_hours)) * 3_600_000;

/**
 * Breach clocks: for every open breach whose next deadline is within the longest warning horizon,
 * asks the decider to check its clocks. The decider emits each warning and each overdue fact once,
 * so a repeated or crashed tick appends nothing new.
 */
export function breachClocks(intervalMs = 60_000): ProcessManager {
  return {
    name: 'breach-clocks',
    intervalMs,
    async tick(infra: Infrastructure, now: Date): Promise<void> {
      const ids = await breachesWithRunningClocks(infra.db, new Date(now.getTime() + LOOKAHEAD_MS));
      const correlationId = randomUUID();
      for (const id of ids) {
        await handleCommand(infra.store, breachDecider, breachStreamId(id), { type: 'CheckClocks', now: now.toISOString() }, { actor: 'worker:breach-clocks', correlationId, now });
      }
    },
  };
}

export const breachClocksProcessManager = breachClocks();
