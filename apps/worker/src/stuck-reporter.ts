import { errorClassOf, type RunnerStateChange } from '@pl/application';
import type { Logger } from 'pino';
import type { RelayOptions } from '@pl/messaging';
import { processMetrics } from '../../common/metrics';

/**
 * Invariant 11: a follower of the log (projection runner, webhook dispatcher) entering or leaving
 * the stuck state sets pl_projection_stuck and logs one line, with the error class only.
 */
export function reportStuck(log?: Logger): (c: RunnerStateChange) => void {
  const metrics = processMetrics();
  return (c) => {
    metrics.projectionStuck.set({ projection: c.projection }, c.stuck ? 1 : 0);
    if (c.stuck) log?.error({ projection: c.projection, err_class: c.errorClass, failures: c.failures }, 'stuck: it cannot advance; commands waiting on it answer 503');
    else log?.info({ projection: c.projection }, 'recovered: advancing again');
  };
}

/**
 * Each failed batch or tick (counted by the engine, pl_projection_failures_total): logged (at debug)
 * only when it starts a run of failures (`failuresInRow` 1): the retries of the same run are a state
 * already reported, and the stuck state is the one logged as an error (invariant 11).
 */
export function reportFailure(log?: Logger): (name: string, e: unknown, failuresInRow?: number) => void {
  return (name, e, failuresInRow = 1) => {
    // class only: driver messages can quote row values (personal data)
    if (failuresInRow === 1) log?.debug({ projection: name, err_class: errorClassOf(e) }, 'failed; retrying');
  };
}

/** What every relay of the worker reports: log lines, the stuck state, its messages by topic and outcome. */
export function relayReporting(relay: string, log?: Logger): Pick<RelayOptions, 'log' | 'onStateChange' | 'onMessages'> {
  const metrics = processMetrics();
  return {
    log: (level, message, fields) => log?.[level](fields ?? {}, message),
    onStateChange: reportStuck(log),
    onMessages: (topic, outcome, count) => metrics.relayMessages.inc({ relay, topic, outcome }, count),
  };
}
