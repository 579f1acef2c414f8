import type { SqlDatabase, SqlExecutor } from '@pl/eventstore';
import { SUBJECT_KEYS_SCHEMA } from './key-store';

/**
 * Moving the data keys out of the log's database (KEYSTORE_DATABASE_URL). While the old table
 * exists the services refuse to start on the new store, so the old table is the truth: the copy
 * makes the new store equal to it (inserting, replacing and deleting rows), and running it again
 * changes nothing. A key deleted from the old table (an erasure) is deleted from the new one too.
 */
export interface KeyCopyResult {
  readonly sourceKeys: number;
  readonly inserted: number;
  readonly replaced: number;
  readonly deleted: number;
  /** Both stores hold exactly the same rows (count and digest). */
  readonly inSync: boolean;
}

type Row = { subject_key: string; key_id: string; master_key_id: string; wrapped_key: string; created_at: string; rewrapped_at: string | null };

const COLUMNS = 'subject_key, key_id::text AS key_id, master_key_id, wrapped_key, created_at::text AS created_at, rewrapped_at::text AS rewrapped_at';
const DIGEST = `SELECT count(*)::int AS n, coalesce(md5(string_agg(subject_key || ' ' || key_id::text || ' ' || master_key_id || ' ' || wrapped_key, ',' ORDER BY subject_key)), '') AS digest FROM subject_keys`;

export async function hasSubjectKeysTable(db: SqlExecutor): Promise<boolean> {
  const r = await db.query<{ t: string | null }>("SELECT to_regclass('subject_keys')::text AS t");
  return r.rows[0].t !== null;
}

export async function copySubjectKeys(source: SqlDatabase, target: SqlDatabase, batchSize = 500): Promise<KeyCopyResult> {
  await target.exec(SUBJECT_KEYS_SCHEMA);
  let inserted = 0;
  let replaced = 0;
  let deleted = 0;
  for (let after = ''; ; ) {
    const batch = (await source.query<Row>(`SELECT ${COLUMNS} FROM subject_keys WHERE subject_key > $1 ORDER BY subject_key LIMIT $2`, [after, batchSize])).rows;
    if (!batch.length) break;
    const r = await target.query<{ inserted: boolean }>(
      `INSERT INTO subject_keys (subject_key, key_id, master_key_id, wrapped_key, created_at, rewrapped_at)
       SELECT subject_key, key_id::uuid, master_key_id, wrapped_key, created_at::timestamptz, rewrapped_at::timestamptz
         FROM json_to_recordset($1::json) AS r(subject_key text, key_id text, master_key_id text, wrapped_key text, created_at text, rewrapped_at text)
       ON CONFLICT (subject_key) DO UPDATE SET key_id = EXCLUDED.key_id, master_key_id = EXCLUDED.master_key_id, wrapped_key = EXCLUDED.wrapped_key,
         created_at = EXCLUDED.created_at, rewrapped_at = EXCLUDED.rewrapped_at
       WHERE (subject_keys.key_id, subject_keys.master_key_id, subject_keys.wrapped_key) IS DISTINCT FROM (EXCLUDED.key_id, EXCLUDED.master_key_id, EXCLUDED.wrapped_key)
       RETURNING (xmax = 0) AS inserted`,
      [JSON.stringify(batch)],
    );
    inserted += r.rows.filter((x) => x.inserted).length;
    replaced += r.rows.filter((x) => !x.inserted).length;
    after = batch[batch.length - 1].subject_key;
  }
  for (let after = ''; ; ) {
    const batch = (await target.query<{ subject_key: string }>('SELECT subject_key FROM subject_keys WHERE subject_key > $1 ORDER BY subject_key LIMIT $2', [after, batchSize])).rows.map((r) => r.subject_key);
    if (!batch.length) break;
    const present = new Set(
      (await source.query<{ subject_key: string }>('SELECT subject_key FROM subject_keys WHERE subject_key IN (SELECT json_array_elements_text($1::json))', [JSON.stringify(batch)])).rows.map((r) => r.subject_key),
    );
    const gone = batch.filter((k) => !present.has(k));
    if (gone.length) deleted += (await target.query('DELETE FROM subject_keys WHERE subject_key IN (SELECT json_array_elements_text($1::json))', [JSON.stringify(gone)])).rowCount;
    after = batch[batch.length - 1];
  }
  const [s, t] = [await digest(source), await digest(target)];
  return { sourceKeys: s.n, inserted, replaced, deleted, inSync: s.n === t.n && s.digest === t.digest };
}

/**
 * Drops the old table, under a lock, only if the new store still holds exactly its rows: a key
 * created or shredded by a process still running on the old table since the copy refuses the drop.
 */
export async function dropSourceKeys(source: SqlDatabase, target: SqlDatabase): Promise<boolean> {
  return source.transaction(async (tx) => {
    await tx.exec('LOCK TABLE subject_keys IN ACCESS EXCLUSIVE MODE');
    const [s, t] = [await digest(tx), await digest(target)];
    if (s.n !== t.n || s.digest !== t.digest) return false;
    await tx.exec('DROP TABLE subject_keys');
    return true;
  });
}

async function digest(db: SqlExecutor): Promise<{ n: number; digest: string }> {
  return (await db.query<{ n: number; digest: string }>(DIGEST)).rows[0];
}
