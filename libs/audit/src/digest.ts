import { createHash } from 'node:crypto';
import type { SqlExecutor } from '@pl/eventstore';

export interface ReadModelDigest {
  readonly name: string;
  /** SHA-256 over every table's name, row count and digest, tables by name. */
  readonly digest: string;
  readonly tables: ReadonlyArray<{ readonly table: string; readonly rows: number; readonly digest: string }>;
}

export interface DigestOptions {
  /**
   * Portable across backends: each log position a row holds (a column pair `tx`/`pos` or
   * `<prefix>_tx`/`<prefix>_pos`) is replaced by the id of the event at that position, read from
   * this table (`tx numeric, pos bigint, event_id text`, see `positionIdsTable`). The same log on
   * PostgreSQL, PGlite and EventStoreDB has other positions but the same event ids.
   */
  readonly positionIds?: string;
}

/** Where `cli replay-digest` keeps the position -> event id map of a log (in the read-model database). */
export const POSITION_IDS_TABLE = 'pl_replay_digest.event_positions';
export const POSITION_IDS_SCHEMA = `CREATE SCHEMA IF NOT EXISTS pl_replay_digest;
CREATE TABLE IF NOT EXISTS ${POSITION_IDS_TABLE} (tx numeric NOT NULL, pos bigint NOT NULL, event_id text NOT NULL, PRIMARY KEY (tx, pos));`;

/**
 * A deterministic digest of read model `name` (schema `rm_<name>`): per table, SHA-256 over the
 * SHA-256 of every row's text form, rows ordered by that text (byte order, "C" collation). Nothing
 * is excluded: no projection writes wall-clock times (handlers use the event's occurred_at).
 */
export async function readModelDigest(db: SqlExecutor, name: string, options: DigestOptions = {}): Promise<ReadModelDigest> {
  const schema = `rm_${name}`;
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name::text AS table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`,
    [schema],
  );
  const out: Array<{ table: string; rows: number; digest: string }> = [];
  const all = createHash('sha256');
  for (const { table_name } of tables.rows.sort((a, b) => (a.table_name < b.table_name ? -1 : a.table_name > b.table_name ? 1 : 0))) {
    const row = options.positionIds ? await portableRow(db, schema, table_name, options.positionIds) : 't::text';
    const r = await db.query<{ rows: string; digest: string }>(
      `SELECT count(*)::text AS rows,
              encode(sha256(convert_to(coalesce(string_agg(h, '' ORDER BY r COLLATE "C"), ''), 'UTF8')), 'hex') AS digest
       FROM (SELECT ${row} AS r, encode(sha256(convert_to(${row}, 'UTF8')), 'hex') AS h FROM "${schema}"."${table_name}" t) x`,
    );
    const entry = { table: table_name, rows: Number(r.rows[0].rows), digest: r.rows[0].digest };
    out.push(entry);
    all.update(`${entry.table}\n${entry.rows}\n${entry.digest}\n`);
  }
  return { name, digest: all.digest('hex'), tables: out };
}

/** The row's text form with each `[prefix]tx`/`[prefix]pos` column pair replaced by the event id at that position. */
async function portableRow(db: SqlExecutor, schema: string, table: string, positionIds: string): Promise<string> {
  const cols = (
    await db.query<{ column_name: string }>(
      'SELECT column_name::text AS column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [schema, table],
    )
  ).rows.map((c) => c.column_name);
  const pairOf = (c: string) => (c === 'tx' ? 'pos' : c.endsWith('_tx') ? `${c.slice(0, -2)}pos` : null);
  const pos = new Set(cols.map(pairOf).filter((p): p is string => p !== null && cols.includes(p)));
  const exprs = cols
    .filter((c) => !pos.has(c))
    .map((c) => {
      const p = pairOf(c);
      return p && pos.has(p) ? `(SELECT m.event_id FROM ${positionIds} m WHERE m.tx = t."${c}" AND m.pos = t."${p}")` : `t."${c}"`;
    });
  return `ROW(${exprs.join(', ')})::text`;
}
