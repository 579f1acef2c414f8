import { CONTENT_TAG, chainFields, type ChainFields } from '@pl/audit';
import { LOG_START, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlExecutor } from '@pl/eventstore';

/** The whole log in global order, page by page (the same for every backend); with `typePrefixes` only those types, filtered by the store. */
export async function* logEvents(store: EventStore, pageSize = 5000, after: LogPosition = LOG_START, typePrefixes?: readonly string[]): AsyncGenerator<RecordedEvent> {
  let position = after;
  for (;;) {
    const page = await store.readAll(position, { maxCount: pageSize, typePrefixes });
    if (!page.length) return;
    for (const e of page) yield e;
    position = page[page.length - 1].position;
  }
}

/** What the chain hashes, plus the event id (to tell a moved event from an altered one). */
export interface LogEntry {
  readonly tx: bigint;
  readonly pos: bigint;
  readonly eventId: string | null;
  /** The content hash, computed by the database over the stored bytes (SQL backends). */
  readonly content?: string;
  /** The hashed fields, when read through the port (the content hash is computed here). */
  readonly fields?: ChainFields;
}

const lp = (x: string) => `int4send(octet_length(convert_to(${x}, 'UTF8'))) || convert_to(${x}, 'UTF8')`;
/** contentHash() of libs/audit/src/chain.ts in SQL; the chain tests check both give the same links. */
export const CONTENT_HASH_SQL = `encode(sha256(convert_to('${CONTENT_TAG}', 'UTF8') || ${[
  'transaction_id::text',
  'global_position::text',
  'stream_id',
  'revision::text',
  'type',
  'schema_version::text',
  'data',
  'metadata',
]
  .map(lp)
  .join(' || ')}), 'hex')`;

/**
 * The stored bytes of the log in global order, the next page fetched while the caller hashes the
 * current one. On the SQL backends the rows are read as stored (the same rows, visibility rule
 * and order as SqlEventStore.readAll, without decoding JSON); on EventStoreDB through the port.
 */
export async function* logEntries(db: SqlExecutor, store: EventStore, pageSize = 10_000): AsyncGenerator<LogEntry[]> {
  const sql = store.backend !== 'eventstoredb';
  let position = LOG_START;
  const fetchPage = async (after: LogPosition): Promise<LogEntry[]> => {
    if (!sql) {
      return (await store.readAll(after, { maxCount: pageSize })).map((e) => ({
        tx: e.position.tx,
        pos: e.position.pos,
        fields: chainFields(e),
        eventId: typeof e.metadata?.event_id === 'string' ? e.metadata.event_id : null,
      }));
    }
    // one row per page: the database hashes the stored bytes, node only links (and parses one value)
    const r = await db.query<{ page: string | null }>(
      `SELECT string_agg(tx || ' ' || gp || ' ' || event_id || ' ' || content, E'\\n' ORDER BY n) AS page FROM (
         SELECT row_number() OVER (ORDER BY transaction_id, global_position) AS n, transaction_id::text AS tx, global_position::text AS gp,
                event_id::text AS event_id, ${CONTENT_HASH_SQL} AS content
         FROM es_events
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY transaction_id, global_position
         LIMIT $3) p`,
      [(after.tx < 0n ? 0n : after.tx).toString(), after.pos.toString(), pageSize],
    );
    const text = r.rows[0]?.page;
    if (!text) return [];
    return text.split('\n').map((line) => {
      const [tx, gp, eventId, content] = line.split(' ');
      return { tx: BigInt(tx), pos: BigInt(gp), eventId, content };
    });
  };
  let next = fetchPage(position);
  next.catch(() => undefined);
  for (;;) {
    const page = await next;
    if (!page.length) return;
    const last = page[page.length - 1];
    position = { tx: last.tx, pos: last.pos };
    next = fetchPage(position);
    next.catch(() => undefined);
    yield page;
  }
}
