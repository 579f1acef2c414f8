import { ProjectionRunner, StuckTracker, type ProjectionDefinition, type RunnerStatus } from '@pl/application';
import type { Logger } from 'pino';
import type { Infrastructure } from '../../common/infrastructure';
import { processMetrics } from '../../common/metrics';
import type { ProcessManager } from './process-manager';
import type { WorkerService } from './worker-service';
import { PROCESS_MANAGERS, PROJECTIONS } from './registry';
import { propagationServices } from './propagation';
import { reportFailure, reportStuck } from './stuck-reporter';

export interface WorkerOptions {
  readonly projections?: readonly ProjectionDefinition[];
  readonly processManagers?: readonly ProcessManager[];
  /** Extra long-running services (e.g. the Kafka relay) started and stopped with the worker. */
  readonly services?: readonly WorkerService[];
  readonly logger?: Logger;
}

export type { WorkerService } from './worker-service';

export interface RunningWorker {
  projections(): RunnerStatus[];
  services(): Array<{ name: string; ready: boolean; detail?: unknown }>;
  stop(): Promise<void>;
}

/** Projection runners, process managers and services, in one process (no HTTP). */
export async function startWorker(infra: Infrastructure, options: WorkerOptions = {}): Promise<RunningWorker> {
  const metrics = processMetrics();
  const log = options.logger;
  const runners = (options.projections ?? PROJECTIONS).map(
    (def) =>
      new ProjectionRunner(infra.db, infra.store, def, {
        onBatch: (name, n) => metrics.projectionEvents.inc({ projection: name }, n),
        onError: reportFailure(log),
        onStateChange: reportStuck(log),
      }),
  );
  for (const r of runners) {
    metrics.projectionStuck.set({ projection: r.def.name }, 0);
    await r.start();
  }

  const timers: NodeJS.Timeout[] = [];
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  const failed = reportFailure(log);
  const pmHealth = new Map<string, StuckTracker>();
  for (const pm of options.processManagers ?? PROCESS_MANAGERS) {
    // invariant 11: a manager whose ticks keep failing is stuck, like a projection (fault row, metric, one log line)
    const health = new StuckTracker(infra.db, `process_manager:${pm.name}`, { onStateChange: reportStuck(log) });
    pmHealth.set(pm.name, health);
    const run = async () => {
      if (stopping) return;
      const lock = await infra.db.tryLock(`pm:${pm.name}`);
      if (!lock) return;
      try {
        await pm.tick(infra, new Date());
        metrics.processManagerRuns.inc({ process_manager: pm.name, outcome: 'ok' });
        await health.succeeded();
      } catch (e) {
        metrics.processManagerRuns.inc({ process_manager: pm.name, outcome: 'error' });
        const { errorClass, failures } = health.noteFailure(e);
        failed(`process_manager:${pm.name}`, e, failures);
        if (!stopping) await health.settleFailure(errorClass);
      } finally {
        await lock.release();
      }
    };
    timers.push(
      setInterval(() => {
        const p = run().finally(() => inFlight.delete(p));
        inFlight.add(p);
      }, pm.intervalMs),
    );
  }

  const services = options.services ?? propagationServices(infra, log);
  for (const s of services) await s.start();

  return {
    projections: () => runners.map((r) => r.status()),
    services: () => [
      ...services.map((s) => ({ name: s.name, ...s.status() })),
      ...(pmHealth.size ? [processManagersStatus(pmHealth)] : []),
    ],
    stop: async () => {
      stopping = true;
      timers.forEach(clearInterval);
      await Promise.all([...inFlight]);
      for (const s of services) await s.stop().catch(() => undefined);
      for (const r of runners) await r.stop();
    },
  };
}

function processManagersStatus(health: ReadonlyMap<string, StuckTracker>): { name: string; ready: boolean; detail: unknown } {
  const detail = [...health].map(([name, h]) => ({ name, ...h.state() }));
  return { name: 'process_managers', ready: detail.every((d) => d.stuck === null), detail };
}
