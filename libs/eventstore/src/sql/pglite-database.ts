import { PGlite } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor, SqlLock, SqlResult } from './database';

/**
 * Embedded PostgreSQL (PGlite, WASM). PGlite is a single session: it queues statements itself and
 * a transaction holds it exclusively, so we never wait on another connection inside a transaction.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  private readonly locks = new Set<string>();

  private constructor(private readonly db: PGlite) {}

  /** `dataDir` undefined = in memory. */
  static async open(dataDir?: string): Promise<PgliteDatabase> {
    const db = dataDir ? new PGlite(dataDir) : new PGlite();
    await db.waitReady;
    return new PgliteDatabase(db);
  }

  async query<T = any>(sql: string, params?: readonly unknown[]): Promise<SqlResult<T>> {
    const r = await this.db.query<T>(sql, params as any[] | undefined);
    return { rows: r.rows, rowCount: rowCount(r) };
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          const r = await tx.query<R>(sql, params as any[] | undefined);
          return { rows: r.rows, rowCount: rowCount(r) };
        },
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async tryLock(name: string): Promise<SqlLock | null> {
    if (this.locks.has(name)) return null;
    this.locks.add(name);
    return { release: async () => void this.locks.delete(name) };
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onNotify);
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

/** Like pg's rowCount: rows returned by a SELECT, rows touched by INSERT/UPDATE/DELETE (PGlite reports 0 affected rows for a SELECT). */
function rowCount(r: { rows: unknown[]; affectedRows?: number }): number {
  return Math.max(r.affectedRows ?? 0, r.rows.length);
}
