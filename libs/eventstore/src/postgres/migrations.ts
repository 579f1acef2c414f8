import type { SqlDatabase, SqlExecutor } from '../sql/database';
import { lockKey } from '../sql/lock-key';
import { EVENT_STORE_SCHEMA } from './schema';

/**
 * Versioned, additive schema changes of the event log. Append new entries; never edit or remove
 * an applied one. Each runs once, in the same transaction that records it in es_schema_migrations.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'event log', sql: EVENT_STORE_SCHEMA }];

const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS es_schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies the pending migrations. Safe when several processes start at once: the transaction-scoped
 * advisory lock serialises them, and the second one finds every version applied.
 */
export async function migrateEventStore(db: SqlDatabase, migrations: readonly Migration[] = EVENT_STORE_MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey('es_schema_migrations').toString()]);
    await tx.exec(MIGRATIONS_TABLE);
    const applied = new Set((await tx.query<{ version: number }>('SELECT version FROM es_schema_migrations')).rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await apply(tx, m);
      done.push(m.version);
    }
    return done;
  });
}

async function apply(tx: SqlExecutor, m: Migration): Promise<void> {
  await tx.exec(m.sql);
  await tx.query('INSERT INTO es_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
}
