/**
 * The SQL port shared by the PostgreSQL event store, the projections and the key store.
 * Two implementations: a `pg` pool (PostgreSQL server) and PGlite (embedded, one session, serialised).
 * Parameters use $1..$n; int8 columns come back as strings from both (cast in SQL or parse with BigInt).
 */
export interface SqlResult<T> {
  readonly rows: T[];
  readonly rowCount: number;
}

export interface QueryOptions {
  /**
   * Keep the statement prepared on the server under this name (per connection) and reuse its plan:
   * for hot statements with a fixed text. One name must always carry the same SQL. PGlite ignores it.
   */
  readonly name?: string;
}

export interface SqlExecutor {
  query<T = any>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<SqlResult<T>>;
  /** Runs several statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Takes an exclusive, process-crash-safe lock named `name` without waiting (PostgreSQL: a
   * session-level advisory lock held on a dedicated connection; PGlite: in-process, since one
   * process owns the data directory). Returns null when another holder has it.
   */
  tryLock(name: string): Promise<SqlLock | null>;
  /**
   * Calls `listener` after each transaction of this object commits; returns a function that stops it.
   * PostgreSQL only (PGlite runs one transaction at a time): a writing transaction holds the log's
   * visibility horizon (invariant 4) until it ends, so a subscription waiting for an announced append
   * reads again at once instead of at its next poll.
   */
  onCommit?(listener: () => void): () => void;
  /** Subscribes to NOTIFY on a channel; returns an unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface SqlLock {
  release(): Promise<void>;
}
