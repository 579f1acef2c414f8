import type { SqlExecutor } from '../sql/database';

/**
 * The session whose open transaction holds the log's visibility horizon back. Only what names the
 * session, never what it runs or who runs it: no query text, user name or client address.
 */
export interface HorizonHolder {
  /** Server process id; null for a prepared transaction (it outlives its session). */
  readonly pid: number | null;
  readonly database: string | null;
  readonly application_name: string | null;
  /** pg_stat_activity.state (`idle in transaction`, `active`, ...), or `prepared`. */
  readonly state: string | null;
  readonly backend_type: string | null;
  /** Seconds since the holder's transaction began (for a prepared transaction: since PREPARE). */
  readonly transaction_age_s: number;
}

export type VisibilityHorizon =
  | {
      readonly applicable: true;
      /** Age of the oldest other transaction holding a transaction id anywhere on the server; 0 when none. */
      readonly held_for_s: number;
      readonly holder: HorizonHolder | null;
      /** False when this role sees only its own sessions' transactions (grant it pg_read_all_stats or pg_monitor). */
      readonly sees_all_sessions: boolean;
    }
  | { readonly applicable: false; readonly reason: string };

export const HORIZON_NOT_APPLICABLE = {
  embedded: 'PGlite is one session in this process: no other transaction can hold its horizon',
  eventstoredb: 'EventStoreDB makes an event readable when its write completes: there is no transaction horizon',
} as const;

/**
 * Readers of the log see only rows below `pg_snapshot_xmin(pg_current_snapshot())`: the oldest
 * transaction that holds a transaction id anywhere on the server, in any database (invariant 4).
 * One long writing transaction elsewhere therefore delays every projection, the relay and
 * read-your-writes. This names it: the oldest such session in pg_stat_activity, or a prepared
 * transaction, whichever is older. Read-only transactions hold no id and do not count.
 */
export async function visibilityHorizon(db: SqlExecutor): Promise<VisibilityHorizon> {
  type Row = { pid: number | null; database: string | null; application_name: string | null; state: string | null; backend_type: string | null; age_s: number };
  const r = await db.query<Row & { sees_all: boolean }>(
    `WITH holders AS (
       SELECT pid, datname::text AS database, application_name, state, backend_type,
              extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age_s, age(backend_xid) AS xid_age
       FROM pg_stat_activity
       WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
       UNION ALL
       SELECT NULL, database::text, NULL, 'prepared', NULL,
              extract(epoch FROM clock_timestamp() - prepared)::float8, age(transaction)
       FROM pg_prepared_xacts
     )
     SELECT h.pid, h.database, h.application_name, h.state, h.backend_type, h.age_s,
            (SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') FROM pg_roles WHERE rolname = current_user) AS sees_all
     FROM (SELECT 1) one LEFT JOIN (SELECT * FROM holders ORDER BY xid_age DESC, age_s DESC LIMIT 1) h ON true`,
  );
  const row = r.rows[0];
  const holder: HorizonHolder | null =
    row && row.age_s !== null && row.age_s !== undefined
      ? {
          pid: row.pid === null ? null : Number(row.pid),
          database: row.database,
          application_name: row.application_name,
          state: row.state,
          backend_type: row.backend_type,
          transaction_age_s: round3(Math.max(0, Number(row.age_s))),
        }
      : null;
  return { applicable: true, held_for_s: holder?.transaction_age_s ?? 0, holder, sees_all_sessions: Boolean(row?.sees_all) };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
