import { mentionsSubject, PERSONAL_DATA_ACCESSED, positionText } from '@pl/audit';
import { LOG_START, UpcasterRegistry, comparePositions, type LogPosition, type RecordedEvent } from '@pl/domain';
import { readCheckpoint } from '@pl/application';
import { decodeRow, type EventRow, type EventStore, type SqlExecutor } from '@pl/eventstore';
import { SELECT_COLUMNS } from '@pl/eventstore/postgres/rows';
import { logEvents } from './log-pages';
import { subjectRequestStreams } from './subject-streams';

const NO_UPCASTERS = new UpcasterRegistry();

export interface SubjectHistoryEntry {
  readonly position: string;
  readonly type: string;
  readonly stream: string;
  readonly occurred_at: string | null;
  readonly recorded_at: string | null;
  readonly actor: string | null;
  readonly correlation_id: string | null;
  /** For access records: what was released, why, under which request (PII-free). */
  readonly access?: { what: unknown; purpose: unknown; request_id: unknown };
}

/**
 * Everything the log records about one subject (by pseudonym), without decrypting any field: the
 * audit history an access response (Art. 15) can include, access records among it.
 */
export async function subjectHistory(store: EventStore, subjectKey: string, limit = 10_000, db?: SqlExecutor): Promise<{ entries: SubjectHistoryEntry[]; truncated: boolean }> {
  const entries: SubjectHistoryEntry[] = [];
  const checkpoint = db ? await readCheckpoint(db, AUDIT_CHAIN).catch(() => null) : null;
  const indexed = checkpoint && db ? await fromIndex(store, db, subjectKey, checkpoint.position) : null;
  const requestStreams = indexed ? indexed.requestStreams : await subjectRequestStreams(store, subjectKey, db);
  const source = indexed ? indexed.events(limit + 1) : candidates(store, subjectKey, [...requestStreams], db);
  for await (const e of source) {
    if (!requestStreams.has(e.streamId) && !mentionsSubject(subjectKey, e.streamId, e.raw?.data ?? '', e.raw?.metadata ?? '')) continue;
    if (entries.length >= limit) return { entries, truncated: true };
    const m = e.metadata ?? ({} as Record<string, unknown>);
    entries.push({
      position: positionText(e.position),
      type: e.type,
      stream: e.streamId,
      occurred_at: typeof m.occurred_at === 'string' ? m.occurred_at : null,
      recorded_at: typeof m.recorded_at === 'string' ? m.recorded_at : null,
      actor: typeof m.actor === 'string' ? m.actor : null,
      correlation_id: typeof m.correlation_id === 'string' ? m.correlation_id : null,
      ...(e.type === PERSONAL_DATA_ACCESSED ? { access: { what: e.data?.what, purpose: e.data?.purpose, request_id: e.data?.request_id ?? null } } : {}),
    });
  }
  return { entries, truncated: false };
}

const AUDIT_CHAIN = 'audit_chain';

/**
 * Where the audit_chain projection runs (a checkpoint exists), the subject's events come from its index
 * (rm_audit_chain.subjects: the positions of the events naming the key) up to the checkpoint, the
 * events of the subject's request streams (`dsr-<id>`: later events carry only the request id) and the
 * log after the checkpoint: no request passes over the whole log, on any backend (issue 15, defect 3).
 */
async function fromIndex(store: EventStore, db: SqlExecutor, subjectKey: string, checkpoint: LogPosition) {
  const r = await db.query<{ tx: string; pos: string; stream_id: string }>(
    'SELECT tx::text AS tx, pos::text AS pos, stream_id FROM rm_audit_chain.subjects WHERE subject_key = $1 AND (tx, pos) <= ($2::numeric, $3::bigint) ORDER BY tx, pos',
    [subjectKey, checkpoint.tx.toString(), checkpoint.pos.toString()],
  );
  const requestStreams = new Set(r.rows.map((row) => row.stream_id).filter((id) => id.startsWith('dsr-')));
  const named = new Set(r.rows.map((row) => `${row.tx}/${row.pos}`));
  async function* events(max: number): AsyncGenerator<RecordedEvent> {
    const found: RecordedEvent[] = [];
    // the indexed events, read through the port from their streams (a subject's streams are small; no log scan)
    for (const stream of new Set(r.rows.map((row) => row.stream_id).concat([...requestStreams]))) {
      for (const e of (await store.readStream(stream)).events) {
        if (comparePositions(e.position, checkpoint) > 0) continue; // the tail comes from the log below
        if (requestStreams.has(stream) || named.has(`${e.position.tx}/${e.position.pos}`)) found.push(e);
      }
    }
    found.sort((a, b) => comparePositions(a.position, b.position));
    let n = 0;
    for (const e of found) {
      if (n++ >= max) return;
      yield e;
    }
    // events after the checkpoint (the projection's lag: usually none or few)
    for await (const e of logEvents(store, 1000, checkpoint)) {
      if (e.streamId.startsWith('dsr-') && !requestStreams.has(e.streamId) && mentionsSubject(subjectKey, e.raw?.data ?? JSON.stringify(e.data ?? null))) requestStreams.add(e.streamId);
      if (!requestStreams.has(e.streamId) && !mentionsSubject(subjectKey, e.streamId, e.raw?.data ?? '', e.raw?.metadata ?? '')) continue;
      if (n++ >= max) return;
      yield e;
    }
  }
  return { requestStreams, events };
}

/**
 * Events that may mention the subject, in global order. On the SQL backends (given `db`) the
 * database narrows the log with a substring search first; the exact match is checked above.
 */
async function* candidates(store: EventStore, subjectKey: string, streams: readonly string[], db?: SqlExecutor): AsyncGenerator<RecordedEvent> {
  if (!db || store.backend === 'eventstoredb') {
    yield* logEvents(store);
    return;
  }
  let after = LOG_START;
  for (;;) {
    const r = await db.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM es_events
       WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         AND (strpos(stream_id, $3) > 0 OR strpos(data, $3) > 0 OR strpos(metadata, $3) > 0 OR stream_id = ANY($4::text[]))
       ORDER BY transaction_id, global_position LIMIT 1000`,
      [(after.tx < 0n ? 0n : after.tx).toString(), after.pos.toString(), subjectKey, streams],
    );
    if (!r.rows.length) return;
    for (const row of r.rows) yield decodeRow(row, NO_UPCASTERS);
    const lastRow = r.rows[r.rows.length - 1];
    after = { tx: BigInt(lastRow.tx), pos: BigInt(lastRow.gp) };
  }
}
