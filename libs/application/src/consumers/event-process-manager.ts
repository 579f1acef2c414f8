import type { AppDeps, EventProcessManager } from '../core/app-deps';
import { ConsumerEngine, type AtLeastOnceConsumer, type ConsumerEngineOptions } from './engine';

/**
 * A fact-fed process manager (invariant 12) as an at-least-once consumer: its events in log order,
 * the checkpoint (`pm:<name>`) written after each handled event, so a crash between two of its
 * steps hands it the same event again (its `handle` decides from the log what is left to do).
 */
export function eventProcessManagerConsumer(pm: EventProcessManager, deps: AppDeps): AtLeastOnceConsumer {
  return {
    kind: 'at-least-once',
    name: `pm:${pm.name}`,
    typePrefixes: pm.typePrefixes,
    batchSize: 100,
    checkpointEach: true,
    deliver: async (events) => {
      for (const e of events) await pm.handle(e, deps);
    },
  };
}

/** The engine that runs `pm`: one active instance across processes, retried, reported when stuck. */
export function eventProcessManagerRunner(pm: EventProcessManager, deps: AppDeps, options: ConsumerEngineOptions = {}): ConsumerEngine {
  return new ConsumerEngine(deps.db, deps.store, eventProcessManagerConsumer(pm, deps), options);
}
