import { tickRightsClocks } from '@pl/application/rights';
import { DEADLINE_ALERTS } from '@pl/domain/law/deadlines';
import { dueSoonCount, overdueCount } from '@pl/projections/rights';
import { processMetrics } from '../../common/metrics';
import type { ProcessManager } from './process-manager';

export { TASK_FOLLOW_UP, tickRightsClocks } from '@pl/application/rights';

/**
 * Every tick also sets `pl_rights_requests_overdue` and `pl_rights_requests_due_soon` (open requests
 * due within the decider's due-soon window): the alerts RightsRequestOverdue and RightsRequestDueSoon.
 */
export const rightsClocksProcessManager: ProcessManager = {
  name: 'rights-clocks',
  intervalMs: 60_000,
  tick: async (infra, now) => {
    await tickRightsClocks(infra, now);
    const metrics = processMetrics();
    metrics.rightsRequestsOverdue.set(await overdueCount(infra.db, now));
    metrics.rightsRequestsDueSoon.set(await dueSoonCount(infra.db, now, DEADLINE_ALERTS.due_soon_days * 86_400_000));
  },
};
