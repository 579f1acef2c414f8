import { breachClockCounts } from '@pl/projections/breach_register';
import { processMetrics } from '../../../common/metrics';
import type { ProcessManager } from '../process-manager';

/** The window of `pl_breaches_deadline_within_24h` (the alert BreachDeadlineWithin24h). */
const DUE_SOON_MS = 24 * 3_600_000;

/**
 * The worker's clock for `infra.app.breach.checkClocks` (libs/application/src/breach); every tick also
 * sets the counts of open breaches whose next deadline is under 24 hours away or passed (no breach id).
 */
export function breachClocks(intervalMs = 60_000): ProcessManager {
  return {
    name: 'breach-clocks',
    intervalMs,
    tick: async (infra, now) => {
      await infra.app.breach.checkClocks(now);
      const counts = await breachClockCounts(infra.db, now, DUE_SOON_MS);
      const metrics = processMetrics();
      metrics.breachesDueSoon.set(counts.due_soon);
      metrics.breachesOverdue.set(counts.overdue);
    },
  };
}

export const breachClocksProcessManager = breachClocks();
