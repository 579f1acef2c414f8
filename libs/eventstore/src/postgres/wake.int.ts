import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { newEvent } from '../contract/event-store-contract';
import type { SqlDatabase } from '../sql/database';
import { SqlEventStore } from './sql-event-store';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real database, counting the log reads that go through it. */
function countingReads(db: SqlDatabase): { db: SqlDatabase; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return (sql: string, ...rest: unknown[]) => {
          if (/FROM es_events/.test(sql)) reads++;
          return (target.query as (...a: unknown[]) => unknown).call(target, sql, ...rest);
        };
      }
      const v = (target as any)[prop];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db: counted, reads: () => reads };
}

describe.each(SQL_BACKENDS)('SqlEventStore on %s: idle subscriptions sleep, appends wake them', (_name, open) => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await open();
  });
  afterAll(async () => f?.drop());

  it('reads nothing while the log is idle, and delivers an append made through another store on the same database at once', async () => {
    const { db, reads } = countingReads(f.db);
    const reader = new SqlEventStore(db);
    // another store object on the same database object (as the API and the worker share one in a process)
    const writer = new SqlEventStore(db);
    await writer.init();
    const received: string[] = [];
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => (caughtUp = r));
    const sub = reader.subscribe(await reader.headPosition(), async (events) => void received.push(...events.map((e) => e.streamId)), { onCaughtUp: () => caughtUp() });
    try {
      await ready;
      const before = reads();
      await sleep(1000);
      // a 50 ms poll would have read about 20 times
      expect(reads() - before).toBe(0);
      const id = `wake-${randomUUID()}`;
      const t0 = Date.now();
      await writer.append(id, [newEvent('wake.tested', {})], 'no_stream');
      while (!received.includes(id) && Date.now() - t0 < 5_000) await sleep(5);
      expect(received).toContain(id);
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      await sub.stop();
      await reader.close();
      await writer.close();
    }
  }, 60_000);
});

describe('SqlEventStore on postgres: a subscription started after an append that the horizon still hides', () => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await SQL_BACKENDS.find(([name]) => name === 'postgres')![1]();
  });
  afterAll(async () => f?.drop());

  it('polls until it has read past the announced append instead of sleeping until the safety poll', async () => {
    const store = new SqlEventStore(f.db);
    await store.init();
    // a transaction open elsewhere on the server holds the visibility horizon (invariant 4)
    const holder = new Client({ connectionString: f.url!, application_name: 'horizon-holder' });
    await holder.connect();
    const received: string[] = [];
    let sub: { stop(): Promise<void> } | null = null;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      const start = await store.headPosition();
      const id = `late-${randomUUID()}`;
      await store.append(id, [newEvent('wake.tested', {})], 'no_stream');
      // the append is announced, but not readable yet: a subscription starts now (a worker restarted in this process)
      sub = store.subscribe(start, async (events) => void received.push(...events.map((e) => e.streamId)));
      await sleep(300);
      expect(received).toEqual([]);
      const released = Date.now();
      await holder.query('COMMIT');
      while (!received.includes(id) && Date.now() - released < 10_000) await sleep(5);
      expect(received).toContain(id);
      // without the announced position it would sleep until the 30 s safety poll
      expect(Date.now() - released).toBeLessThan(2_000);
    } finally {
      await sub?.stop();
      await holder.end();
      await store.close();
    }
  }, 60_000);

  it('reads an announced append as soon as a transaction of this process that held the horizon commits, not at its next poll', async () => {
    // polls of an announced append stretched to a minute: only the commit can wake the subscription in time
    const store = new SqlEventStore(f.db, { announcedPollMaxMs: 60_000 });
    await store.init();
    const received: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    // a writing transaction of this process (a projection's batch, a checkpoint) holds the horizon
    const projectionBatch = f.db.transaction(async (tx) => {
      await tx.query('SELECT pg_current_xact_id()');
      holding();
      await gate;
    });
    let sub: { stop(): Promise<void> } | null = null;
    try {
      await held;
      const start = await store.headPosition();
      sub = store.subscribe(start, async (events) => void received.push(...events.map((e) => e.streamId)));
      const id = `held-${randomUUID()}`;
      await store.append(id, [newEvent('wake.tested', {})], 'no_stream');
      // the eager re-reads back off: 10, 20, 40 ... ms; the one due after 2.55 s sleeps until ~5.1 s
      await sleep(3_000);
      expect(received).toEqual([]);
      const released = Date.now();
      release();
      await projectionBatch;
      while (!received.includes(id) && Date.now() - released < 20_000) await sleep(5);
      expect(received).toContain(id);
      // at once, not at the re-read due ~2.1 s after the release
      expect(Date.now() - released).toBeLessThan(1_800);
    } finally {
      release();
      await projectionBatch.catch(() => undefined);
      await sub?.stop();
      await store.close();
    }
  }, 60_000);
});
