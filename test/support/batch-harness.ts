import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, storableEvent, type ProjectionDefinition } from '@pl/application';
import type { RecordedEvent } from '@pl/domain';
import type { SqlDatabase, SqlExecutor } from '@pl/eventstore';

/** Deterministic pseudo-random numbers (mulberry32), so a failing split can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits a log into consecutive batches of 1..max events, the sizes drawn from the seed (batched-handler tests). */
export function randomSplit<T>(xs: readonly T[], seed: number, max: number): T[][] {
  const next = prng(seed);
  const out: T[][] = [];
  for (let i = 0; i < xs.length; ) {
    const n = 1 + Math.floor(next() * max);
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}

/** The handler shape of a projection (`ProjectionDefinition.handle`). */
export type BatchHandler = (tx: SqlExecutor, events: readonly RecordedEvent[]) => Promise<void>;

/**
 * Creates `schema` with the projection's DDL and handles `batches` into it with `handler`, one
 * transaction per batch (as the runner does), without checkpoints: for comparing batchings of one log.
 */
export async function handleIntoSchema(db: SqlDatabase, def: ProjectionDefinition, schema: string, handler: BatchHandler, batches: ReadonlyArray<readonly RecordedEvent[]>): Promise<string> {
  await ensureProjectionSchema(db, def, schema);
  for (const batch of batches) {
    await db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('search_path', $1, true)`, [`${schema}, public`]);
      await handler(tx, batch);
    });
  }
  return schema;
}

/** Every column of a table's rows as canonical jsonb text, in the given total order. */
export async function tableRows(db: SqlExecutor, schema: string, table: string, orderBy: string): Promise<string[]> {
  const r = await db.query<{ j: string }>(`SELECT to_jsonb(t)::text AS j FROM ${schema}.${table} t ORDER BY ${orderBy}`);
  return r.rows.map((row) => row.j);
}

/**
 * The ways a runner may hand a log to a projection, each of which must leave the rows of handling it
 * one event at a time: all at once, random splits, twice, overlapping batches and windows (a batch
 * retried after a crash before its checkpoint, a replay from an older checkpoint).
 */
export function batchings<T>(log: readonly T[], seeds: readonly number[] = [1, 2, 3, 4, 5]): Array<[string, T[][]]> {
  const third = Math.floor(log.length / 3);
  const next = prng(42);
  const windows: T[][] = [];
  for (let end = 0; end < log.length; ) {
    const start = Math.max(0, end - Math.floor(next() * 6));
    end = Math.min(log.length, end + 1 + Math.floor(next() * 8));
    windows.push(log.slice(start, end));
  }
  return [
    ['the whole log in one batch', [[...log]]],
    ...seeds.map((seed): [string, T[][]] => [`random split (seed ${seed})`, randomSplit(log, seed, 1 + seed * 3)]),
    ['the whole log twice', [[...log], [...log]]],
    ['overlapping batches', [log.slice(0, 2 * third), log.slice(third), log.slice(third, third + 5), [...log].reverse().slice(0, 7)]],
    ['overlapping windows', windows],
    ['one event at a time, then random batches again', [...log.map((e) => [e]), ...randomSplit(log, 42, 9)]],
  ];
}

export type Dump = Record<string, string[]>;

/**
 * Handles `batches` into a fresh schema with the projection's own handler, events escaped as the
 * runner hands them over (invariant 10); every table, every column, in a total order.
 */
export async function projectLog(db: SqlDatabase, def: ProjectionDefinition, tables: ReadonlyArray<readonly [string, string]>, batches: ReadonlyArray<readonly RecordedEvent[]>): Promise<Dump> {
  const schema = await handleIntoSchema(db, def, `${schemaOfTest(def)}_${++projected}`, (tx, events) => def.handle(tx, events.map(storableEvent)), batches);
  return dumpAndDrop(db, schema, tables);
}

/** The same through the runner's own path: `applyBatch` (escaping, search_path, rows and checkpoint in one transaction). */
export async function applyLog(db: SqlDatabase, def: ProjectionDefinition, tables: ReadonlyArray<readonly [string, string]>, batches: ReadonlyArray<readonly RecordedEvent[]>): Promise<Dump> {
  const schema = `${schemaOfTest(def)}_${++projected}`;
  await db.exec(CHECKPOINT_SCHEMA);
  await ensureProjectionSchema(db, def, schema);
  for (const b of batches) await applyBatch(db, def, b, b[b.length - 1].position, schema, `${schema}_cp`);
  await db.query('DELETE FROM projection_checkpoints WHERE name = $1', [`${schema}_cp`]);
  return dumpAndDrop(db, schema, tables);
}

async function dumpAndDrop(db: SqlDatabase, schema: string, tables: ReadonlyArray<readonly [string, string]>): Promise<Dump> {
  const out: Dump = {};
  for (const [table, order] of tables) out[table] = await tableRows(db, schema, table, order);
  await db.exec(`DROP SCHEMA ${schema} CASCADE`);
  return out;
}
let projected = 0;
const schemaOfTest = (def: ProjectionDefinition) => `rm_${def.name}_t${process.pid}`;

/**
 * The log as its readers see it when personal fields hold other bytes (encrypted with another key,
 * or the key shredded): every declared personal path present in an event's data replaced by `marker`.
 */
export function withPersonalFields(log: readonly RecordedEvent[], declared: ReadonlyArray<{ type: string; paths: readonly string[] }>, marker: unknown): RecordedEvent[] {
  return log.map((e) => {
    const paths = declared.filter((d) => d.type === e.type).flatMap((d) => d.paths);
    if (!paths.length) return e;
    const data = structuredClone(e.data) as Record<string, unknown>;
    for (const path of paths) {
      const parts = path.split('.');
      let at: Record<string, unknown> | undefined = data;
      for (const p of parts.slice(0, -1)) at = at?.[p] as Record<string, unknown> | undefined;
      if (at && parts[parts.length - 1] in at) at[parts[parts.length - 1]] = marker;
    }
    return { ...e, data };
  });
}

/** How many events of `log` carry a declared personal field (so a test knows it exercised one). */
export const personalFieldEvents = (log: readonly RecordedEvent[], declared: ReadonlyArray<{ type: string; paths: readonly string[] }>, marker: unknown): number =>
  withPersonalFields(log, declared, marker).filter((e, i) => e !== log[i] && JSON.stringify(e.data) !== JSON.stringify(log[i].data)).length;
