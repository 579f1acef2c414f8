import { LOG_START, comparePositions, type LogPosition } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';
import { followedHere, watchProgress } from '../consumers/progress';
import { PROJECTION_FAULTS_SCHEMA, readFaults } from './faults';

export const CHECKPOINT_SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  name text PRIMARY KEY,
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  version integer NOT NULL,
  events_handled bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);${PROJECTION_FAULTS_SCHEMA}`;

export interface Checkpoint {
  readonly position: LogPosition;
  readonly version: number;
  readonly eventsHandled: bigint;
}

export async function readCheckpoint(db: SqlExecutor, name: string): Promise<Checkpoint | null> {
  const r = await db.query<{ tx: string; pos: string; version: number; events_handled: string }>(
    'SELECT tx::text AS tx, pos::text AS pos, version, events_handled::text AS events_handled FROM projection_checkpoints WHERE name = $1',
    [name],
  );
  if (!r.rows.length) return null;
  const row = r.rows[0];
  return { position: { tx: BigInt(row.tx), pos: BigInt(row.pos) }, version: row.version, eventsHandled: BigInt(row.events_handled) };
}

export async function writeCheckpoint(db: SqlExecutor, name: string, position: LogPosition, version: number, handled: number): Promise<void> {
  await db.query(
    `INSERT INTO projection_checkpoints (name, tx, pos, version, events_handled, updated_at) VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (name) DO UPDATE SET tx = EXCLUDED.tx, pos = EXCLUDED.pos, version = EXCLUDED.version,
       events_handled = projection_checkpoints.events_handled + $5, updated_at = now()`,
    [name, position.tx.toString(), position.pos.toString(), version, handled],
  );
}

export async function resetCheckpoint(db: SqlExecutor, name: string, version: number, position: LogPosition, handled: bigint): Promise<void> {
  await db.query(
    `INSERT INTO projection_checkpoints (name, tx, pos, version, events_handled, updated_at) VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (name) DO UPDATE SET tx = EXCLUDED.tx, pos = EXCLUDED.pos, version = EXCLUDED.version, events_handled = EXCLUDED.events_handled, updated_at = now()`,
    [name, position.tx.toString(), position.pos.toString(), version, handled.toString()],
  );
}

/**
 * Read your writes (invariant 7): resolves once projection `name` has passed `position`; throws
 * ProjectionStuckError at once when its runner reports it stuck (invariant 11), or
 * ProjectionTimeoutError after `timeoutMs`. When the projection is followed in this process, its
 * runner's checkpoints wake the wait (a slow poll stays as a safety net); otherwise the checkpoint
 * table is polled every `pollMs`.
 */
export async function waitForCheckpoint(db: SqlExecutor, name: string, position: LogPosition, timeoutMs = 5000, pollMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // watching before the first read: a checkpoint reported after a read and before the wait still wakes it
  const progress = watchProgress(db, name, position);
  try {
    for (let i = 0; ; i++) {
      const cp = await readCheckpoint(db, name);
      if (cp && comparePositions(cp.position, position) >= 0) return;
      const local = followedHere(db, name);
      if (local || i % 20 === 0) {
        const [fault] = await readFaults(db, [name]);
        if (fault) throw new ProjectionStuckError(name, fault.errorClass);
      }
      const left = deadline - Date.now();
      if (left < 0) throw new ProjectionTimeoutError(name);
      if (await progress.wait(Math.min(local ? LOCAL_SAFETY_POLL_MS : pollMs, left + 1))) return;
    }
  } finally {
    progress.close();
  }
}

/** With the runner in this process, its checkpoints wake a wait; this poll only bounds a missed wake. */
const LOCAL_SAFETY_POLL_MS = 250;

export class ProjectionTimeoutError extends Error {
  constructor(readonly projection: string) {
    super(`read model ${projection} did not catch up in time`);
    this.name = 'ProjectionTimeoutError';
  }
}

/** The read model cannot advance (its runner keeps failing): the wait ends at once and says which and why (class only). */
export class ProjectionStuckError extends ProjectionTimeoutError {
  constructor(
    projection: string,
    readonly errorClass: string,
  ) {
    super(projection);
    this.message = `read model ${projection} is stuck (${errorClass})`;
    this.name = 'ProjectionStuckError';
  }
}

export const START = LOG_START;
