import type { ChainHead } from '@pl/audit';
import type { SqlExecutor } from '@pl/eventstore';

export interface StoredLink {
  readonly seq: bigint;
  readonly tx: bigint;
  readonly pos: bigint;
  readonly eventId: string;
  readonly contentHash: string;
  readonly link: string;
}

const TABLE = 'rm_audit_chain.links';

async function exists(db: SqlExecutor): Promise<boolean> {
  const r = await db.query<{ t: string | null }>(`SELECT to_regclass('${TABLE}')::text AS t`);
  return r.rows[0]?.t != null;
}

/** The newest link (null before the first event was chained). */
export async function chainHead(db: SqlExecutor): Promise<ChainHead | null> {
  if (!(await exists(db))) return null;
  const r = await db.query<ChainHead>(`SELECT seq::text AS seq, tx::text AS tx, pos::text AS pos, link FROM ${TABLE} l ORDER BY l.seq DESC LIMIT 1`);
  return r.rows[0] ?? null;
}

export async function linkAt(db: SqlExecutor, seq: bigint): Promise<ChainHead | null> {
  if (!(await exists(db))) return null;
  const r = await db.query<ChainHead>(`SELECT seq::text AS seq, tx::text AS tx, pos::text AS pos, link FROM ${TABLE} WHERE seq = $1`, [seq.toString()]);
  return r.rows[0] ?? null;
}

/** Links with seq in (after, upTo], ascending (fetched as one text value per page: cheap to parse). */
export async function linksPage(db: SqlExecutor, after: bigint, upTo: bigint, limit: number): Promise<StoredLink[]> {
  const r = await db.query<{ page: string | null }>(
    `SELECT string_agg(seq::text || ' ' || tx::text || ' ' || pos::text || ' ' || event_id || ' ' || content_hash || ' ' || link, E'\\n' ORDER BY seq) AS page
     FROM (SELECT * FROM ${TABLE} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3) l`,
    [after.toString(), upTo.toString(), limit],
  );
  const text = r.rows[0]?.page;
  if (!text) return [];
  return text.split('\n').map((line) => {
    const [seq, tx, pos, eventId, contentHash, link] = line.split(' ');
    return { seq: BigInt(seq), tx: BigInt(tx), pos: BigInt(pos), eventId, contentHash, link };
  });
}

/** Where the chain recorded the event with this id (null when it never chained it). */
export async function chainedEvent(db: SqlExecutor, eventId: string): Promise<{ seq: bigint; tx: bigint; pos: bigint } | null> {
  const r = await db.query<{ seq: string; tx: string; pos: string }>(`SELECT seq::text AS seq, tx::text AS tx, pos::text AS pos FROM ${TABLE} WHERE event_id = $1 LIMIT 1`, [eventId]);
  return r.rows.length ? { seq: BigInt(r.rows[0].seq), tx: BigInt(r.rows[0].tx), pos: BigInt(r.rows[0].pos) } : null;
}
