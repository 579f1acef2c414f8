import type { ExpectedRevision, NewEvent } from '../port';

export const NOTIFY_CHANNEL = 'es_events_appended';

/**
 * The whole append as one statement (one round trip, atomic on its own): bump or create the
 * stream row under the expected-revision condition, then insert the events numbered from it.
 * When the condition fails, no row comes back from the stream CTE, nothing is inserted and
 * `revision` is null.
 */
export function appendStatement(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): { sql: string; params: unknown[]; name: string } {
  const stream =
    expected === 'no_stream'
      ? `INSERT INTO es_streams (stream_id, revision) VALUES ($1, $2::bigint - 1) ON CONFLICT (stream_id) DO NOTHING RETURNING revision`
      : expected === 'any'
        ? `INSERT INTO es_streams (stream_id, revision) VALUES ($1, $2::bigint - 1)
           ON CONFLICT (stream_id) DO UPDATE SET revision = es_streams.revision + $2::bigint RETURNING revision`
        : `UPDATE es_streams SET revision = revision + $2::bigint WHERE stream_id = $1 AND revision = $8::bigint RETURNING revision`;
  const sql = `
WITH s AS (${stream}),
e AS (
  INSERT INTO es_events (stream_id, revision, event_id, type, schema_version, data, metadata)
  SELECT $1, s.revision - $2::bigint + i.ord, i.event_id, i.type, i.schema_version, i.data, i.metadata
  FROM s, unnest($3::uuid[], $4::text[], $5::int[], $6::text[], $7::text[]) WITH ORDINALITY AS i(event_id, type, schema_version, data, metadata, ord)
  ORDER BY i.ord
  RETURNING global_position, transaction_id
)
SELECT (SELECT revision::text FROM s) AS revision,
       (SELECT max(global_position)::text FROM e) AS gp,
       pg_current_xact_id()::text AS tx`;
  const params = [
    streamId,
    events.length,
    events.map((e) => e.metadata.event_id),
    events.map((e) => e.type),
    events.map((e) => e.schemaVersion ?? 1),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => JSON.stringify(e.metadata)),
  ];
  if (typeof expected === 'bigint') params.push(expected.toString());
  const variant = expected === 'no_stream' ? 'new' : expected === 'any' ? 'any' : 'exact';
  return { sql, params, name: `es_append_${variant}_v1` };
}

export interface AppendRow {
  revision: string | null;
  gp: string | null;
  tx: string;
}

/**
 * `appendMany` as one statement. `rows` hold each event id once (the caller drops repeats within
 * the batch) and travel as one JSON parameter (far cheaper to send and parse than six arrays), each
 * event's data and metadata embedded as JSON values: one JSON.stringify for the batch, and the
 * server stores each value's text exactly as it was sent (a `json` column of json_to_recordset is
 * reproduced verbatim), the same text JSON.stringify(data) gives. PostgreSQL refuses a `\u0000`
 * or lone-surrogate escape inside such a value, so a batch whose JSON holds one sends each data and
 * metadata as a JSON string instead (the earlier form; the stored text is the same). The
 * statement looks the ids up in the log through its unique index (never a scan of the log), drops
 * those it holds, bumps or creates each stream row by its count of new events (in stream order, so
 * two batches lock rows alike), and numbers each stream's events on from its old revision. It
 * answers which rows (1-based) the log already held (usually none or a few: every other row was
 * inserted, or the statement failed as a whole), not the thousands of ids it appended.
 */
export function appendManyStatement(rows: ReadonlyArray<{ streamId: string; event: NewEvent }>): { sql: string; params: unknown[]; name: string } {
  let json = JSON.stringify(rows.map(({ streamId, event }) => ({ s: streamId, id: event.metadata.event_id, t: event.type, v: event.schemaVersion ?? 1, d: event.data, m: event.metadata })));
  // JSON.stringify writes a \u escape only for control characters and lone surrogates (false positives: a backslash followed by such text)
  const embedded = !json.includes('\\u') || !/\\u(?:0000|d[89a-f])/i.test(json);
  if (!embedded) {
    json = JSON.stringify(rows.map(({ streamId, event }) => ({ s: streamId, id: event.metadata.event_id, t: event.type, v: event.schemaVersion ?? 1, d: JSON.stringify(event.data), m: JSON.stringify(event.metadata) })));
  }
  const valueType = embedded ? 'json' : 'text';
  const sql = `
WITH i AS MATERIALIZED (
  SELECT s, id, t, v, d::text AS d, m::text AS m, ord FROM ROWS FROM (json_to_recordset($1::json) AS (s text, id uuid, t text, v int, d ${valueType}, m ${valueType})) WITH ORDINALITY AS i(s, id, t, v, d, m, ord)
),
seen AS MATERIALIZED (SELECT event_id FROM es_events WHERE event_id = ANY (ARRAY(SELECT id FROM i))),
fresh AS MATERIALIZED (
  SELECT i.ord, i.s AS stream_id, row_number() OVER w AS k, count(*) OVER (PARTITION BY i.s) AS n
  FROM i LEFT JOIN seen ON seen.event_id = i.id WHERE seen.event_id IS NULL
  WINDOW w AS (PARTITION BY i.s ORDER BY i.ord)
),
s AS (
  INSERT INTO es_streams AS t (stream_id, revision)
  SELECT stream_id, n - 1 FROM fresh WHERE k = 1 ORDER BY stream_id
  ON CONFLICT (stream_id) DO UPDATE SET revision = t.revision + EXCLUDED.revision + 1
  RETURNING stream_id, revision
),
e AS (
  INSERT INTO es_events (stream_id, revision, event_id, type, schema_version, data, metadata)
  SELECT f.stream_id, s.revision - f.n + f.k, i.id, i.t, i.v, i.d, i.m
  FROM fresh f JOIN s USING (stream_id) JOIN i USING (ord)
  ORDER BY f.ord
  RETURNING global_position, event_id
)
SELECT (SELECT coalesce(array_agg(i.ord::int), '{}') FROM i JOIN seen ON seen.event_id = i.id) AS held, (SELECT max(global_position)::text FROM e) AS gp, pg_current_xact_id()::text AS tx`;
  return { sql, params: [json], name: embedded ? 'es_append_many_v4_json' : 'es_append_many_v4_text' };
}

export interface AppendManyRow {
  /** The rows (1-based, in `rows` order) whose id the log held before; every other row was appended. */
  held: number[];
  gp: string | null;
  tx: string;
}
