import { createHash } from 'node:crypto';
import type { SqlExecutor } from '@pl/eventstore';

export interface ReadModelDigest {
  readonly name: string;
  /** SHA-256 over every table's name, row count and digest, tables by name. */
  readonly digest: string;
  readonly tables: ReadonlyArray<{ readonly table: string; readonly rows: number; readonly digest: string }>;
}

/**
 * A deterministic digest of read model `name` (schema `rm_<name>`): per table, SHA-256 over the
 * SHA-256 of every row's text form, rows ordered by that text (byte order, "C" collation). Nothing
 * is excluded: no projection writes wall-clock times (handlers use the event's occurred_at).
 */
export async function readModelDigest(db: SqlExecutor, name: string): Promise<ReadModelDigest> {
  const schema = `rm_${name}`;
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name::text AS table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`,
    [schema],
  );
  const out: Array<{ table: string; rows: number; digest: string }> = [];
  const all = createHash('sha256');
  for (const { table_name } of tables.rows.sort((a, b) => (a.table_name < b.table_name ? -1 : a.table_name > b.table_name ? 1 : 0))) {
    const r = await db.query<{ rows: string; digest: string }>(
      `SELECT count(*)::text AS rows,
              encode(sha256(convert_to(coalesce(string_agg(h, '' ORDER BY r COLLATE "C"), ''), 'UTF8')), 'hex') AS digest
       FROM (SELECT t::text AS r, encode(sha256(convert_to(t::text, 'UTF8')), 'hex') AS h FROM "${schema}"."${table_name}" t) x`,
    );
    const entry = { table: table_name, rows: Number(r.rows[0].rows), digest: r.rows[0].digest };
    out.push(entry);
    all.update(`${entry.table}\n${entry.rows}\n${entry.digest}\n`);
  }
  return { name, digest: all.digest('hex'), tables: out };
}
