import { comparePositions, type Decider, type DomainEvent, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';
import type { ProjectionDefinition } from './projection';

type Row = Record<string, unknown>;

/** A table of rows derived from a stream's state, replaced whenever the stream changes. */
export interface DerivedTable<S> {
  readonly table: string;
  /** The column holding the stream key (the rows of a stream are deleted by it, then inserted). */
  readonly key: string;
  rows(state: S, key: string): Row[];
}

/** A table with (at most) one row per applied event (timelines, releases), written once: ON CONFLICT DO NOTHING. */
export interface EventTable<S> {
  readonly table: string;
  row(event: RecordedEvent, state: S, key: string): Row | null;
}

/**
 * A table keyed by some columns, written from the applied events: `sum` adds each row's `n` to the
 * stored one (counts per day and kind), `last` keeps the row of the latest event (a subject's latest
 * reading of a signal). Rows of one batch are merged in memory first, so one statement writes them.
 * Exactly once: an event is applied once (the snapshot row's position, in the same transaction).
 */
export interface KeyedTable<S> {
  readonly table: string;
  readonly keys: readonly string[];
  readonly merge: 'sum' | 'last';
  rows(event: RecordedEvent, state: S, key: string): Row[];
}

/**
 * A read model whose rows are the state of one stream (Emmett's single-stream projection): the
 * snapshot row holds the state folded with the decider's own `evolve` and the position of the last
 * event folded; every other column and table is a mapping of that state.
 */
export interface SnapshotProjectionSpec<S> {
  readonly name: string;
  readonly version: number;
  readonly schema: string;
  /** As `ProjectionDefinition.indexes` and `.summaries`. */
  readonly indexes?: string;
  readonly summaries?: string;
  readonly typePrefixes: readonly string[];
  /** The decider (its `initialState` and `evolve`). */
  readonly decider: Pick<Decider<never, never, S>, 'initialState'> & { readonly evolve: (state: S, event: never) => S };
  /** The stream an event belongs to (the snapshot row's key), null when the read model ignores it. */
  streamKey(event: RecordedEvent): string | null;
  /** The snapshot table: `key` (text, primary key), `state` (jsonb), `last_tx` numeric, `last_pos` bigint. */
  readonly snapshot: {
    readonly table: string;
    readonly key: string;
    readonly state: string;
    /** More columns of the row, from the state and the last event folded into it (a new object each call: the key, state and position are added to it). */
    columns?(state: S, last: RecordedEvent): Row;
    /**
     * Columns that are the state's top-level field of the same name (not arrays): the server reads
     * them from the state column, so each value travels and is parsed once, not twice.
     */
    readonly fromState?: ReadonlyArray<keyof S & string>;
  };
  /** False when an event leaves no entity yet (e.g. a task event before its request): it is not applied. */
  exists?(state: S): boolean;
  readonly derived?: readonly DerivedTable<S>[];
  readonly events?: readonly EventTable<S>[];
  readonly keyed?: readonly KeyedTable<S>[];
  /**
   * An effect on other streams' rows (e.g. anonymising an erased subject everywhere): the writes of
   * the events before it are flushed, the effect runs, and the rest of the batch is folded from the
   * rows as read again, so any batch split gives the rows of handling one event at a time.
   */
  acrossStreams?(event: RecordedEvent, state: S, key: string): ((tx: SqlExecutor) => Promise<void>) | null;
}

interface Folded<S> {
  state: S;
  last: LogPosition | null;
  lastEvent: RecordedEvent | null;
}

const asDomain = (e: RecordedEvent) => ({ type: e.type, data: e.data, schemaVersion: e.schemaVersion }) as DomainEvent as never;
const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/**
 * Folds `events` into `from` (events at or before `from.last` are skipped, so folding again is a
 * no-op): the one fold of a stream's state shared by this projection and anyone holding a folded state.
 */
export function foldNewEvents<S>(
  evolve: (state: S, event: never) => S,
  from: { state: S; last: LogPosition | null },
  events: readonly RecordedEvent[],
  exists: (state: S) => boolean = () => true,
): { state: S; last: LogPosition | null; applied: RecordedEvent[] } {
  let { state, last } = from;
  const applied: RecordedEvent[] = [];
  for (const e of events) {
    if (last && comparePositions(e.position, last) <= 0) continue;
    const next = evolve(state, asDomain(e));
    if (!exists(next)) continue;
    state = next;
    last = e.position;
    applied.push(e);
  }
  return { state, last, applied };
}

/**
 * The projection of `spec`: for a batch, the snapshot rows of its streams are read in one query,
 * each stream's new events are folded in memory with the decider's `evolve`, and each table is
 * written with one statement. Idempotent (events at or before a row's position are skipped) and
 * deterministic (no clock: times come from the events).
 */
export function snapshotProjection<S>(spec: SnapshotProjectionSpec<S>): ProjectionDefinition {
  // each table's column types, read from the catalog once (the spec's DDL fixes them; a rebuild's
  // shadow tables are made from the same DDL)
  const types = columnTypes();
  return {
    name: spec.name,
    version: spec.version,
    schema: spec.schema,
    indexes: spec.indexes,
    summaries: spec.summaries,
    typePrefixes: spec.typePrefixes,
    handle: (tx, events) => handleSnapshots(spec, tx, events, types),
  };
}

/** A table's column types (`format_type`), by column name. */
type ColumnTypes = (tx: SqlExecutor, table: string) => Promise<ReadonlyMap<string, string>>;

function columnTypes(): ColumnTypes {
  const known = new Map<string, Promise<ReadonlyMap<string, string>>>();
  return (tx, table) => {
    let types = known.get(table);
    if (!types) {
      types = tx
        .query<{ name: string; type: string }>(
          'SELECT attname::text AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped',
          [table],
        )
        .then((r) => new Map(r.rows.map((c) => [c.name, c.type])));
      known.set(table, types);
      // a failed read (the table is not there yet) is read again next time
      types.catch(() => known.delete(table));
    }
    return types;
  };
}

async function handleSnapshots<S>(spec: SnapshotProjectionSpec<S>, tx: SqlExecutor, events: readonly RecordedEvent[], types: ColumnTypes): Promise<void> {
  const keyed = events.flatMap((e) => {
    const key = spec.typePrefixes.some((p) => e.type.startsWith(p)) ? spec.streamKey(e) : null;
    return key === null ? [] : [{ e, key }];
  });
  for (let from = 0; from < keyed.length; ) {
    const streams = await load(spec, tx, [...new Set(keyed.slice(from).map((k) => k.key))]);
    const changed = new Set<string>();
    const eventRows = (spec.events ?? []).map(() => [] as Row[]);
    const keyedRows = (spec.keyed ?? []).map(() => new Map<string, Row>());
    let effect: ((tx: SqlExecutor) => Promise<void>) | null = null;
    while (from < keyed.length && !effect) {
      const { e, key } = keyed[from++];
      const s = streams.get(key)!;
      const { state, last, applied } = foldNewEvents(spec.decider.evolve, s, [e], spec.exists);
      if (!applied.length) continue;
      Object.assign(s, { state, last, lastEvent: e });
      changed.add(key);
      spec.events?.forEach((t, i) => {
        const row = t.row(e, state, key);
        if (row) eventRows[i].push(row);
      });
      spec.keyed?.forEach((t, i) => {
        for (const row of t.rows(e, state, key)) {
          const id = JSON.stringify(t.keys.map((k) => row[k]));
          const had = keyedRows[i].get(id);
          keyedRows[i].set(id, t.merge === 'sum' && had ? { ...row, n: Number(had.n) + Number(row.n) } : row);
        }
      });
      effect = spec.acrossStreams?.(e, state, key) ?? null;
    }
    await write(spec, tx, [...changed].map((key) => [key, streams.get(key)!] as const), eventRows, types);
    for (const [i, t] of (spec.keyed ?? []).entries()) {
      await insertRows(tx, types, t.table, [...keyedRows[i].values()], (cols) =>
        `ON CONFLICT (${t.keys.join(', ')}) DO UPDATE SET ${t.merge === 'sum' ? `n = ${t.table}.n + EXCLUDED.n` : updateAll(cols, t.keys)}`,
      );
    }
    if (effect) await effect(tx);
  }
}

async function load<S>(spec: SnapshotProjectionSpec<S>, tx: SqlExecutor, keys: string[]): Promise<Map<string, Folded<S>>> {
  const { table, key, state } = spec.snapshot;
  const r = await tx.query<{ k: string; s: unknown; last_tx: string; last_pos: string }>(
    `SELECT ${key} AS k, ${state} AS s, last_tx::text AS last_tx, last_pos::text AS last_pos FROM ${table} WHERE ${key} = ANY($1::text[])`,
    [keys],
  );
  const out = new Map<string, Folded<S>>(keys.map((k) => [k, { state: spec.decider.initialState(), last: null, lastEvent: null }]));
  for (const row of r.rows) out.set(row.k, { state: parse<S>(row.s), last: { tx: BigInt(row.last_tx), pos: BigInt(row.last_pos) }, lastEvent: null });
  return out;
}

async function write<S>(spec: SnapshotProjectionSpec<S>, tx: SqlExecutor, changed: ReadonlyArray<readonly [string, Folded<S>]>, eventRows: Row[][], types: ColumnTypes): Promise<void> {
  if (changed.length) {
    const { table, key, state, columns } = spec.snapshot;
    const rows = changed.map(([k, f]) => {
      const row: Row = columns ? columns(f.state, f.lastEvent!) : {};
      row[key] = k;
      row[state] = f.state;
      row.last_tx = f.last!.tx.toString();
      row.last_pos = f.last!.pos.toString();
      return row;
    });
    const copied = spec.snapshot.fromState ?? [];
    await insertRows(tx, types, table, rows, (cols) => `ON CONFLICT (${key}) DO UPDATE SET ${updateAll([...cols, ...copied], [key])}`, { from: state, columns: copied });
    for (const d of spec.derived ?? []) {
      await tx.query(`DELETE FROM ${d.table} WHERE ${d.key} = ANY($1::text[])`, [changed.map(([k]) => k)]);
      await insertRows(tx, types, d.table, changed.flatMap(([k, f]) => d.rows(f.state, k)), () => '');
    }
  }
  for (const [i, t] of (spec.events ?? []).entries()) await insertRows(tx, types, t.table, eventRows[i], () => 'ON CONFLICT DO NOTHING');
}

const updateAll = (cols: readonly string[], keys: readonly string[]) =>
  cols.filter((c) => !keys.includes(c)).map((c) => `${c} = EXCLUDED.${c}`).join(', ');

/** Every column any row names (rows of one mapping mostly name the same ones: one pass, no arrays). */
function columnsOf(rows: readonly Row[]): string[] {
  const cols = new Set<string>();
  for (const row of rows) for (const c in row) cols.add(c);
  return [...cols];
}

/**
 * SQL reading a jsonb value as a `type` column (jsonb_populate_record's conversions): `json` is the
 * value as jsonb (`r->0`, `s->'status'`), `text` the same as text (`r->>0`, `s->>'status'`).
 */
function readAs(json: string, text: string, type: string, table: string, column: string): string {
  if (type === 'jsonb') return json;
  if (type === 'text') return text;
  if (type.endsWith('[][]')) throw new Error(`${table}.${column}: a multidimensional array column is not supported`);
  if (type.endsWith('[]')) return `CASE WHEN jsonb_typeof(${json}) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(${json}))::${type} END`;
  return `(${text})::${type}`;
}

/**
 * One statement for all rows. The rows travel as one JSON array of positional arrays (no key repeated
 * per row, nothing for the server to sort), each element read as its column's type (from the catalog,
 * so no type is repeated here). `conflict` gives the statement's ON CONFLICT clause from the columns;
 * `copied` adds columns the server reads from the row's `from` (jsonb) column, so a value that is
 * both a field of the state and a column travels and is parsed once.
 */
async function insertRows(
  tx: SqlExecutor,
  types: ColumnTypes,
  table: string,
  rows: readonly Row[],
  conflict: (cols: readonly string[]) => string,
  copied?: { readonly from: string; readonly columns: readonly string[] },
): Promise<void> {
  if (!rows.length) return;
  const cols = columnsOf(rows);
  const known = await types(tx, table);
  const typeOf = (c: string) => {
    const type = known.get(c);
    if (!type) throw new Error(`${table}.${c}: no such column`);
    return type;
  };
  const values = cols.map((c, i) => readAs(`r->${i}`, `r->>${i}`, typeOf(c), table, c));
  const into = [...cols];
  if (copied?.columns.length) {
    const at = cols.indexOf(copied.from);
    if (at < 0) throw new Error(`${table}: fromState columns need the ${copied.from} column in every row`);
    for (const c of copied.columns) {
      const type = typeOf(c);
      if (type.endsWith('[]')) throw new Error(`${table}.${c}: fromState needs a column that is not an array`);
      into.push(c);
      values.push(readAs(`(r->${at})->'${c}'`, `(r->${at})->>'${c}'`, type, table, c));
    }
  }
  const positional = rows.map((row) => cols.map((c) => row[c] ?? null));
  await tx.query(`INSERT INTO ${table} (${into.join(', ')}) SELECT ${values.join(', ')} FROM jsonb_array_elements($1::jsonb) AS e(r) ${conflict(cols)}`, [
    JSON.stringify(positional),
  ]);
}
