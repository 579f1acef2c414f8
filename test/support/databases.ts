import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PgDatabase, PgliteDatabase, type SqlDatabase, type SqlExecutor } from '@pl/eventstore';

/**
 * Integration tests run against the machine's PostgreSQL (DATABASE_URL, default the local server)
 * and against PGlite. Each test file gets its own fresh database so suites can run side by side.
 */
export const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export interface FreshDatabase {
  readonly db: SqlDatabase;
  readonly url: string | null;
  readonly name: string;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

export async function freshPostgres(prefix = 'pl_test'): Promise<FreshDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(ADMIN_DATABASE_URL, name);
  const db = new PgDatabase(url);
  return {
    db,
    url,
    name,
    drop: async () => {
      await db.close();
      const c = new Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function freshPglite(): Promise<FreshDatabase> {
  const db = await PgliteDatabase.open();
  return { db, url: null, name: 'pglite-memory', drop: () => db.close() };
}

/** Both SQL backends, for `describe.each(SQL_BACKENDS)`. */
export const SQL_BACKENDS: ReadonlyArray<readonly [string, () => Promise<FreshDatabase>]> = [
  ['postgres', () => freshPostgres()],
  ['pglite', () => freshPglite()],
];

/** Every table of a schema, rows ordered by the first two columns: compares a read model before and after a rebuild. */
export async function tableDump(db: SqlExecutor, schema: string): Promise<Record<string, unknown[]>> {
  const tables = (await db.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema])).rows;
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) out[table_name] = (await db.query(`SELECT * FROM ${schema}.${table_name} ORDER BY 1, 2`)).rows;
  return out;
}
