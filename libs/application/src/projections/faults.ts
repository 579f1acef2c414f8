import type { SqlExecutor } from '@pl/eventstore';

/**
 * Followers of the log (projections, relay, webhook dispatcher) that cannot advance. Kept in the
 * read-model database, beside the checkpoints, so that an API process without the worker in it
 * still sees which one is stuck (ARCHITECTURE invariant 11). Error classes only, never messages:
 * driver messages can quote row values.
 */
export const PROJECTION_FAULTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_faults (
  name text PRIMARY KEY,
  error_class text NOT NULL,
  failures bigint NOT NULL,
  since timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`;

export interface ProjectionFault {
  readonly name: string;
  readonly errorClass: string;
  readonly failures: number;
  readonly since: string;
}

/** The class of an error, safe to show and log: constructor name and a code (SQLSTATE, errno), never the message. */
export function errorClassOf(e: unknown): string {
  if (!(e instanceof Error)) return typeof e;
  // pg and PGlite raise pg-protocol's DatabaseError, whose name is 'error' (and whose class name PGlite minifies)
  const name = e.name === 'error' ? 'DatabaseError' : e.name;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,32}$/.test(code) ? `${name}:${code}` : name;
}

export async function recordFault(db: SqlExecutor, name: string, errorClass: string, failures: number, since: Date): Promise<void> {
  await db.query(
    `INSERT INTO projection_faults (name, error_class, failures, since, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (name) DO UPDATE SET error_class = EXCLUDED.error_class, failures = EXCLUDED.failures, updated_at = now()`,
    [name, errorClass, failures, since.toISOString()],
  );
}

export async function clearFault(db: SqlExecutor, name: string): Promise<void> {
  await db.query('DELETE FROM projection_faults WHERE name = $1', [name]);
}

/** Stuck followers by name (`names` null: all); none when the table does not exist yet. */
export async function readFaults(db: SqlExecutor, names: readonly string[] | null = null): Promise<ProjectionFault[]> {
  type Row = { name: string; error_class: string; failures: string; since: Date | string };
  const r = await (names
    ? db.query<Row>('SELECT name, error_class, failures::text AS failures, since FROM projection_faults WHERE name = ANY($1) ORDER BY name', [names])
    : db.query<Row>('SELECT name, error_class, failures::text AS failures, since FROM projection_faults ORDER BY name')
  ).catch(() => ({ rows: [] as Row[] }));
  return r.rows.map((row) => ({ name: row.name, errorClass: row.error_class, failures: Number(row.failures), since: new Date(row.since).toISOString() }));
}

/**
 * Whether one follower is stuck, read at most once per `ttlMs` (concurrent callers share the read),
 * for hot paths that must not answer from a read model that no longer advances.
 */
export class FaultWatch {
  private checkedAt = 0;
  private fault: ProjectionFault | null = null;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly db: SqlExecutor,
    readonly name: string,
    private readonly ttlMs = 1000,
  ) {}

  /** The fault as last read when that read is fresh (within the TTL), else undefined: the hot path's check without a promise. */
  cached(now = Date.now()): ProjectionFault | null | undefined {
    return now - this.checkedAt < this.ttlMs ? this.fault : undefined;
  }

  async current(now = Date.now()): Promise<ProjectionFault | null> {
    if (now - this.checkedAt >= this.ttlMs) {
      this.pending ??= readFaults(this.db, [this.name])
        .then(([f]) => {
          this.fault = f ?? null;
          this.checkedAt = Date.now();
        })
        .finally(() => (this.pending = null));
      await this.pending;
    }
    return this.fault;
  }
}
