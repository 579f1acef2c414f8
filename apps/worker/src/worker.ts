import { ConsumerEngine, eventProcessManagerRunner, ProjectionRunner, reportConsumersTo, type EventProcessManager, type ProjectionDefinition, type RunnerStatus } from '@pl/application';
import type { Logger } from 'pino';
import type { Infrastructure } from '../../common/infrastructure';
import { processMetrics } from '../../common/metrics';
import type { ProcessManager } from './process-manager';
import type { WorkerService } from './worker-service';
import { EVENT_PROCESS_MANAGERS, PROCESS_MANAGERS, PROJECTIONS } from './registry';
import { propagationServices } from './propagation';
import { reportFailure, reportStuck } from './stuck-reporter';

export interface WorkerOptions {
  readonly projections?: readonly ProjectionDefinition[];
  readonly processManagers?: readonly ProcessManager[];
  /** Fact-fed process managers (default: every one registered). */
  readonly eventProcessManagers?: readonly EventProcessManager[];
  /** Extra long-running services (e.g. the Kafka relay) started and stopped with the worker. */
  readonly services?: readonly WorkerService[];
  readonly logger?: Logger;
}

export type { WorkerService } from './worker-service';

export interface RunningWorker {
  projections(): RunnerStatus[];
  services(): Array<{ name: string; ready: boolean; detail?: unknown }>;
  followers(): string[];
  stop(): Promise<void>;
}

/** Projection runners, process managers and services, in one process (no HTTP), all on the consumer engine. */
export async function startWorker(infra: Infrastructure, options: WorkerOptions = {}): Promise<RunningWorker> {
  const metrics = processMetrics();
  const log = options.logger;
  // every engine of the process (projections, process managers, relays, dispatchers) counts its batches, failures and last success
  reportConsumersTo(metrics.consumerTelemetry());
  const reporting = { onError: reportFailure(log), onStateChange: reportStuck(log) };
  const runners = (options.projections ?? PROJECTIONS).map((def) => new ProjectionRunner(infra.db, infra.store, def, reporting));
  // fact-fed process managers: followers of the log like projections, reported (lag, stuck) with them
  const eventManagers = (options.eventProcessManagers ?? EVENT_PROCESS_MANAGERS).map((pm) => eventProcessManagerRunner(pm, infra, reporting));
  for (const r of [...runners, ...eventManagers]) {
    metrics.projectionStuck.set({ projection: r.name }, 0);
    await r.start();
  }

  // clock-driven process managers: the engine's lock, retry and stuck state, with a timer as trigger
  const clockManagers = (options.processManagers ?? PROCESS_MANAGERS).map((pm) => ({
    pm,
    engine: new ConsumerEngine(
      infra.db,
      null,
      { kind: 'clock', name: `process_manager:${pm.name}`, lockName: `pm:${pm.name}`, intervalMs: pm.intervalMs, tick: (now) => pm.tick(infra, now) },
      { ...reporting, onTick: (_name, outcome) => metrics.processManagerRuns.inc({ process_manager: pm.name, outcome }) },
    ),
  }));
  for (const m of clockManagers) await m.engine.start();

  const services = options.services ?? propagationServices(infra, log);
  for (const s of services) await s.start();

  return {
    projections: () => [...runners.map((r) => r.status()), ...eventManagers.map((e) => statusOf(e))],
    followers: () => services.flatMap((s) => s.followers ?? []),
    services: () => [...services.map((s) => ({ name: s.name, ...s.status() })), ...(clockManagers.length ? [processManagersStatus(clockManagers)] : [])],
    stop: async () => {
      for (const m of clockManagers) await m.engine.stop();
      for (const s of services) await s.stop().catch(() => undefined);
      for (const r of [...eventManagers, ...runners]) await r.stop();
    },
  };
}

function statusOf(engine: ConsumerEngine): RunnerStatus {
  const { phase: _phase, ...status } = engine.status();
  return status;
}

function processManagersStatus(managers: ReadonlyArray<{ pm: ProcessManager; engine: ConsumerEngine }>): { name: string; ready: boolean; detail: unknown } {
  const detail = managers.map(({ pm, engine }) => {
    const { lastError, failures, stuck } = engine.status();
    return { name: pm.name, lastError, failures, stuck };
  });
  return { name: 'process_managers', ready: detail.every((d) => d.stuck === null), detail };
}
