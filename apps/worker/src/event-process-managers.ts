import { CHECKPOINT_SCHEMA, readCheckpoint, writeCheckpoint, type EventProcessManager } from '@pl/application';
import { comparePositions, LOG_START } from '@pl/domain';
import type { Infrastructure } from '../../common/infrastructure';
import type { ProcessManager } from './process-manager';

/**
 * Runs a fact-fed process manager on the worker's process-manager loop (lock per name, stuck
 * tracking, metric) until the consumer engine runs them itself: each tick hands it, in log order,
 * the events after its checkpoint `pm:<name>`, and checkpoints after each handled event, so a crash
 * repeats at most the event in hand (the manager decides from the log what is already done).
 */
export function onTheProcessManagerLoop(name: string, make: (infra: Infrastructure) => EventProcessManager, intervalMs = 100): ProcessManager {
  const ready = new WeakSet<Infrastructure>();
  return {
    name,
    intervalMs,
    async tick(infra) {
      const pm = make(infra);
      if (!ready.has(infra)) {
        await infra.db.exec(CHECKPOINT_SCHEMA);
        ready.add(infra);
      }
      const checkpoint = `pm:${pm.name}`;
      let after = (await readCheckpoint(infra.db, checkpoint))?.position ?? LOG_START;
      for (;;) {
        const page = await infra.store.readPage(after, { typePrefixes: pm.typePrefixes, maxCount: 100 });
        for (const e of page.events) {
          await pm.handle(e, infra);
          await writeCheckpoint(infra.db, checkpoint, e.position, 1, 1);
          after = e.position;
        }
        if (comparePositions(page.scannedTo, after) <= 0) return;
        after = page.scannedTo;
        await writeCheckpoint(infra.db, checkpoint, after, 1, 0);
      }
    },
  };
}
