import { PGlite } from '@electric-sql/pglite';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlDatabase, SqlExecutor, SqlLock, SqlResult } from './database';

/**
 * PostgreSQL's shared buffers live in PGlite's WASM memory, which never shrinks: the default 128MB
 * is most of an idle embedded service's memory. The data files stay in the OS page cache either
 * way (docs/benchmarks.md, "Issue 14: idle cost and before/after").
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

export interface PgliteOptions {
  /** PostgreSQL `shared_buffers` (default PGLITE_SHARED_BUFFERS). */
  readonly sharedBuffers?: string;
}

/**
 * Embedded PostgreSQL (PGlite, WASM). PGlite is a single session: it queues statements itself and
 * a transaction holds it exclusively, so we never wait on another connection inside a transaction.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  private readonly locks = new Set<string>();

  private constructor(private readonly db: PGlite) {}

  /** `dataDir` undefined = in memory. */
  static async open(dataDir?: string, options: PgliteOptions = {}): Promise<PgliteDatabase> {
    if (dataDir && !existsSync(join(dataDir, 'PG_VERSION'))) await initDataDir(dataDir);
    const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers ?? PGLITE_SHARED_BUFFERS}`];
    const db = dataDir ? new PGlite(dataDir, { startParams }) : new PGlite({ startParams });
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
          await turnIfDue();
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

/**
 * PGlite runs each statement synchronously on this thread and answers through a promise, so the
 * statements of a transaction (a projection's batch: load, fold, upsert, checkpoint) ran as one
 * chain that never gave the event loop a turn: sockets (Kafka, HTTP) and timers waited for it. A
 * statement in a transaction first lets the loop run what is due once the chain has held it for
 * YIELD_AFTER_MS. Withdrawal to enforcement on PGlite went from ~180 to 65-71 ms at p50
 * (docs/benchmarks.md, session 10). Statements outside a transaction do not yield: doing so there
 * too made the log's catch-up reads slower and the latency no better.
 */
const YIELD_AFTER_MS = 2;
let lastTurn = 0;
let turning: Promise<void> | null = null;
function turnIfDue(): Promise<void> | void {
  if (performance.now() - lastTurn < YIELD_AFTER_MS) return;
  turning ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      lastTurn = performance.now();
      turning = null;
      resolve();
    }),
  );
  return turning;
}

/** Like pg's rowCount: rows returned by a SELECT, rows touched by INSERT/UPDATE/DELETE (PGlite reports 0 affected rows for a SELECT). */
function rowCount(r: { rows: unknown[]; affectedRows?: number }): number {
  return Math.max(r.affectedRows ?? 0, r.rows.length);
}

/**
 * Creates the database cluster (initdb) in a short-lived child process. Run in this process, initdb
 * leaves two more WASM instances (~430 MB) behind that the garbage collector of an idle service
 * may not free for minutes; the child returns them to the OS when it exits.
 */
async function initDataDir(dataDir: string): Promise<void> {
  const script = `const { PGlite } = require(${JSON.stringify(require.resolve('@electric-sql/pglite'))});
(async () => { const db = new PGlite(process.argv[1]); await db.waitReady; await db.close(); })()
  .catch((e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`;
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['-e', script, dataDir], { timeout: 600_000 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`creating the embedded database in ${dataDir} failed: ${stderr.trim() || err.message}`)) : resolve(),
    );
  });
}
