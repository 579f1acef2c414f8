import { publicationBacklog, type PublicationBacklog } from '@pl/audit';
import type { SqlExecutor } from '@pl/eventstore';
import { chainHead } from './queries';

export interface HeadHealth {
  readonly ok: boolean;
  readonly latest_signed_seq: string | null;
  /** Seconds since the latest head was signed while the chain has moved past it; 0 otherwise. */
  readonly unsigned_for_s: number;
  readonly failing: readonly PublicationBacklog[];
}

/**
 * For /health and the metrics (any process: it reads only the database): not ok while a
 * publication fails (retrying, or refused as a discontinuity) or while chained events have waited
 * longer than the head interval for a signed head.
 */
export async function headHealth(db: SqlExecutor, intervalMs: number, now: Date): Promise<HeadHealth> {
  const [head, latest, failing] = [await chainHead(db), await latestStoredHead(db), await publicationBacklog(db)];
  const moved = head !== null && (!latest || BigInt(head.seq) > BigInt(latest.seq));
  const unsigned = moved && latest ? Math.max(0, Math.round((now.getTime() - Date.parse(latest.signed_at)) / 1000)) : 0;
  return { ok: failing.length === 0 && unsigned * 1000 <= intervalMs, latest_signed_seq: latest?.seq ?? null, unsigned_for_s: unsigned, failing };
}

/** The newest stored head without creating the table (health checks do no DDL). */
async function latestStoredHead(db: SqlExecutor): Promise<{ seq: string; signed_at: string } | null> {
  if (!(await db.query<{ t: string | null }>(`SELECT to_regclass('audit_signed_heads')::text AS t`)).rows[0]?.t) return null;
  return (await db.query<{ seq: string; signed_at: string }>('SELECT seq::text AS seq, signed_at FROM audit_signed_heads h ORDER BY h.seq DESC LIMIT 1')).rows[0] ?? null;
}
