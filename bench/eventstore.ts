/**
 * Event store benchmark: single-event append throughput with 1 and 16 concurrent writers, and the
 * catch-up rate of a subscription over N events, on PostgreSQL (a fresh database) and PGlite.
 *
 *   bash bench/run.sh bench/eventstore.ts [--backend postgres|pglite|all|none] [--seconds 10] [--writers 16[,32]] [--events 100000] [--reference] [--latency] [--notify]
 *
 *   --backend: postgres, pglite (on disk, temp dir), pglite-memory, pglite@<shared_buffers> (e.g. pglite@128MB);
 *   --reference adds a PostgreSQL run with
 *   synchronous_commit=off to show what the commit flush costs; --latency measures the append-to-delivery
 *   latency of a live subscription while the writers append; --notify runs the PostgreSQL appends
 *   with and without NOTIFY side by side (the store sends it by default, to wake other processes).
 *
 * Prints one line per figure and a markdown table at the end (copy it into docs/benchmarks.md).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { LOG_START, type LogPosition } from '@pl/domain';
import { PgDatabase, PgliteDatabase, SqlEventStore, type EventStore, type NewEvent } from '@pl/eventstore';
import { freshPglite, freshPostgres, type FreshDatabase } from '../test/support/databases';

interface Args {
  backends: string[];
  seconds: number;
  events: number;
  /** Concurrent writer counts for the append runs (the first is also used for latency and the reference). */
  writers: number[];
  reference: boolean;
  latency: boolean;
  notify: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  const backend = get('backend', 'all');
  return {
    backends: backend === 'all' ? ['postgres', 'pglite'] : backend.split(','),
    seconds: Number(get('seconds', '10')),
    events: Number(get('events', '100000')),
    writers: get('writers', '16').split(',').map(Number),
    reference: argv.includes('--reference'),
    latency: argv.includes('--latency'),
    notify: argv.includes('--notify'),
  };
}

function event(i: number): NewEvent {
  const now = new Date().toISOString();
  return {
    type: 'bench.something_happened',
    data: { subject: `sub_${i.toString(16).padStart(12, '0')}`, purpose: 'analytics', granted: i % 2 === 0, note: 'x'.repeat(64) },
    metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'service:bench', correlation_id: randomUUID(), causation_id: null },
  };
}

/** `writers` concurrent loops of single-event appends with the expected revision, each on its own stream. */
async function appendThroughput(store: EventStore, writers: number, seconds: number): Promise<{ events: number; perSecond: number }> {
  const run = randomUUID().slice(0, 8);
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  const counts = await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      let expected: 'no_stream' | bigint = 'no_stream';
      let n = 0;
      while (Date.now() < deadline) {
        expected = (await store.append(`bench-${run}-${w}`, [event(n)], expected)).nextRevision;
        n += 1;
      }
      return n;
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const events = counts.reduce((a, b) => a + b, 0);
  return { events, perSecond: events / elapsed };
}

/** Append-to-delivery latency of a live subscription while `writers` writers append (creation time to handler call). */
async function liveLatency(store: EventStore, writers: number, seconds: number): Promise<{ events: number; p50: number; p99: number; max: number }> {
  const latencies: number[] = [];
  const sub = store.subscribe(await store.headPosition(), async (events) => {
    const now = Date.now();
    for (const e of events) latencies.push(now - Date.parse(e.metadata.occurred_at));
  });
  const written = await appendThroughput(store, writers, seconds);
  const deadline = Date.now() + 30_000;
  while (latencies.length < written.events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await sub.stop();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { events: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? NaN };
}

async function fill(store: EventStore, total: number): Promise<void> {
  const perAppend = 500;
  let written = 0;
  let stream = 0;
  while (written < total) {
    const n = Math.min(perAppend, total - written);
    await store.append(`bench-fill-${stream++}`, Array.from({ length: n }, (_, i) => event(written + i)), 'no_stream');
    written += n;
  }
}

/** A subscription from the start of the log until it has delivered `total` events. */
async function catchUp(store: EventStore, total: number): Promise<{ events: number; seconds: number; perSecond: number }> {
  let seen = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const started = process.hrtime.bigint();
  let checkpoint: LogPosition = LOG_START;
  const sub = store.subscribe(LOG_START, async (events, cp) => {
    seen += events.length;
    checkpoint = cp;
    if (seen >= total) resolveDone();
  });
  await Promise.race([done, sub.done]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await sub.stop();
  if (seen < total) throw new Error(`subscription stopped at ${seen} events (checkpoint ${checkpoint.tx}:${checkpoint.pos})`);
  return { events: seen, seconds, perSecond: seen / seconds };
}

/** PostgreSQL: a fresh database on the local server. PGlite: on disk in a temp dir, as the embedded default runs. */
async function open(backend: string, writers = 16): Promise<FreshDatabase> {
  if (backend === 'postgres') {
    const fresh = await freshPostgres('pl_bench');
    if (writers <= 16) return fresh;
    // One connection per writer, so that the pool (default 20) does not cap the concurrency.
    const db = new PgDatabase({ connectionString: fresh.url!, max: writers + 2 });
    return { ...fresh, db, drop: async () => { await db.close(); await fresh.drop(); } };
  }
  if (backend === 'pglite-memory') return freshPglite();
  const dir = mkdtempSync(join(tmpdir(), 'pl-bench-pglite-'));
  // pglite@128MB: another shared_buffers than the service's (PGLITE_SHARED_BUFFERS), for a comparison
  const db = await PgliteDatabase.open(dir, { sharedBuffers: backend.split('@')[1] });
  return { db, url: null, name: dir, drop: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** For reference only: the same 16-writer run with synchronous_commit=off (not how the service runs). */
async function asyncCommitReference(args: Args, rows: string[]): Promise<void> {
  const fresh = await freshPostgres('pl_bench');
  const db = new PgDatabase({ connectionString: fresh.url!, max: 20, options: '-c synchronous_commit=off' });
  const store = new SqlEventStore(db);
  try {
    await store.init();
    for (const writers of [1, args.writers[0]]) {
      const r = await appendThroughput(store, writers, args.seconds);
      console.log(`postgres (synchronous_commit=off, reference): append, ${writers} writer(s): ${r.perSecond.toFixed(0)} events/s`);
      rows.push(`| postgres, synchronous_commit=off (reference only) | single-event append, ${writers} writer${writers > 1 ? 's' : ''} | ${r.perSecond.toFixed(0)} events/s | ${r.events} events in ${args.seconds} s |`);
    }
  } finally {
    await store.close();
    await db.close();
    await fresh.drop();
  }
}

/** PostgreSQL appends with and without the NOTIFY that wakes other processes' subscribers, alternated in one run. */
async function notifyCost(args: Args, rows: string[]): Promise<void> {
  for (const writers of [1, ...args.writers]) {
    for (const notify of [false, true, false, true]) {
      const fresh = await open('postgres', writers);
      const store = new SqlEventStore(fresh.db, { notify });
      try {
        await store.init();
        const r = await appendThroughput(store, writers, args.seconds);
        console.log(`postgres, notify ${notify ? 'on' : 'off'}: append, ${writers} writer(s): ${r.perSecond.toFixed(0)} events/s`);
        rows.push(`| postgres, NOTIFY ${notify ? 'on (default)' : 'off'} | single-event append, ${writers} writer${writers > 1 ? 's' : ''} | ${r.perSecond.toFixed(0)} events/s | ${r.events} events in ${args.seconds} s |`);
      } finally {
        await store.close();
        await fresh.drop();
      }
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: string[] = [];
  console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
  for (const backend of args.backends.filter((b) => b !== 'none')) {
    for (const writers of [1, ...args.writers]) {
      const fresh = await open(backend, writers);
      const store = new SqlEventStore(fresh.db);
      try {
        await store.init();
        const r = await appendThroughput(store, writers, args.seconds);
        console.log(`${backend}: append, ${writers} writer(s): ${r.events} events in ${args.seconds}s = ${r.perSecond.toFixed(0)} events/s`);
        rows.push(`| ${backend} | single-event append, ${writers} writer${writers > 1 ? 's' : ''} | ${r.perSecond.toFixed(0)} events/s | ${r.events} events in ${args.seconds} s |`);
      } finally {
        await store.close();
        await fresh.drop();
      }
    }
    if (args.latency) {
      const fresh = await open(backend);
      const store = new SqlEventStore(fresh.db);
      try {
        await store.init();
        const r = await liveLatency(store, args.writers[0], args.seconds);
        console.log(`${backend}: live subscription with ${args.writers[0]} writers: ${r.events} events, latency p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`);
        rows.push(`| ${backend} | live subscription latency, ${args.writers[0]} writers appending | p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms | ${r.events} events in ${args.seconds} s |`);
      } finally {
        await store.close();
        await fresh.drop();
      }
    }
    const fresh = await open(backend);
    const store = new SqlEventStore(fresh.db);
    try {
      await store.init();
      const t0 = Date.now();
      await fill(store, args.events);
      console.log(`${backend}: filled ${args.events} events in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      const r = await catchUp(store, args.events);
      console.log(`${backend}: catch-up over ${r.events} events: ${r.seconds.toFixed(2)}s = ${r.perSecond.toFixed(0)} events/s`);
      rows.push(`| ${backend} | subscription catch-up from the start | ${r.perSecond.toFixed(0)} events/s | ${r.events} events in ${r.seconds.toFixed(2)} s |`);
    } finally {
      await store.close();
      await fresh.drop();
    }
  }
  if (args.reference && args.backends.includes('postgres')) await asyncCommitReference(args, rows);
  if (args.notify) await notifyCost(args, rows);
  console.log(['', '| backend | measurement | rate | run |', '|---|---|---|---|', ...rows].join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
