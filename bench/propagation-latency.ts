/**
 * Withdrawal-to-enforcement latency: from sending `POST /consent/withdraw` to the moment the SDK's
 * local cache (LocalConsentClient, fed by the compacted topic) denies, over N withdrawals, while
 * background clients keep recording consents for other subjects. API + worker (with the relay) run
 * in this process on PostgreSQL (a fresh database on DATABASE_URL) or PGlite; the broker is KAFKA_BROKERS.
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 bash bench/run.sh bench/propagation-latency.ts [--withdrawals 1000] [--concurrency 4] [--background 4] [--backend postgres|pglite]
 *
 * Runs on a fresh broker too: the SDK's start() waits until the relay has created the topics and the
 * broker has elected their leaders. Besides the end-to-end figure it splits each withdrawal into stages
 * (wall clock, one machine): sent -> event recorded (the event's recorded_at: HTTP, auth, decider,
 * append) -> produced to Kafka (the message timestamp: relay wake-up, read, state fold, send) -> applied
 * by the SDK (broker ack, fetch, apply); and the HTTP response time (append + read-model wait).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { cpus, hostname, loadavg } from 'node:os';
import { LocalConsentClient, type ConsentChange } from '@pl/sdk';
import { brokersFromEnv } from '@pl/messaging';
import { startTestApp } from '../test/support/app';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const N = Number(arg('withdrawals', '1000'));
const CONCURRENCY = Number(arg('concurrency', '4'));
const BACKGROUND = Number(arg('background', '4'));
const BACKEND = arg('backend', 'postgres') as 'postgres' | 'pglite';
const SECRET = 'test-pseudonym-secret-0123456789'; // the one test/support/app.ts configures
const C = 'user.contact.email';
const P = 'marketing.communications.email';

const body = (user: string) => ({
  user_id: user, data_categories: [C], processing_purposes: [P], consent_status: 'granted',
  consent_timestamp: new Date(Date.now() - 1000).toISOString(), legal_basis: 'consent', consent_version: 'v1',
});

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** The API appended the event but its read model did not catch up within its wait: the change is in the log. */
const recordedButLagging = (r: { status: number; body: any }) => r.status === 503 && r.body?.details?.projection === 'consent';

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

async function main(): Promise<void> {
  const brokers = brokersFromEnv();
  if (!brokers.length) throw new Error('set KAFKA_BROKERS (bash scripts/kafka/kafka-ci.sh start)');
  const t = await startTestApp({ backend: BACKEND, env: { KAFKA_BROKERS: brokers.join(',') } });
  const waiters = new Map<string, (c: ConsentChange) => void>();
  const sdk = new LocalConsentClient({
    brokers,
    pseudonymSecret: SECRET,
    onChange: (c) => {
      const w = waiters.get(c.subjectKey);
      if (w && !sdk.isAllowed(c.subjectKey, C, P)) w(c);
    },
  });
  const load0 = loadavg();
  try {
    const s0 = Date.now();
    await sdk.start();
    console.log(`sdk ready ${Date.now() - s0} ms after start() (start retries while the relay created its topics: ${sdk.status().startRetries})`);
    const run = Date.now();
    const users = Array.from({ length: N }, (_, i) => `bench-${run}-${i}@example.com`);
    const t0 = Date.now();
    await pool(users, 8, async (u) => {
      const r = await t.request('POST', '/consent/record', body(u));
      if (r.status !== 201 && !recordedButLagging(r)) throw new Error(`record failed: ${r.status} ${JSON.stringify(r.body)}`);
    });
    while (!users.every((u) => sdk.isAllowed(u, C, P))) await new Promise((r) => setTimeout(r, 50));
    console.log(`setup: ${N} consents recorded and visible in the SDK in ${Date.now() - t0} ms`);

    let background = 0;
    let stop = false;
    const bg = Array.from({ length: BACKGROUND }, async (_, k) => {
      let i = 0;
      while (!stop) {
        await t.request('POST', '/consent/record', body(`bg-${run}-${k}-${i++}@example.com`));
        background++;
      }
    });

    let lagging = 0;
    const latencies: number[] = [];
    const http: number[] = [];
    const afterResponse: number[] = [];
    const toRecorded: number[] = [];
    const toProduced: number[] = [];
    const toApplied: number[] = [];
    // API, worker, relay, SDK and the load clients share this one event loop (and, on PGlite, the database)
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const started = Date.now();
    await pool(users, CONCURRENCY, async (u) => {
      const key = sdk.subjectKeyOf(u);
      const enforced = new Promise<{ at: number; wall: number; change: ConsentChange }>((resolve) => waiters.set(key, (change) => resolve({ at: performance.now(), wall: Date.now(), change })));
      const sWall = Date.now();
      const s = performance.now();
      const r = await t.request('POST', '/consent/withdraw', { user_id: u, data_categories: [C] });
      const h = performance.now();
      if (r.status !== 200 && !recordedButLagging(r)) throw new Error(`withdraw failed: ${r.status}`);
      if (r.status !== 200) lagging++;
      const { at: e, wall, change } = await enforced;
      waiters.delete(key);
      if (sdk.isAllowed(u, C, P)) throw new Error('still allowed after enforcement');
      latencies.push(e - s);
      http.push(h - s);
      afterResponse.push(Math.max(0, e - h));
      const recorded = change.recordedAt ? Date.parse(change.recordedAt) : NaN;
      if (Number.isFinite(recorded) && change.producedAt !== null) {
        toRecorded.push(recorded - sWall);
        toProduced.push(change.producedAt - recorded);
        toApplied.push(wall - change.producedAt);
      }
    });
    const elapsed = (Date.now() - started) / 1000;
    loopDelay.disable();
    stop = true;
    await Promise.all(bg);
    const f = (x: number) => `${x.toFixed(0)} ms`;
    const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
    console.log(`${new Date().toISOString()}; host ${hostname()}, ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), node ${process.version}; load average before ${load(load0)}, after ${load(loadavg())}`);
    console.log(`backend ${BACKEND}; background: ${background} consent records in ${elapsed.toFixed(1)} s (${(background / elapsed).toFixed(0)}/s) by ${BACKGROUND} clients; ${CONCURRENCY} withdrawals in flight`);
    const ns = (x: number) => `${(x / 1e6).toFixed(0)} ms`;
    console.log(`event loop of this process during the withdrawals, interval between 10 ms timer ticks (10 ms = never blocked): p50 ${ns(loopDelay.percentile(50))}, p99 ${ns(loopDelay.percentile(99))}, max ${ns(loopDelay.max)}`);
    console.log(`withdrawals answered 503 "recorded, read model lagging" (read-your-writes wait > 5 s): ${lagging}`);
    const row = (name: string, xs: number[]) => console.log(`| ${name} | ${xs.length} | ${f(pct(xs, 50))} | ${f(pct(xs, 90))} | ${f(pct(xs, 95))} | ${f(pct(xs, 99))} | ${f(Math.max(...xs))} |`);
    console.log('| measure | n | p50 | p90 | p95 | p99 | max |');
    console.log('|---|---|---|---|---|---|---|');
    row('withdraw sent -> SDK local cache denies', latencies);
    row('HTTP response received -> SDK denies (0 = denied before the response arrived)', afterResponse);
    row('withdraw HTTP response time (same requests)', http);
    console.log('');
    console.log('stages (wall clock, ms resolution; the p99 of the stages do not add up to the p99 end to end)');
    console.log('| stage | n | p50 | p90 | p95 | p99 | max |');
    console.log('|---|---|---|---|---|---|---|');
    row('1. sent -> event recorded (HTTP in, auth, decider, append)', toRecorded);
    row('2. recorded -> produced to Kafka (relay wake-up, read, fold, send)', toProduced);
    row('3. produced -> applied by the SDK (ack, fetch, apply)', toApplied);
  } finally {
    await sdk.stop();
    await t.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
