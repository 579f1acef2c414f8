import { randomUUID } from 'node:crypto';
import { handleCommand, type CommandContext } from '@pl/application';
import { DEADLINE_ALERTS } from '@pl/domain/law/deadlines';
import { requestDecider, requestStreamId, type RightsCommand } from '@pl/domain/rights';
import type { EventStore, SqlDatabase } from '@pl/eventstore';
import { Gauge } from 'prom-client';
import { openTasksOlderThan, overdueCount, requestsNeedingAlert } from '@pl/projections/rights';
import { processMetrics } from '../../common/metrics';
import type { ProcessManager } from './process-manager';

const DAY = 86_400_000;

/** Task follow-up policy: re-send a task without an answer after a day, escalate to a human after three sends. */
export const TASK_FOLLOW_UP = { retryAfterMs: DAY, maxAttempts: 3 } as const;

/**
 * The statutory clocks of data-subject requests: raises `rights.request_due_soon` and
 * `rights.request_overdue` (the decider emits each once per request, threshold and due date, so a
 * repeated tick changes nothing), re-sends unanswered tasks and escalates those that stay silent.
 */
export async function tickRightsClocks(deps: { db: SqlDatabase; store: EventStore }, now: Date): Promise<{ flagged: number; retried: number; escalated: number }> {
  const ctx = (requestId: string): CommandContext => ({ actor: 'worker:rights-clocks', correlationId: randomUUID(), now, extra: { request_id: requestId } });
  const run = async (requestId: string, cmd: RightsCommand) => (await handleCommand(deps.store, requestDecider, requestStreamId(requestId), cmd, ctx(requestId))).events.length;
  let flagged = 0;
  let retried = 0;
  let escalated = 0;
  for (const r of await requestsNeedingAlert(deps.db, now, DEADLINE_ALERTS.due_soon_days * DAY)) {
    flagged += await run(r.request_id, { type: 'FlagDeadlines', now });
  }
  for (const t of await openTasksOlderThan(deps.db, new Date(now.getTime() - TASK_FOLLOW_UP.retryAfterMs))) {
    try {
      if (t.attempt < TASK_FOLLOW_UP.maxAttempts && t.integration !== 'manual') retried += await run(t.request_id, { type: 'RetryTask', taskId: t.task_id, now });
      else if (!t.escalated) escalated += await run(t.request_id, { type: 'EscalateTask', taskId: t.task_id, reason: `no result after ${t.attempt} attempt(s)`, now });
    } catch {
      // the request closed or the result arrived meanwhile: nothing to follow up
    }
  }
  return { flagged, retried, escalated };
}

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
