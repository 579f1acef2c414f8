import { LOG_START, comparePositions, storableJson, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlDatabase, SqlExecutor } from '@pl/eventstore';
import { ConsumerEngine, type ConsumerEngineOptions, type TransactionalConsumer } from '../consumers/engine';
import { CHECKPOINT_SCHEMA, readCheckpoint, resetCheckpoint, writeCheckpoint } from './checkpoints';
import type { StuckState } from './stuck-tracker';
import { schemaOf, type ProjectionDefinition } from './projection';

export interface RunnerStatus extends StuckState {
  readonly name: string;
  readonly active: boolean;
  readonly position: LogPosition | null;
}

export type RunnerOptions = ConsumerEngineOptions;

/** Creates the projection's schema, tables and (unless a rebuild's replay is to fill them first) its indexes when missing. */
export async function ensureProjectionSchema(db: SqlExecutor, def: ProjectionDefinition, schema = schemaOf(def), indexes = true): Promise<void> {
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}, public; ${def.schema}; ${indexes ? (def.indexes ?? '') : ''}; SET search_path TO public;`);
}

/** What, in an event's stored JSON text, could stand for text `storableText` escapes (a `\u` escape, a noncharacter, a surrogate). */
const MAY_NEED_ESCAPE = /\\u|[\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/;

/**
 * The event as a read model may store it: every string and key of data and metadata in the escaped
 * form of `storableText` (NUL and lone surrogates, which PostgreSQL refuses in jsonb, become
 * U+FDD0 + hex). Stream, type and the stored bytes (`raw`, hashed by the audit chain) are untouched.
 */
export function storableEvent(e: RecordedEvent): RecordedEvent {
  // the stored text has no JSON escape, no noncharacter and no surrogate: nothing in it can need escaping (no walk)
  if (e.raw && !MAY_NEED_ESCAPE.test(e.raw.data) && !MAY_NEED_ESCAPE.test(e.raw.metadata)) return e;
  const data = storableJson(e.data);
  const metadata = storableJson(e.metadata);
  return data === e.data && metadata === e.metadata ? e : { ...e, data, metadata };
}

/**
 * Applies one batch to the projection's tables inside `tx` (the caller commits the checkpoint with it).
 * A rebuild's batches (`shadow`) commit without waiting for the WAL flush: a crash mid-rebuild drops
 * the shadow schema and starts again, and the switch's own commit flushes every batch before it.
 */
async function applyEvents(tx: SqlExecutor, def: ProjectionDefinition, events: readonly RecordedEvent[], schema: string, shadow = false): Promise<void> {
  await tx.query(
    `SELECT set_config('search_path', $1, true), set_config('synchronous_commit', CASE WHEN $2::boolean THEN 'off' ELSE current_setting('synchronous_commit') END, true)`,
    [`${schema}, public`, shadow],
  );
  // invariant 10: whatever the log holds projects, clean input or not
  if (events.length) await def.handle(tx, events.map(storableEvent));
}

/** Applies one batch and the checkpoint in one transaction (ARCHITECTURE invariant 5). */
export async function applyBatch(db: SqlDatabase, def: ProjectionDefinition, events: readonly RecordedEvent[], checkpoint: LogPosition, schema = schemaOf(def), checkpointName = def.name): Promise<void> {
  await db.transaction(async (tx) => {
    await applyEvents(tx, def, events, schema, schema !== schemaOf(def));
    await writeCheckpoint(tx, checkpointName, checkpoint, def.version, events.length);
  });
}

/** A projection as a consumer of the engine: rows and checkpoint in one transaction; a version change rebuilds before going live. */
export function projectionConsumer(db: SqlDatabase, store: EventStore, def: ProjectionDefinition): TransactionalConsumer {
  return {
    kind: 'transactional',
    name: def.name,
    lockName: `projection:${def.name}`,
    typePrefixes: def.typePrefixes,
    version: def.version,
    async activate() {
      const cp = await readCheckpoint(db, def.name);
      if (cp && cp.version !== def.version) await rebuildProjection(db, store, def, { lockHeld: true });
      await ensureProjectionSchema(db, def);
    },
    apply: (tx, events) => applyEvents(tx, def, events, schemaOf(def)),
  };
}

/**
 * Runs one projection on the consumer engine: one active runner per projection across processes
 * (advisory lock), others stand by. Resumes from its checkpoint; a failing batch is retried after a
 * pause, never skipped. A version change (DDL or semantics) triggers a rebuild by replay before going live.
 */
export class ProjectionRunner {
  readonly name: string;
  private readonly engine: ConsumerEngine;

  constructor(
    db: SqlDatabase,
    store: EventStore,
    readonly def: ProjectionDefinition,
    options: RunnerOptions = {},
  ) {
    this.name = def.name;
    this.engine = new ConsumerEngine(db, store, projectionConsumer(db, store, def), options);
  }

  status(): RunnerStatus {
    const { phase: _phase, ...status } = this.engine.status();
    return status;
  }

  start(): Promise<void> {
    return this.engine.start();
  }

  waitFor(position: LogPosition, timeoutMs?: number): Promise<void> {
    return this.engine.waitFor(position, timeoutMs);
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }
}

export interface RebuildOptions {
  readonly lockHeld?: boolean;
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export class ProjectionBusyError extends Error {
  constructor(readonly projection: string) {
    super(`projection ${projection} is being run by another process; stop its worker first`);
  }
}

/**
 * Rebuild = replay the whole log into fresh tables (schema `rm_<name>__rebuild`), then switch in one
 * transaction: drop the old schema, rename the new one, reset the checkpoint. Readers never see a
 * half-built model.
 */
export async function rebuildProjection(db: SqlDatabase, store: EventStore, def: ProjectionDefinition, options: RebuildOptions = {}): Promise<{ events: number }> {
  const lock = options.lockHeld ? null : await db.tryLock(`projection:${def.name}`);
  if (!options.lockHeld && !lock) throw new ProjectionBusyError(def.name);
  try {
    await db.exec(CHECKPOINT_SCHEMA);
    const live = schemaOf(def);
    const shadow = `${live}__rebuild`;
    const shadowCheckpoint = `${def.name}__rebuild`;
    await db.exec(`DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
    await ensureProjectionSchema(db, def, shadow, false);
    const total = await countEvents(db);
    let position = LOG_START;
    let handled = 0;
    // The store filters by type (in SQL on PostgreSQL/PGlite, server-side on EventStoreDB), so a
    // projection of a few event types never reads the rest of a million-event log; each page says
    // how far it scanned, so the checkpoint ends at the head of the log read, not at the last event
    // of the projection's types.
    const read = (from: LogPosition) => store.readPage(from, { maxCount: options.batchSize ?? 5000, typePrefixes: def.typePrefixes });
    // the next page is read while this one is applied (the log's read and the rows' writes overlap)
    let next = read(position);
    for (;;) {
      const page = await next;
      if (comparePositions(page.scannedTo, position) <= 0) break;
      next = read(page.scannedTo);
      next.catch(() => undefined); // a batch that fails ends the rebuild: the page read ahead is not awaited
      const mine = def.typePrefixes?.length ? page.events.filter((e) => def.typePrefixes!.some((p) => e.type.startsWith(p))) : page.events;
      await applyBatch(db, def, mine, page.scannedTo, shadow, shadowCheckpoint);
      position = page.scannedTo;
      handled += mine.length;
      options.onProgress?.(Math.min(Number(position.pos), total), total);
    }
    // the replay wrote bare tables: summaries filled once, indexes built once over the rows
    if (def.summaries) await db.exec(`SET search_path TO ${shadow}, public; ${def.summaries}; SET search_path TO public;`);
    await ensureProjectionSchema(db, def, shadow);
    await db.transaction(async (tx) => {
      await tx.exec(`DROP SCHEMA IF EXISTS ${live} CASCADE; ALTER SCHEMA ${shadow} RENAME TO ${live};`);
      await resetCheckpoint(tx, def.name, def.version, position, BigInt(handled));
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1', [shadowCheckpoint]);
    });
    return { events: handled };
  } finally {
    await lock?.release();
  }
}

async function countEvents(db: SqlExecutor): Promise<number> {
  try {
    const r = await db.query<{ n: string }>('SELECT coalesce(max(global_position), 0)::text AS n FROM es_events');
    return Number(r.rows[0].n);
  } catch {
    return 0;
  }
}
