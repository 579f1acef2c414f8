import { randomUUID } from 'node:crypto';
import { DomainError } from '@pl/domain';
import { DEADLINE_ALERTS } from '@pl/domain/law/deadlines';
import type { RightsCommand } from '@pl/domain/rights';
import { openTasksOlderThan, requestsNeedingAlert } from '@pl/projections/rights';
import type { AppDeps } from '../core/app-deps';
import { runRequestCommand, type RequestCommandDeps } from './request-commands';

const DAY = 86_400_000;

/** Task follow-up policy: re-send a task without an answer after a day, escalate to a human after three sends. */
export const TASK_FOLLOW_UP = { retryAfterMs: DAY, maxAttempts: 3 } as const;

/**
 * The statutory clocks of data-subject requests: raises `rights.request_due_soon` and
 * `rights.request_overdue` (the decider emits each once per request, threshold and due date, so a
 * repeated tick changes nothing), re-sends unanswered tasks and escalates those that stay silent.
 */
export async function tickRightsClocks(deps: RequestCommandDeps & Pick<AppDeps, 'db'>, now: Date): Promise<{ flagged: number; retried: number; escalated: number }> {
  const run = async (requestId: string, cmd: RightsCommand) =>
    (await runRequestCommand(deps, requestId, cmd, { actor: 'worker:rights-clocks', correlationId: randomUUID(), now }, { readYourWrites: false })).events.length;
  let flagged = 0;
  let retried = 0;
  let escalated = 0;
  for (const r of await requestsNeedingAlert(deps.db, now, DEADLINE_ALERTS.due_soon_days * DAY)) {
    flagged += await run(r.request_id, { type: 'FlagDeadlines', now });
  }
  for (const t of await openTasksOlderThan(deps.db, new Date(now.getTime() - TASK_FOLLOW_UP.retryAfterMs))) {
    try {
      if (t.attempt < TASK_FOLLOW_UP.maxAttempts && t.integration !== 'manual') retried += await run(t.request_id, { type: 'RetryTask', taskId: t.task_id, seenAttempt: t.attempt, now });
      else if (!t.escalated) escalated += await run(t.request_id, { type: 'EscalateTask', taskId: t.task_id, reason: `no result after ${t.attempt} attempt(s)`, now });
    } catch (e) {
      // the request closed or the result arrived meanwhile: nothing to follow up (a store failure still stops the tick)
      if (!(e instanceof DomainError)) throw e;
    }
  }
  return { flagged, retried, escalated };
}
