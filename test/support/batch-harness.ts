import { ensureProjectionSchema, type ProjectionDefinition } from '@pl/application';
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

/** The handler shape of a projection (`ProjectionDefinition.handle`), also of the reference handlers kept in tests. */
export type BatchHandler = (tx: SqlExecutor, events: readonly RecordedEvent[]) => Promise<void>;

/**
 * Creates `schema` with the projection's DDL and handles `batches` into it with `handler`, one
 * transaction per batch (as the runner does), without checkpoints: for comparing handlers.
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
