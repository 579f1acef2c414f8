import type { Pool, PoolClient, PoolConfig } from 'pg';
import type { QueryOptions, SqlDatabase, SqlExecutor, SqlLock, SqlResult } from './database';
import { lockKey } from './lock-key';

let QueryClass: typeof import('pg').Query | undefined;

/**
 * One statement on a client, through pg's callback form: its promise form (no callback) made
 * catch-up reads about a fifth slower (session 10, bench/eventstore.ts), from the garbage it leaves.
 * The statement goes as a `Query` built from its text: given a config object instead, pg copies the
 * object through its property descriptors for every statement (`cloneQueryConfig`, 0.44-0.51 s of CPU in a
 * validate bench run, about 3 µs a statement; session 12), a text it does not copy.
 */
function sendThen<T>(client: PoolClient, sql: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined, done: (e: Error | null, r?: SqlResult<T>) => void): void {
  QueryClass ??= (require('pg') as typeof import('pg')).Query;
  const query = new QueryClass(sql, params as unknown[] | undefined, (e: Error | undefined, r: { rows: unknown[]; rowCount: number | null }) =>
    e ? done(e) : done(null, { rows: r.rows as T[], rowCount: r.rowCount ?? 0 }),
  );
  if (options?.name) (query as { name?: string }).name = options.name;
  client.query(query);
}

function send<T>(client: PoolClient, sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<SqlResult<T>> {
  return new Promise((resolve, reject) => sendThen<T>(client, sql, params, options, (e, r) => (e ? reject(e) : resolve(r!))));
}

class PgExecutor implements SqlExecutor {
  constructor(private readonly client: PoolClient) {}
  query<T>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<SqlResult<T>> {
    return send<T>(this.client, sql, params, options);
  }
  async exec(sql: string): Promise<void> {
    await send(this.client, sql);
  }
}

/**
 * An error the server reported for one statement (a constraint, a missing table, a cancelled query):
 * the session is still sound. Anything else (the connection lost, a FATAL) is not.
 */
function statementError(e: unknown): boolean {
  const err = e as { severity?: unknown; code?: unknown } | null;
  return !!err && typeof err.code === 'string' && typeof err.severity === 'string' && err.severity !== 'FATAL' && err.severity !== 'PANIC';
}

/**
 * One statement on a pooled connection, outside a transaction. Unlike `pool.query`, a statement the
 * server refused gives the connection back to the pool: `pool.query` closes it, so every expected
 * refusal (a unique violation read as a conflict, a probe of an absent table) cost a new connection
 * and a server backend for the next statement.
 */
class PoolExecutor implements SqlExecutor {
  constructor(private readonly pool: Pool) {}
  query<T>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<SqlResult<T>> {
    return new Promise((resolve, reject) => {
      this.pool.connect((err, client, release) => {
        if (err || !client) return reject(err);
        sendThen<T>(client, sql, params, options, (e, r) => {
          // released before the caller resumes, as pool.query does
          release(e && !statementError(e) ? e : undefined);
          return e ? reject(e) : resolve(r!);
        });
      });
    });
  }
  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }
}

export class PgDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private readonly executor: PoolExecutor;
  private listener: Promise<PoolClient> | null = null;
  private closed = false;
  private readonly released = new WeakSet<PoolClient>();
  private readonly channels = new Map<string, Set<(payload: string) => void>>();

  constructor(config: string | PoolConfig) {
    // pg is loaded on first use: the embedded default (PGlite) never opens a pool (issue 14, idle memory)
    const { Pool } = require('pg') as typeof import('pg');
    // Named in pg_stat_activity (what /health reports when a session holds the log's horizon back); a URL's own application_name wins.
    this.pool = new Pool(typeof config === 'string' ? { connectionString: config, max: 20, application_name: process.env.PGAPPNAME ?? 'privacy-ledger' } : config);
    // An idle client's network error must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.executor = new PoolExecutor(this.pool);
  }

  query<T = any>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<SqlResult<T>> {
    return this.executor.query<T>(sql, params, options);
  }

  exec(sql: string): Promise<void> {
    return this.executor.exec(sql);
  }

  private readonly commitListeners = new Set<() => void>();

  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => void this.commitListeners.delete(listener);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgExecutor(client));
      await client.query('COMMIT');
      for (const listener of this.commitListeners) listener();
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async tryLock(name: string): Promise<SqlLock | null> {
    const client = await this.pool.connect();
    try {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [lockKey(name).toString()]);
      if (!r.rows[0].ok) {
        client.release();
        return null;
      }
    } catch (e) {
      client.release();
      throw e;
    }
    // A lock held across a lost connection must not crash the process with an unhandled 'error'
    // event; the holder's next query fails and it takes the lock again (the server released it).
    const onError = () => undefined;
    client.on('error', onError);
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        client.off('error', onError);
        try {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(name).toString()]);
          client.release();
        } catch {
          client.release(true);
        }
      },
    };
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
    const listener = await this.listenerClient();
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
      await listener.query(`LISTEN ${channel}`);
    }
    set.add(onNotify);
    return async () => {
      set!.delete(onNotify);
    };
  }

  /** The one connection that LISTENs; after losing it, a new one listens again on every channel. */
  private listenerClient(): Promise<PoolClient> {
    this.listener ??= (async () => {
      const client = await this.pool.connect();
      client.on('notification', (msg) => {
        for (const cb of this.channels.get(msg.channel) ?? []) cb(msg.payload ?? '');
      });
      client.on('error', () => {
        if (this.released.has(client)) return;
        this.listener = null;
        this.releaseOnce(client, true);
        this.relisten(1000);
      });
      return client;
    })().catch((e) => {
      this.listener = null;
      throw e;
    });
    return this.listener;
  }

  /** A client is given back once: a connection error after close (or a second error) must not release it again. */
  private releaseOnce(client: PoolClient, destroy = false): void {
    if (this.released.has(client)) return;
    this.released.add(client);
    client.release(destroy);
  }

  private relisten(delayMs: number): void {
    if (this.closed || !this.channels.size) return;
    setTimeout(() => {
      if (this.closed) return;
      this.listenerClient()
        .then(async (client) => {
          for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
          // notifications sent while no one listened are lost: wake every listener once
          for (const set of this.channels.values()) for (const cb of set) cb('');
        })
        .catch(() => this.relisten(Math.min(delayMs * 2, 30_000)));
    }, delayMs).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = await this.listener?.catch(() => null);
    this.listener = null;
    // destroyed, not pooled: a connection that LISTENs must not serve queries of others
    if (listener) this.releaseOnce(listener, true);
    await this.pool.end();
  }
}
