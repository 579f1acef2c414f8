import { LOG_START, comparePositions, type LogPosition, type RecordedEvent } from '@pl/domain';
import { PgDatabase, SqlEventStore, type SqlDatabase, type SqlExecutor } from '@pl/eventstore';
import { eventCountsProjection } from '@pl/projections/event_counts';
import { SQL_BACKENDS, freshPostgres, tableDump, type FreshDatabase } from '../../../../test/support/databases';
import { newEvent } from '../../test/support';
import { CHECKPOINT_SCHEMA, ProjectionStuckError, ProjectionTimeoutError, readCheckpoint, waitForCheckpoint } from './checkpoints';
import { readFaults } from './faults';
import type { ProjectionDefinition } from './projection';
import { ProjectionBusyError, ProjectionRunner, rebuildProjection, type RunnerOptions } from './runner';
import type { RunnerStateChange } from './stuck-tracker';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

/** A projection of one row per event, keyed by position, with a plain INSERT: applying an event twice fails loudly. */
function rowsProjection(name: string, opts: { version?: number; label?: string; failOn?: () => string | null; calls?: { n: number } } = {}): ProjectionDefinition {
  return {
    name,
    version: opts.version ?? 1,
    schema: 'CREATE TABLE IF NOT EXISTS seen (tx numeric NOT NULL, pos bigint NOT NULL, type text NOT NULL, label text NOT NULL, PRIMARY KEY (tx, pos))',
    async handle(tx: SqlExecutor, events: readonly RecordedEvent[]) {
      if (opts.calls) opts.calls.n++;
      for (const e of events) {
        await tx.query('INSERT INTO seen (tx, pos, type, label) VALUES ($1, $2, $3, $4)', [e.position.tx.toString(), e.position.pos.toString(), e.type, opts.label ?? 'v1']);
        if (opts.failOn?.() === e.type) throw new Error(`handler failed on ${e.type}`);
      }
    },
  };
}

const rows = async (db: SqlExecutor, name: string) =>
  (await db.query<{ tx: string; pos: string; type: string; label: string }>(`SELECT tx::text AS tx, pos::text AS pos, type, label FROM rm_${name}.seen ORDER BY tx, pos`)).rows;

describe.each(SQL_BACKENDS)('ProjectionRunner on %s', (_name, open) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  const runners: ProjectionRunner[] = [];
  const run = async (def: ProjectionDefinition, db: SqlDatabase = f.db, s: SqlEventStore = store, options: RunnerOptions = {}) => {
    const r = new ProjectionRunner(db, s, def, { standbyRetryMs: 100, errorRetryMs: 100, maxErrorRetryMs: 200, ...options });
    runners.push(r);
    await r.start();
    return r;
  };
  beforeAll(async () => {
    f = await open();
    store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
  });
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop();
  });
  afterAll(async () => {
    await store.close();
    await f.drop();
  });

  it('writes rows and checkpoint in one transaction: a batch failing midway leaves neither, and is retried, nothing skipped', async () => {
    const stream = `tx-${Date.now()}`;
    const appended = await store.append(stream, [newEvent('probe.a'), newEvent('probe.poison'), newEvent('probe.c')], 'no_stream');
    let failOn: string | null = 'probe.poison';
    const calls = { n: 0 };
    const r = await run(rowsProjection('atomic', { failOn: () => failOn, calls }));
    await until(() => calls.n >= 2 && r.status().lastError !== null);
    // the class, never the message (driver messages can quote row values)
    expect(r.status().lastError).toBe('Error');
    expect(await rows(f.db, 'atomic')).toEqual([]);
    expect(await readCheckpoint(f.db, 'atomic')).toBeNull();
    failOn = null;
    await waitForCheckpoint(f.db, 'atomic', appended.position, 20_000);
    expect((await rows(f.db, 'atomic')).map((x) => x.type)).toEqual(['probe.a', 'probe.poison', 'probe.c']);
    expect((await readCheckpoint(f.db, 'atomic'))!.eventsHandled).toBe(3n);
    expect(r.status()).toMatchObject({ active: true, lastError: null });
  });

  it('keeps one active runner per projection; the standby takes over when the active one stops', async () => {
    const calls = [{ n: 0 }, { n: 0 }];
    const a = await run(rowsProjection('single', { calls: calls[0], label: 'a' }));
    const b = await run(rowsProjection('single', { calls: calls[1], label: 'b' }));
    expect([a.status().active, b.status().active]).toEqual([true, false]);
    const first = await store.append(`single-${Date.now()}`, [newEvent('one.x'), newEvent('one.y')], 'no_stream');
    await waitForCheckpoint(f.db, 'single', first.position, 20_000);
    await a.stop();
    await until(() => b.status().active);
    const second = await store.append(`single2-${Date.now()}`, [newEvent('two.x')], 'no_stream');
    await waitForCheckpoint(f.db, 'single', second.position, 20_000);
    const all = await rows(f.db, 'single');
    // every event exactly once (the primary key would reject a second application), split between the two
    const upTo = (await store.readAll(LOG_START)).filter((e) => comparePositions(e.position, second.position) <= 0);
    expect(all.map((x) => `${x.tx}:${x.pos}`)).toEqual(upTo.map((e) => `${e.position.tx}:${e.position.pos}`));
    expect(all.filter((x) => x.type === 'two.x').map((x) => x.label)).toEqual(['b']);
    expect(all.filter((x) => x.type === 'one.x').map((x) => x.label)).toEqual(['a']);
  });

  it('rebuilds by replay when the projection version changes', async () => {
    const head = await store.append(`ver-${Date.now()}`, [newEvent('ver.a'), newEvent('ver.b')], 'no_stream');
    const v1 = await run(rowsProjection('versioned', { version: 1, label: 'v1' }));
    await waitForCheckpoint(f.db, 'versioned', head.position, 20_000);
    await v1.stop();
    const before = await rows(f.db, 'versioned');
    expect(new Set(before.map((x) => x.label))).toEqual(new Set(['v1']));
    await run(rowsProjection('versioned', { version: 2, label: 'v2' }));
    await until(async () => (await readCheckpoint(f.db, 'versioned'))?.version === 2);
    await waitForCheckpoint(f.db, 'versioned', head.position, 20_000);
    const after = await rows(f.db, 'versioned');
    expect(after.map((x) => `${x.tx}:${x.pos}`)).toEqual(before.map((x) => `${x.tx}:${x.pos}`));
    expect(new Set(after.map((x) => x.label))).toEqual(new Set(['v2']));
  });

  it('rebuildProjection replays into fresh tables, then switches: identical rows, checkpoint at the head', async () => {
    let head: LogPosition = LOG_START;
    // the last appended position, not headPosition(): on a busy server the visible head can lag
    // (transaction-id visibility waits for older transactions cluster-wide)
    for (let i = 0; i < 5; i++) head = (await store.append(`counts-${i}-${Date.now()}`, [newEvent(`count.t${i % 3}`), newEvent('count.common')], 'no_stream')).position;
    const live = await run(eventCountsProjection);
    await waitForCheckpoint(f.db, eventCountsProjection.name, head, 20_000);
    await expect(rebuildProjection(f.db, store, eventCountsProjection)).rejects.toBeInstanceOf(ProjectionBusyError);
    await live.stop();
    const before = await tableDump(f.db, 'rm_event_counts');
    expect(before.event_counts.length).toBeGreaterThan(3);
    const progress: Array<[number, number]> = [];
    const r = await rebuildProjection(f.db, store, eventCountsProjection, { batchSize: 3, onProgress: (done, total) => progress.push([done, total]) });
    expect(await tableDump(f.db, 'rm_event_counts')).toEqual(before);
    expect(r.events).toBe((await store.readAll(LOG_START)).length);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    const cp = await readCheckpoint(f.db, eventCountsProjection.name);
    expect(comparePositions(cp!.position, head)).toBe(0);
    expect(cp!.eventsHandled).toBe(BigInt(r.events));
    const schemas = await f.db.query<{ n: string }>("SELECT count(*)::text AS n FROM information_schema.schemata WHERE schema_name = 'rm_event_counts__rebuild'");
    expect(schemas.rows[0].n).toBe('0');
    expect(await readCheckpoint(f.db, 'event_counts__rebuild')).toBeNull();
  });

  it('a rebuild replays into bare tables, then fills the summaries and builds the indexes once; its batches alone skip the WAL flush', async () => {
    const seen: Array<{ phase: string; index: string | null; sync: string }> = [];
    const phase = { now: 'live' };
    const def: ProjectionDefinition = {
      name: 'deferred',
      version: 1,
      schema: 'CREATE TABLE IF NOT EXISTS seen (tx numeric NOT NULL, pos bigint NOT NULL, type text NOT NULL, PRIMARY KEY (tx, pos)); CREATE TABLE IF NOT EXISTS totals (n bigint NOT NULL)',
      indexes: 'CREATE INDEX IF NOT EXISTS seen_by_type ON seen (type)',
      summaries: 'INSERT INTO totals (n) SELECT count(*) FROM seen',
      typePrefixes: ['deferred.'],
      async handle(tx, events) {
        const r = await tx.query<{ index: string | null; sync: string }>(`SELECT to_regclass('seen_by_type')::text AS index, current_setting('synchronous_commit') AS sync`);
        seen.push({ phase: phase.now, ...r.rows[0] });
        for (const e of events) await tx.query('INSERT INTO seen (tx, pos, type) VALUES ($1, $2, $3)', [e.position.tx.toString(), e.position.pos.toString(), e.type]);
      },
    };
    let head: LogPosition = LOG_START;
    for (let i = 0; i < 4; i++) head = (await store.append(`deferred-${i}-${Date.now()}`, [newEvent('deferred.a'), newEvent('deferred.b')], 'no_stream')).position;
    const live = await run(def);
    await waitForCheckpoint(f.db, 'deferred', head, 20_000);
    await live.stop();
    const indexes = async () => (await f.db.query<{ d: string }>("SELECT indexname || ': ' || indexdef AS d FROM pg_indexes WHERE schemaname = 'rm_deferred' ORDER BY 1")).rows.map((r) => r.d);
    const liveIndexes = await indexes();
    expect(liveIndexes.some((d) => d.startsWith('seen_by_type:'))).toBe(true);
    expect(seen.every((x) => x.phase === 'live' && x.index !== null && x.sync !== 'off')).toBe(true);

    phase.now = 'rebuild';
    await rebuildProjection(f.db, store, def, { batchSize: 3 });
    const replayed = seen.filter((x) => x.phase === 'rebuild');
    expect(replayed.length).toBeGreaterThan(1);
    // the replay's batches saw no index and committed without waiting for the flush
    expect(replayed.every((x) => x.index === null && x.sync === 'off')).toBe(true);
    // the rebuilt schema has the live one's indexes, and its summary counted every replayed row once
    expect(await indexes()).toEqual(liveIndexes);
    const totals = await f.db.query<{ n: string }>('SELECT n::text AS n FROM rm_deferred.totals');
    expect(totals.rows.map((r) => r.n)).toEqual(['8']);
  });

  it('waitForCheckpoint resolves once the projection has passed a position and times out otherwise', async () => {
    const r = await run(rowsProjection('waiting'));
    const p = await store.append(`wait-${Date.now()}`, [newEvent('wait.a')], 'no_stream');
    await waitForCheckpoint(f.db, 'waiting', p.position, 20_000);
    expect((await rows(f.db, 'waiting')).some((x) => x.type === 'wait.a')).toBe(true);
    await r.stop();
    const q = await store.append(`wait2-${Date.now()}`, [newEvent('wait.b')], 'no_stream');
    const far: LogPosition = q.position;
    await expect(waitForCheckpoint(f.db, 'waiting', far, 300)).rejects.toBeInstanceOf(ProjectionTimeoutError);
  });

  it('a runner whose batch keeps failing is stuck: said once, recorded for /health, waits end at once naming it; then recovers', async () => {
    let failOn: string | null = 'stuck.poison';
    const changes: RunnerStateChange[] = [];
    const errors = { n: 0 };
    const r = await run(rowsProjection('stuckling', { failOn: () => failOn }), f.db, store, { stuckAfterFailures: 3, onStateChange: (c) => changes.push(c), onError: () => errors.n++ });
    const p = await store.append(`stuck-${Date.now()}`, [newEvent('stuck.ok'), newEvent('stuck.poison')], 'no_stream');
    await until(() => r.status().stuck !== null);
    expect(r.status()).toMatchObject({ lastError: 'Error', stuck: { errorClass: 'Error' } });
    await until(async () => (await readFaults(f.db, ['stuckling'])).length === 1);
    expect((await readFaults(f.db, ['stuckling']))[0]).toMatchObject({ name: 'stuckling', errorClass: 'Error' });
    const started = Date.now();
    const waited = await waitForCheckpoint(f.db, 'stuckling', p.position, 10_000).catch((e) => e);
    expect(waited).toBeInstanceOf(ProjectionStuckError);
    expect(waited).toMatchObject({ projection: 'stuckling', errorClass: 'Error' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await until(() => errors.n >= 6);
    // one report on entering the stuck state, not one per retry
    expect(changes).toEqual([{ projection: 'stuckling', stuck: true, errorClass: 'Error', failures: 3 }]);
    failOn = null;
    await until(async () => comparePositions((await readCheckpoint(f.db, 'stuckling'))?.position ?? LOG_START, p.position) >= 0);
    await until(() => changes.length === 2);
    expect(changes[1]).toEqual({ projection: 'stuckling', stuck: false, errorClass: null, failures: 0 });
    expect(r.status()).toMatchObject({ stuck: null, failures: 0, lastError: null });
    expect(await readFaults(f.db, ['stuckling'])).toEqual([]);
  });

  it('projects values PostgreSQL refuses (NUL, lone surrogates) in an escaped form, into jsonb and text', async () => {
    const def: ProjectionDefinition = {
      name: 'poisoned',
      version: 1,
      typePrefixes: ['poison.'],
      schema: 'CREATE TABLE IF NOT EXISTS v (id text PRIMARY KEY, label text NOT NULL, doc jsonb NOT NULL)',
      async handle(tx, events) {
        for (const e of events) {
          const d = e.data as { label: string };
          await tx.query('INSERT INTO v (id, label, doc) VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING', [e.metadata.event_id, d.label, JSON.stringify({ d, actor: e.metadata.actor })]);
        }
      },
    };
    const poisoned = { ...newEvent('poison.a', { label: 'v1\u0000\ud800', [`k\u0000`]: ['\udc00'] }), metadata: { ...newEvent('x').metadata, actor: 'api\u0000' } };
    const p = await store.append(`poison-${Date.now()}`, [poisoned, newEvent('poison.b', { label: 'clean' })], 'no_stream');
    await run(def);
    await waitForCheckpoint(f.db, 'poisoned', p.position, 20_000);
    const stored = (await f.db.query<{ label: string; doc: { d: Record<string, unknown>; actor: string } }>('SELECT label, doc FROM rm_poisoned.v ORDER BY label')).rows;
    expect(stored.map((x) => x.label)).toEqual(['clean', 'v1\uFDD00000\uFDD0D800']);
    expect(stored[1].doc).toEqual({ d: { label: 'v1\uFDD00000\uFDD0D800', 'k\uFDD00000': ['\uFDD0DC00'] }, actor: 'api\uFDD00000' });
    // the log keeps what was appended
    const back = (await store.readAll(LOG_START)).find((e) => e.metadata.event_id === poisoned.metadata.event_id)!;
    expect(back.data).toEqual({ label: 'v1\u0000\ud800', 'k\u0000': ['\udc00'] });
  });
});

describe('two runners in two processes on one PostgreSQL database', () => {
  let f: FreshDatabase;
  let other: PgDatabase;
  beforeAll(async () => {
    f = await freshPostgres();
    other = new PgDatabase(f.url!);
  });
  afterAll(async () => {
    await other.close();
    await f.drop();
  });

  it('hold the advisory lock one at a time: the standby takes over when the active one stops, every event once', async () => {
    const storeA = new SqlEventStore(f.db);
    const storeB = new SqlEventStore(other);
    await storeA.init();
    const a = new ProjectionRunner(f.db, storeA, rowsProjection('shared', { label: 'a' }), { standbyRetryMs: 100 });
    const b = new ProjectionRunner(other, storeB, rowsProjection('shared', { label: 'b' }), { standbyRetryMs: 100 });
    await a.start();
    await b.start();
    try {
      expect([a.status().active, b.status().active]).toEqual([true, false]);
      let last: LogPosition = LOG_START;
      for (let i = 0; i < 20; i++) last = (await storeA.append(`p-${i}`, [newEvent('shared.e')], 'no_stream')).position;
      await waitForCheckpoint(f.db, 'shared', last, 20_000);
      await sleep(300);
      expect(b.status().active).toBe(false);
      await a.stop();
      await until(() => b.status().active);
      for (let i = 20; i < 30; i++) last = (await storeB.append(`p-${i}`, [newEvent('shared.e')], 'no_stream')).position;
      await waitForCheckpoint(f.db, 'shared', last, 20_000);
      const all = await rows(f.db, 'shared');
      expect(all).toHaveLength(30);
      expect(all.filter((x) => x.label === 'a')).toHaveLength(20);
      expect(all.filter((x) => x.label === 'b')).toHaveLength(10);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
