import type { RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { batchings, projectLog, type Dump } from '../../../../test/support/batch-harness';
import { snapshotProjection } from './snapshot';

/**
 * The generic single-stream projection on a toy decider (counters with tags): an event that leaves
 * no entity is not applied, derived rows follow the state, one-row-per-event tables are written once,
 * and an effect across streams sees the writes before it while the rest of the batch folds from the
 * rows as the effect left them, whatever the batch boundaries.
 */
type Toy = { status: 'none' | 'open'; id: string; total: number; tags: string[] };
type ToyEvent = { type: 'toy.opened' | 'toy.added' | 'toy.tagged' | 'toy.untagged_all' | 'toy.reset_all'; data: { id: string; n?: number; tag?: string } };
const initial = (): Toy => ({ status: 'none', id: '', total: 0, tags: [] });
function evolve(s: Toy, e: ToyEvent): Toy {
  switch (e.type) {
    case 'toy.opened':
      return { ...initial(), status: 'open', id: e.data.id };
    case 'toy.added':
      return { ...s, total: s.total + e.data.n! };
    case 'toy.tagged':
      return { ...s, tags: [...s.tags, e.data.tag!] };
    case 'toy.untagged_all':
      return { ...s, tags: [] };
    case 'toy.reset_all':
      return { ...s, total: 0 };
  }
}

const toys = snapshotProjection<Toy>({
  name: 'toy',
  version: 1,
  schema: `
    CREATE TABLE IF NOT EXISTS toys (id text PRIMARY KEY, state jsonb NOT NULL, last_tx numeric NOT NULL, last_pos bigint NOT NULL, total integer NOT NULL, updated_at timestamptz NOT NULL);
    CREATE TABLE IF NOT EXISTS toy_tags (id text NOT NULL, tag text NOT NULL, PRIMARY KEY (id, tag));
    CREATE TABLE IF NOT EXISTS toy_log (tx numeric NOT NULL, pos bigint NOT NULL, id text NOT NULL, type text NOT NULL, PRIMARY KEY (tx, pos));`,
  typePrefixes: ['toy.'],
  decider: { initialState: initial, evolve },
  streamKey: (e) => (e.data as { id?: string }).id ?? null,
  exists: (s) => s.status !== 'none',
  snapshot: { table: 'toys', key: 'id', state: 'state', columns: (s, last) => ({ total: s.total, updated_at: last.metadata.occurred_at }) },
  derived: [{ table: 'toy_tags', key: 'id', rows: (s, id) => s.tags.map((tag) => ({ id, tag })) }],
  events: [{ table: 'toy_log', row: (e, _s, id) => ({ tx: e.position.tx.toString(), pos: e.position.pos.toString(), id, type: e.type }) }],
  acrossStreams: (e) => (e.type === 'toy.reset_all' ? (tx: SqlExecutor) => tx.query(`UPDATE toys SET total = 0, state = jsonb_set(state, '{total}', '0')`).then(() => undefined) : null),
});

const TABLES = [['toys', 'id'], ['toy_tags', 'id, tag'], ['toy_log', 'tx, pos']] as const;

function logOf(events: Array<[string, ToyEvent['type'], Omit<ToyEvent['data'], 'id'>?]>): RecordedEvent[] {
  const revisions = new Map<string, bigint>();
  return events.map(([id, type, extra], i) => {
    const revision = revisions.get(id) ?? 0n;
    revisions.set(id, revision + 1n);
    return {
      streamId: `toy-${id}`, revision, position: { tx: BigInt(100 + Math.floor(i / 3)), pos: BigInt(i + 1) }, globalPosition: BigInt(i + 1), type, schemaVersion: 1,
      data: { id, ...extra }, metadata: { event_id: `e${i}`, occurred_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), recorded_at: '', actor: 't', correlation_id: 'c', causation_id: null },
    };
  });
}

const log = logOf([
  ['a', 'toy.added', { n: 5 }], // before a exists: not applied
  ['a', 'toy.opened'],
  ['a', 'toy.added', { n: 2 }],
  ['b', 'toy.opened'],
  ['b', 'toy.added', { n: 3 }],
  ['a', 'toy.tagged', { tag: 'x' }],
  ['a', 'toy.tagged', { tag: 'y' }],
  ['c', 'toy.opened'],
  ['a', 'toy.reset_all'], // every toy's total back to 0, b's included
  ['b', 'toy.added', { n: 4 }],
  ['a', 'toy.added', { n: 1 }],
  ['c', 'toy.tagged', { tag: 'z' }],
  ['d', 'toy.opened'], // a toy whose state never derives a tag
  ['d', 'toy.added', { n: 9 }],
  ['c', 'toy.untagged_all'], // c's derived rows go with the state that derived them
  ['c', 'toy.tagged', { tag: 'w' }],
]);

describe.each(SQL_BACKENDS)('snapshotProjection on %s', (_name, open) => {
  let f: FreshDatabase;
  let reference: Dump;
  const project = (batches: ReadonlyArray<readonly RecordedEvent[]>) => projectLog(f.db, toys, TABLES, batches);
  beforeAll(async () => {
    f = await open();
    reference = await project(log.map((e) => [e]));
  });
  afterAll(() => f.drop());

  it('given the log, holds the folded state, its columns, derived rows and one row per applied event', () => {
    const rows = (t: string) => reference[t].map((r) => JSON.parse(r));
    expect(rows('toys').map((r) => [r.id, r.total, r.state.total, r.state.tags, Number(r.last_pos)])).toEqual([
      ['a', 1, 1, ['x', 'y'], 11],
      ['b', 4, 4, [], 10],
      ['c', 0, 0, ['w'], 16],
      ['d', 9, 9, [], 14],
    ]);
    expect(rows('toys')[0].updated_at).toMatch(/^2026-01-01T00:10:00/);
    expect(rows('toy_tags').map((r) => `${r.id}:${r.tag}`)).toEqual(['a:x', 'a:y', 'c:w']);
    expect(rows('toy_log').map((r) => Number(r.pos))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('leaves the same rows for any batching of the log, handled twice or overlapping', async () => {
    for (const [how, batches] of batchings(log, [1, 2, 3])) expect({ how, rows: await project(batches) }).toEqual({ how, rows: reference });
  });

  it('ignores events of other types and events it has already folded', async () => {
    const foreign = { ...log[3], type: 'other.opened', position: { tx: 999n, pos: 999n } };
    expect(await project([log, [foreign], log.slice(2, 6)])).toEqual(reference);
  });
});

/**
 * The rows travel as positional JSON arrays, each element read as its column's type: every kind of
 * column a read model uses keeps its value (arrays and null arrays, numbers, booleans, times, json
 * holding a string or an array, text holding null), and a fromState copy reads the state's field.
 */
type Kinds = { status: 'none' | 'open'; id: string; label: string | null };
const kinds = snapshotProjection<Kinds>({
  name: 'kinds',
  version: 1,
  schema: `CREATE TABLE IF NOT EXISTS kinds (id text PRIMARY KEY, state jsonb NOT NULL, last_tx numeric NOT NULL, last_pos bigint NOT NULL,
    tags text[] NOT NULL, maybe_tags text[], n integer, big bigint, amount numeric, flag boolean, at timestamptz, doc jsonb, list jsonb, note text, label text);`,
  typePrefixes: ['toy.'],
  decider: { initialState: () => ({ status: 'none', id: '', label: null }), evolve: (s: Kinds, e: ToyEvent) => ({ ...s, status: 'open', id: e.data.id, label: e.data.tag ?? null }) },
  streamKey: (e) => (e.data as { id?: string }).id ?? null,
  snapshot: {
    table: 'kinds',
    key: 'id',
    state: 'state',
    fromState: ['label'],
    columns: (s) =>
      s.id === 'full'
        ? { tags: ['a', 'b"c', 'd,e'], maybe_tags: [], n: 7, big: '1234567890123', amount: '12.50', flag: false, at: '2026-03-04T05:06:07.890Z', doc: 'a string', list: [1, 'two'], note: null }
        : { tags: [], maybe_tags: null, n: null, big: null, amount: null, flag: true, at: null, doc: null, list: null, note: 'x' },
  },
});

describe.each(SQL_BACKENDS)('snapshotProjection column kinds on %s', (_name, open) => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await open();
  });
  afterAll(() => f.drop());

  it('keeps every kind of value as the column type reads it', async () => {
    const dump = await projectLog(f.db, kinds, [['kinds', 'id']], [logOf([['full', 'toy.tagged', { tag: 'L' }], ['empty', 'toy.opened']])]);
    const rows = dump.kinds.map((r) => JSON.parse(r));
    const pick = ({ id, tags, maybe_tags, n, big, amount, flag, at, doc, list, note, label }: Record<string, unknown>) => ({ id, tags, maybe_tags, n, big, amount, flag, at, doc, list, note, label });
    expect(rows.map(pick)).toEqual([
      { id: 'empty', tags: [], maybe_tags: null, n: null, big: null, amount: null, flag: true, at: null, doc: null, list: null, note: 'x', label: null },
      { id: 'full', tags: ['a', 'b"c', 'd,e'], maybe_tags: [], n: 7, big: 1234567890123, amount: 12.5, flag: false, at: expect.stringMatching(/^2026-03-04T05:06:07\.89/), doc: 'a string', list: [1, 'two'], note: null, label: 'L' },
    ]);
  });
});
