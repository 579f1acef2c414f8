import { randomUUID } from 'node:crypto';
import { invalid, notFound } from '@pl/domain';
import type { TaskOutcome } from '@pl/domain/rights';
import { loadRequest, runRequestCommand, type RequestCommandDeps } from './request-commands';

/** A system's answer to its task as the results topic (or a webhook) carries it. */
export interface SystemTaskResult {
  readonly result_id: string;
  readonly request_id: string;
  readonly task_id: string;
  readonly system_id: string;
  readonly outcome: TaskOutcome;
  readonly records_affected: number | null;
  readonly reason: string | null;
  readonly data: Record<string, unknown> | null;
  readonly reported_at: string;
}

/**
 * Records a system's answer on the request: the same decider command as the HTTP route, so a
 * repeated message changes nothing and a contradicting one is refused (DomainError: the consumer
 * dead-letters it). A system may only answer its own task.
 */
export async function recordSystemResult(deps: RequestCommandDeps, result: SystemTaskResult, now: Date): Promise<void> {
  const task = (await loadRequest(deps, result.request_id)).tasks[result.task_id];
  if (!task) throw notFound('task not found', { task_id: result.task_id });
  if (task.system_id !== result.system_id) throw invalid('a system may only answer its own task', { task_id: result.task_id });
  await runRequestCommand(
    deps,
    result.request_id,
    { type: 'RecordTaskResult', taskId: result.task_id, outcome: result.outcome, recordsAffected: result.records_affected, reason: result.reason, data: result.data, now },
    { actor: `service:${result.system_id}`, correlationId: randomUUID(), causationId: result.result_id, now, extra: { reported_at: result.reported_at } },
    { readYourWrites: false },
  );
}
