import { Client } from 'pg';
import { LOG_START, comparePositions, type LogPosition, type RecordedEvent } from '@pl/domain';
import { PgDatabase, SqlEventStore, type SqlExecutor } from '@pl/eventstore';
import { ADMIN_DATABASE_URL, SQL_BACKENDS, freshPostgres, type FreshDatabase } from '../../../../test/support/databases';
import { newEvent } from '../../test/support';
import { readCheckpoint, waitForCheckpoint } from '../projections/checkpoints';
import { readFaults } from '../projections/faults';
import type { RunnerStateChange } from '../projections/stuck-tracker';
import type { AppDeps, EventProcessManager } from '../core/app-deps';
import { ConsumerEngine, type Consumer, type ConsumerEngineOptions } from './engine';
import { eventProcessManagerRunner } from './event-process-manager';
import { reportProgress } from './progress';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
const key = (e: RecordedEvent) => `${e.position.tx}:${e.position.pos}`;

describe.each(SQL_BACKENDS)('ConsumerEngine on %s', (_name, open) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  const engines: ConsumerEngine[] = [];
  const start = async (consumer: Consumer, options: ConsumerEngineOptions = {}, db = f.db, s = store) => {
    const e = new ConsumerEngine(db, s, consumer, { standbyRetryMs: 50, errorRetryMs: 50, maxErrorRetryMs: 100, ...options });
    engines.push(e);
    await e.start();
    return e;
  };
  const append = async (stream: string, ...types: string[]) => (await store.append(`${stream}-${Date.now()}-${Math.random()}`, types.map((t) => newEvent(t)), 'no_stream')).position;
  beforeAll(async () => {
    f = await open();
    store = new SqlEventStore(f.db);
    await store.init();
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
  });
  afterAll(async () => {
    await store.close();
    await f.drop();
  });

  it('transactional: effects and checkpoint commit together; a failing batch is retried with doubling delays, never skipped', async () => {
    await f.db.exec('CREATE TABLE IF NOT EXISTS tx_effects (pos text PRIMARY KEY, type text NOT NULL)');
    let poisoned = true;
    const attempts: number[] = [];
    const head = await append('tx', 'tx.a', 'tx.poison', 'tx.c');
    const engine = await start({
      kind: 'transactional',
      name: 'tx_consumer',
      typePrefixes: ['tx.'],
      async apply(tx, events) {
        for (const e of events) {
          // a plain INSERT: applying an event twice would fail on the primary key
          await tx.query('INSERT INTO tx_effects (pos, type) VALUES ($1, $2)', [key(e), e.type]);
          if (poisoned && e.type === 'tx.poison') {
            attempts.push(Date.now());
            throw new Error('poison');
          }
        }
      },
    }, { errorRetryMs: 40, maxErrorRetryMs: 400, stuckAfterFailures: 100 });
    await until(() => attempts.length >= 4);
    expect((await f.db.query('SELECT * FROM tx_effects')).rows).toEqual([]);
    expect(await readCheckpoint(f.db, 'tx_consumer')).toBeNull();
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    // 40, 80, 160 ms: each retry waits at least twice as long as the first (a fixed 40 ms would not reach 160)
    gaps.slice(0, 3).forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(40 * 2 ** i));
    poisoned = false;
    await engine.waitFor(head, 20_000);
    expect((await f.db.query<{ type: string }>('SELECT type FROM tx_effects ORDER BY pos')).rows.map((r) => r.type)).toEqual(['tx.a', 'tx.poison', 'tx.c']);
    expect(engine.status()).toMatchObject({ phase: 'running', active: true, failures: 0, lastError: null });
  });

  it('one active consumer per name: the standby takes over when the active one stops, from its checkpoint', async () => {
    const seen: Array<[string, string]> = [];
    const consumer = (label: string): Consumer => ({
      kind: 'at-least-once',
      name: 'handover',
      typePrefixes: ['handover.'],
      deliver: async (events) => void events.forEach((e) => seen.push([label, key(e)])),
    });
    const a = await start(consumer('a'));
    const b = await start(consumer('b'));
    expect([a.status().active, b.status().active]).toEqual([true, false]);
    expect(b.status().phase).toBe('standby');
    const first = await append('handover', 'handover.x', 'handover.y');
    await a.waitFor(first);
    await a.stop();
    await until(() => b.status().active);
    const second = await append('handover', 'handover.z');
    await b.waitFor(second);
    expect(seen.map(([label]) => label)).toEqual(['a', 'a', 'b']);
    expect(new Set(seen.map(([, k]) => k)).size).toBe(3);
  });

  it('at least once: a side effect done but not checkpointed (crash between the two) is delivered again by the next runner', async () => {
    const effects: string[] = [];
    let crash = true;
    const head = await append('alo', 'alo.a', 'alo.b');
    const consumer: Consumer = {
      kind: 'at-least-once',
      name: 'alo',
      typePrefixes: ['alo.'],
      async deliver(events) {
        events.forEach((e) => effects.push(`${e.type}@${key(e)}`));
        if (crash) {
          crash = false;
          throw new Error('process died after the side effect');
        }
      },
    };
    const first = await start(consumer, { errorRetryMs: 60_000 });
    await until(() => effects.length === 2);
    expect(await readCheckpoint(f.db, 'alo')).toBeNull();
    await first.stop();
    const second = await start(consumer);
    await second.waitFor(head);
    expect(effects.map((x) => x.split('@')[0])).toEqual(['alo.a', 'alo.b', 'alo.a', 'alo.b']);
    expect(effects.slice(0, 2)).toEqual(effects.slice(2));
    expect(comparePositions((await readCheckpoint(f.db, 'alo'))!.position, head)).toBeGreaterThanOrEqual(0);
  });

  it('stuck after repeated failures: fault row for /health, one report per change of state, waits end at once; then recovers', async () => {
    let failing = true;
    const changes: RunnerStateChange[] = [];
    const errors: number[] = [];
    const head = await append('stuck', 'stuck.a');
    const engine = await start(
      { kind: 'at-least-once', name: 'stuck_consumer', typePrefixes: ['stuck.'], deliver: async () => { if (failing) throw new TypeError('no'); } },
      { stuckAfterFailures: 3, onStateChange: (c) => changes.push(c), onError: (_n, _e, inRow) => errors.push(inRow) },
    );
    await until(() => engine.status().stuck !== null);
    await until(async () => (await readFaults(f.db, ['stuck_consumer'])).length === 1);
    expect((await readFaults(f.db, ['stuck_consumer']))[0]).toMatchObject({ errorClass: 'TypeError' });
    await expect(waitForCheckpoint(f.db, 'stuck_consumer', head, 10_000)).rejects.toMatchObject({ name: 'ProjectionStuckError', errorClass: 'TypeError' });
    await until(() => errors.length >= 6);
    expect(errors.slice(0, 3)).toEqual([1, 2, 3]);
    expect(changes).toEqual([{ projection: 'stuck_consumer', stuck: true, errorClass: 'TypeError', failures: 3 }]);
    failing = false;
    await engine.waitFor(head);
    await until(() => changes.length === 2);
    expect(changes[1]).toMatchObject({ stuck: false });
    expect(await readFaults(f.db, ['stuck_consumer'])).toEqual([]);
  });

  it('waitFor and waitForCheckpoint resolve once the checkpoint passed the position, even with a poll slower than the timeout', async () => {
    const engine = await start({ kind: 'transactional', name: 'waited', typePrefixes: ['waited.'], apply: async () => undefined });
    const p = await append('waited', 'waited.a');
    // a poll interval far beyond the timeout: only the consumer's own report can end this wait in time
    await waitForCheckpoint(f.db, 'waited', p, 5_000, 60_000);
    await engine.waitFor(p);
    await expect(engine.waitFor({ tx: p.tx + 1_000_000n, pos: p.pos + 1_000_000n }, 200)).rejects.toThrow(/did not reach/);
  });

  it('a checkpoint reported between the wait\'s read of the table and its sleep still ends the wait (no lost wake-up)', async () => {
    const p = await append('raced', 'raced.a');
    // The consumer reports its checkpoint while the wait's table read is on its way back with the
    // older answer (here: no row, ever): only that report can end the wait before its timeout.
    const raced: SqlExecutor = {
      query: async (sql, params, options) => {
        const r = await f.db.query(sql, params, options);
        if (sql.includes('FROM projection_checkpoints')) reportProgress(raced, 'raced', p);
        return r;
      },
      exec: (sql) => f.db.exec(sql),
    };
    await expect(waitForCheckpoint(raced, 'raced', p, 1_000, 60_000)).resolves.toBeUndefined();
  });

  it('a fact-fed process manager gets its events in order, checkpointed one by one: a failure repeats that event only', async () => {
    const handled: string[] = [];
    let failOnce = true;
    const pm: EventProcessManager = {
      name: 'engine_test_pm',
      typePrefixes: ['pmtest.'],
      async handle(e) {
        handled.push(e.type);
        if (e.type === 'pmtest.b' && failOnce) {
          failOnce = false;
          throw new Error('step failed');
        }
      },
    };
    const head = await append('pmtest', 'pmtest.a', 'other.x', 'pmtest.b', 'pmtest.c');
    // this manager uses nothing of its deps but the log and the database the engine runs on
    const engine = eventProcessManagerRunner(pm, { db: f.db, store } as Partial<AppDeps> as AppDeps, { errorRetryMs: 50 });
    engines.push(engine);
    await engine.start();
    await engine.waitFor(head);
    expect(handled).toEqual(['pmtest.a', 'pmtest.b', 'pmtest.b', 'pmtest.c']);
    expect(comparePositions((await readCheckpoint(f.db, 'pm:engine_test_pm'))!.position, head)).toBeGreaterThanOrEqual(0);
  });

  it('a clock consumer ticks under its lock; failing ticks count towards stuck and are retried no later than the interval', async () => {
    let ticks = 0;
    let failing = false;
    const changes: RunnerStateChange[] = [];
    const outcomes: string[] = [];
    const engine = await start(
      { kind: 'clock', name: 'process_manager:clocked', lockName: 'pm:clocked', intervalMs: 30, tick: async () => { ticks++; if (failing) throw new RangeError('late'); } },
      { stuckAfterFailures: 2, onStateChange: (c) => changes.push(c), onTick: (_n, o) => outcomes.push(o), errorRetryMs: 1000 },
    );
    await until(() => ticks >= 3);
    // the lock is per tick: taken by another holder, the ticks stand by
    const held = await f.db.tryLock('pm:clocked');
    expect(held).not.toBeNull();
    const before = ticks;
    await sleep(150);
    expect(ticks).toBe(before);
    await held!.release();
    failing = true;
    await until(() => engine.status().stuck !== null);
    expect(changes).toEqual([{ projection: 'process_manager:clocked', stuck: true, errorClass: 'RangeError', failures: 2 }]);
    const failuresThen = engine.status().failures;
    await until(() => engine.status().failures >= failuresThen + 5, 2_000);
    failing = false;
    await until(() => engine.status().stuck === null);
    expect(outcomes).toContain('error');
    expect(outcomes.at(-1)).toBe('ok');
  });
});

describe('ConsumerEngine on PostgreSQL: the active runner\'s connection dies between side effect and checkpoint', () => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await freshPostgres('pl_engine_crash');
  });
  afterAll(async () => f?.drop());

  it('the standby in another process takes the lock over and delivers the batch again: every event at least once', async () => {
    const crashingDb = new PgDatabase({ connectionString: f.url!, max: 4, application_name: 'engine_crashing' });
    const otherDb = new PgDatabase(f.url!);
    const writer = new SqlEventStore(f.db);
    await writer.init();
    const effects: Array<[string, string]> = [];
    let killA = null as ((e: Error) => void) | null;
    const consumer = (label: string): Consumer => ({
      kind: 'at-least-once',
      name: 'crash',
      async deliver(events) {
        events.forEach((e) => effects.push([label, key(e)]));
        // a: the side effect is done, then the process dies before writing the checkpoint (it never gets further)
        if (label === 'a') await new Promise<void>((_r, reject) => (killA = reject));
      },
    });
    const a = new ConsumerEngine(crashingDb, new SqlEventStore(crashingDb), consumer('a'), { standbyRetryMs: 50, errorRetryMs: 60_000 });
    const b = new ConsumerEngine(otherDb, new SqlEventStore(otherDb), consumer('b'), { standbyRetryMs: 50 });
    try {
      await a.start();
      await b.start();
      expect([a.status().active, b.status().active]).toEqual([true, false]);
      let head: LogPosition = LOG_START;
      for (let i = 0; i < 3; i++) head = (await writer.append(`crash-${i}`, [newEvent('crash.e')], 'no_stream')).position;
      await until(() => killA !== null);
      const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'engine_crashing'");
      await admin.end();
      await b.waitFor(head, 20_000);
      expect(b.status().active).toBe(true);
      const byA = effects.filter(([l]) => l === 'a').map(([, k]) => k);
      const byB = effects.filter(([l]) => l === 'b').map(([, k]) => k);
      expect(byA.length).toBeGreaterThan(0);
      // what a did without checkpointing, b did again
      expect(byB.slice(0, byA.length)).toEqual(byA);
      expect(comparePositions((await readCheckpoint(f.db, 'crash'))!.position, head)).toBeGreaterThanOrEqual(0);
    } finally {
      killA?.(new Error('killed'));
      await a.stop();
      await b.stop();
      await writer.close();
      await crashingDb.close().catch(() => undefined);
      await otherDb.close();
    }
  });
});
