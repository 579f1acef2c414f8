import { tickRightsClocks } from '@pl/application/rights';
import { Gauge } from 'prom-client';
import { overdueCount } from '@pl/projections/rights';
import { processMetrics } from '../../common/metrics';
import type { ProcessManager } from './process-manager';

export { TASK_FOLLOW_UP, tickRightsClocks } from '@pl/application/rights';

let overdueGauge: Gauge | null = null;

/** `pl_rights_requests_overdue`: open requests past their statutory due date (set on every tick). */
function overdueMetric(): Gauge {
  const registry = processMetrics().registry;
  overdueGauge ??= (registry.getSingleMetric('pl_rights_requests_overdue') as Gauge | undefined) ??
    new Gauge({ name: 'pl_rights_requests_overdue', help: 'Open data-subject requests past their statutory due date', registers: [registry] });
  return overdueGauge;
}

export const rightsClocksProcessManager: ProcessManager = {
  name: 'rights-clocks',
  intervalMs: 60_000,
  tick: async (infra, now) => {
    await tickRightsClocks(infra, now);
    overdueMetric().set(await overdueCount(infra.db, now));
  },
};
