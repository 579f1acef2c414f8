import { mentionsSubject } from '@pl/audit';
import type { EventStore, SqlExecutor } from '@pl/eventstore';
import { logEvents } from './log-pages';

/**
 * Data-subject request streams (`dsr-<id>`) that belong to a subject: the request's first event names
 * the subject, later ones (identity verified, extended, ...) carry only the request id. A request is
 * about one subject, so all its events belong to that subject's audit history and export.
 */
export async function subjectRequestStreams(store: EventStore, subjectKey: string, db?: SqlExecutor): Promise<Set<string>> {
  if (db && store.backend !== 'eventstoredb') {
    const r = await db.query<{ stream_id: string }>(
      `SELECT DISTINCT stream_id FROM es_events WHERE stream_id LIKE 'dsr-%' AND strpos(data, $1) > 0`,
      [subjectKey],
    );
    return new Set(r.rows.filter((row) => row.stream_id.startsWith('dsr-')).map((row) => row.stream_id));
  }
  // request streams hold the rights context's events only: the store filters them (on EventStoreDB
  // the server does), so the other events of the log are not sent to look a subject's requests up
  const streams = new Set<string>();
  for await (const e of logEvents(store, 5000, undefined, ['rights.'])) {
    if (e.streamId.startsWith('dsr-') && mentionsSubject(subjectKey, e.raw?.data ?? JSON.stringify(e.data ?? null))) streams.add(e.streamId);
  }
  return streams;
}
