import { EventEmitter } from 'node:events';
import { comparePositions, type LogPosition } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

/**
 * In-process news of checkpoints, per database object: a consumer that wrote its checkpoint says
 * so here, so a read-your-writes wait in the same process wakes at once instead of polling
 * (issue 14, defect 5). A wait across processes falls back to polling the checkpoint table.
 */
interface Channel {
  readonly emitter: EventEmitter;
  /** Consumers of this process holding their lock (following the log), by name. */
  readonly active: Map<string, number>;
}

const channels = new WeakMap<SqlExecutor, Channel>();

function channelOf(db: SqlExecutor): Channel {
  let c = channels.get(db);
  if (!c) {
    c = { emitter: new EventEmitter().setMaxListeners(0), active: new Map() };
    channels.set(db, c);
  }
  return c;
}

export function reportProgress(db: SqlExecutor, name: string, position: LogPosition): void {
  channels.get(db)?.emitter.emit(name, position);
}

/** Marks consumer `name` as followed (or no longer) by this process. */
export function markFollowing(db: SqlExecutor, name: string, on: boolean): void {
  const { active } = channelOf(db);
  const n = (active.get(name) ?? 0) + (on ? 1 : -1);
  if (n > 0) active.set(name, n);
  else active.delete(name);
}

/** Whether a consumer of this process follows `name` on `db` (its checkpoints are then reported here). */
export function followedHere(db: SqlExecutor, name: string): boolean {
  return channels.get(db)?.active.has(name) ?? false;
}

/**
 * Watches consumer `name`'s reports for a checkpoint at or past `target` from now on: open it before
 * reading the checkpoint table, so a report that lands between that read and the wait is not lost
 * (the wait would otherwise sleep until its safety poll).
 */
export function watchProgress(db: SqlExecutor, name: string, target: LogPosition): { wait(ms: number): Promise<boolean>; close(): void } {
  const { emitter } = channelOf(db);
  let reached = false;
  let wake: (() => void) | null = null;
  const onProgress = (p: LogPosition) => {
    if (comparePositions(p, target) < 0) return;
    reached = true;
    wake?.();
  };
  emitter.on(name, onProgress);
  return {
    /** Up to `ms`, or until a report at or past the target (also one that came before this call); true in the latter case. */
    wait: (ms) =>
      reached
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const timer = setTimeout(() => {
              wake = null;
              resolve(reached);
            }, ms);
            wake = () => {
              clearTimeout(timer);
              wake = null;
              resolve(true);
            };
          }),
    close: () => {
      emitter.off(name, onProgress);
      wake?.();
    },
  };
}
