import type { EventStore, SqlExecutor } from '@pl/eventstore';
import { comparePositions, LOG_START, type LogPosition } from '@pl/domain';

/**
 * How far a projection is from the head of the log, in the units its backend has:
 * - PostgreSQL, PGlite: `behind` counts the events after its checkpoint, up to READY_MAX_PROJECTION_LAG
 *   + 1 (all readiness needs; counting costs ~9 ms per 1,000 events, docs/benchmarks.md);
 * - EventStoreDB: positions are byte offsets of `$all`, so there is no count (`behind` null), only
 *   "caught up or not, and since when".
 * `since`: when caught up, when the checkpoint last moved; when behind, when the first event it has
 * not handled was recorded (its metadata's `recorded_at`), so `now - since` is how long it has been behind.
 */
export interface ProjectionLag {
  readonly projection: string;
  readonly behind: number | null;
  readonly caught_up: boolean;
  readonly since: string | null;
  /** Global positions between the head and the checkpoint (`pl_projection_lag_positions`); null on EventStoreDB. */
  readonly positions: number | null;
  readonly updated_at: string | null;
}

export interface LagReadiness {
  /** PostgreSQL, PGlite: ready while `behind` <= this (READY_MAX_PROJECTION_LAG). */
  readonly maxEvents: number;
  /** EventStoreDB: ready while caught up, or behind for no longer than this (READY_MAX_PROJECTION_BEHIND_MS). */
  readonly maxBehindMs: number;
}

/** The readiness rule per backend (README, "Health and readiness"). */
export function lagIsReady(lag: ProjectionLag, rule: LagReadiness, now: Date): boolean {
  if (lag.behind !== null) return lag.behind <= rule.maxEvents;
  if (lag.caught_up) return true;
  return lag.since !== null && now.getTime() - Date.parse(lag.since) <= rule.maxBehindMs;
}

type CheckpointRow = { name: string; tx: string; pos: string; updated_at: Date | string };

/**
 * Lag of each projection. `names` null: every projection with a checkpoint (the API without an
 * in-process worker sees the checkpoints the worker processes write); a name without a checkpoint
 * is behind from the start of the log.
 */
export async function projectionLags(db: SqlExecutor, store: EventStore, head: LogPosition, names: readonly string[] | null, rule: LagReadiness): Promise<ProjectionLag[]> {
  const r = await (names
    ? db.query<CheckpointRow>('SELECT name, tx::text AS tx, pos::text AS pos, updated_at FROM projection_checkpoints WHERE name = ANY($1)', [names])
    : db.query<CheckpointRow>(`SELECT name, tx::text AS tx, pos::text AS pos, updated_at FROM projection_checkpoints WHERE name NOT LIKE '%\\_\\_rebuild' ORDER BY name`)
  ).catch(() => ({ rows: [] as CheckpointRow[], rowCount: 0 }));
  const byName = new Map(r.rows.map((row) => [row.name, row]));
  // projections at the same checkpoint (e.g. all rebuilding from the start) are counted once
  const counts = new Map<string, Promise<number>>();
  const count = (after: LogPosition) => {
    const key = `${after.tx}:${after.pos}`;
    if (!counts.has(key)) counts.set(key, store.countAfter!(after, rule.maxEvents + 1));
    return counts.get(key)!;
  };
  return Promise.all((names ?? r.rows.map((row) => row.name)).map((name) => lagOf(store, head, name, byName.get(name) ?? null, store.countAfter ? count : null)));
}

async function lagOf(store: EventStore, head: LogPosition, projection: string, row: CheckpointRow | null, count: ((after: LogPosition) => Promise<number>) | null): Promise<ProjectionLag> {
  const checkpoint = row ? { tx: BigInt(row.tx), pos: BigInt(row.pos) } : LOG_START;
  const updated_at = row ? new Date(row.updated_at).toISOString() : null;
  const countable = store.backend !== 'eventstoredb';
  const positions = countable ? (head.pos > checkpoint.pos ? Number(head.pos - checkpoint.pos) : 0) : null;
  const behind = count && countable ? await count(checkpoint) : null;
  const caught_up = behind !== null ? behind === 0 : comparePositions(checkpoint, head) >= 0;
  if (caught_up) return { projection, behind, caught_up, since: updated_at, positions, updated_at };
  const [first] = await store.readAll(checkpoint, { maxCount: 1 }).catch(() => []);
  const recorded = Date.parse(String(first?.metadata?.recorded_at ?? first?.metadata?.occurred_at));
  const since = Number.isNaN(recorded) ? updated_at : new Date(recorded).toISOString();
  return { projection, behind, caught_up, since, positions, updated_at };
}
