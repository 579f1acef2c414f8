/**
 * Withdrawal-to-enforcement latency: from sending `POST /consent/withdraw` to the moment the SDK's
 * local cache (LocalConsentClient, fed by the compacted topic) denies, over N withdrawals, while
 * background clients keep recording consents for other subjects. API + worker (with the relay) run
 * in this process on PostgreSQL (a fresh database on DATABASE_URL) or PGlite; the broker is KAFKA_BROKERS.
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 bash bench/run.sh bench/propagation-latency.ts [--withdrawals 1000] [--concurrency 4] [--background 4] [--backend postgres|pglite] [--sdk in-process|thread]
 *
 * --sdk thread runs the SDK in a worker thread, with its own event loop, as a service's own process
 * would have (the default, in-process, shares the loop of the API, the worker and the load clients).
 *
 * Runs on a fresh broker too: the SDK's start() waits until the relay has created the topics and the
 * broker has elected their leaders. Besides the end-to-end figure it splits each withdrawal into stages
 * (wall clock, one machine): sent -> event recorded (the event's recorded_at: HTTP, auth, decider,
 * append) -> produced to Kafka (the message timestamp: relay wake-up, read, state fold, send) -> applied
 * by the SDK (broker ack, fetch, apply); and the HTTP response time (append + read-model wait).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { cpus, hostname, loadavg } from 'node:os';
import { LocalConsentClient, SubjectKeys, type ConsentChange } from '@pl/sdk';
import { brokersFromEnv } from '@pl/messaging';
import type { TestApp } from '../test/support/app';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const N = Number(arg('withdrawals', '1000'));
const CONCURRENCY = Number(arg('concurrency', '4'));
const BACKGROUND = Number(arg('background', '4'));
const BACKEND = arg('backend', 'postgres') as 'postgres' | 'pglite';
const SDK_MODE = arg('sdk', 'in-process') as 'in-process' | 'thread';
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
  const { startTestApp } = await import('../test/support/app');
  const t: TestApp = await startTestApp({ backend: BACKEND, env: { KAFKA_BROKERS: brokers.join(',') } });
  const sdk: Enforcer = SDK_MODE === 'thread' ? new ThreadEnforcer(brokers) : new InProcessEnforcer(brokers);
  const load0 = loadavg();
  try {
    const s0 = Date.now();
    const startRetries = await sdk.start();
    console.log(`sdk (${SDK_MODE}) ready ${Date.now() - s0} ms after start() (start retries while the relay created its topics: ${startRetries})`);
    const run = Date.now();
    const users = Array.from({ length: N }, (_, i) => `bench-${run}-${i}@example.com`);
    const t0 = Date.now();
    await pool(users, 8, async (u) => {
      const r = await t.request('POST', '/consent/record', body(u));
      if (r.status !== 201 && !recordedButLagging(r)) throw new Error(`record failed: ${r.status} ${JSON.stringify(r.body)}`);
    });
    await sdk.allAllowed(users.map((u) => sdk.subjectKeyOf(u)));
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
      const enforced = sdk.denied(sdk.subjectKeyOf(u));
      const s = clock();
      const r = await t.request('POST', '/consent/withdraw', { user_id: u, data_categories: [C] });
      const h = clock();
      if (r.status !== 200 && !recordedButLagging(r)) throw new Error(`withdraw failed: ${r.status}`);
      if (r.status !== 200) lagging++;
      const { at: e, recordedAt, producedAt } = await enforced;
      latencies.push(e - s);
      http.push(h - s);
      afterResponse.push(Math.max(0, e - h));
      const recorded = recordedAt ? Date.parse(recordedAt) : NaN;
      if (Number.isFinite(recorded) && producedAt !== null) {
        toRecorded.push(recorded - s);
        toProduced.push(producedAt - recorded);
        toApplied.push(e - producedAt);
      }
    });
    const elapsed = (Date.now() - started) / 1000;
    loopDelay.disable();
    stop = true;
    await Promise.all(bg);
    const f = (x: number) => `${x.toFixed(0)} ms`;
    const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
    console.log(`${new Date().toISOString()}; host ${hostname()}, ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), node ${process.version}; load average before ${load(load0)}, after ${load(loadavg())}`);
    console.log(`backend ${BACKEND}; SDK ${SDK_MODE}; background: ${background} consent records in ${elapsed.toFixed(1)} s (${(background / elapsed).toFixed(0)}/s) by ${BACKGROUND} clients; ${CONCURRENCY} withdrawals in flight`);
    const ns = (x: number) => `${(x / 1e6).toFixed(0)} ms`;
    console.log(`event loop of the main thread (API, worker, relay, load${SDK_MODE === 'in-process' ? ', SDK' : ''}) during the withdrawals, interval between 10 ms timer ticks (10 ms = never blocked): p50 ${ns(loopDelay.percentile(50))}, p99 ${ns(loopDelay.percentile(99))}, max ${ns(loopDelay.max)}`);
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

/** Wall clock with sub-millisecond resolution, comparable across threads (and with Date.parse of the same machine). */
const clock = () => performance.timeOrigin + performance.now();

interface Denial {
  /** `clock()` when the SDK applied the state that denies. */
  readonly at: number;
  readonly recordedAt: string | null;
  readonly producedAt: number | null;
}

/** The SDK side of the bench: in this thread, or in a worker thread with its own event loop. */
interface Enforcer {
  start(): Promise<number>;
  subjectKeyOf(user: string): string;
  allAllowed(keys: string[]): Promise<void>;
  /** Resolves when the SDK applies a state that denies (C, P) for this subject; call before the withdrawal. */
  denied(key: string): Promise<Denial>;
  stop(): Promise<void>;
}

class InProcessEnforcer implements Enforcer {
  private readonly waiters = new Map<string, (d: Denial) => void>();
  private readonly sdk: LocalConsentClient;

  constructor(brokers: string[]) {
    this.sdk = new LocalConsentClient({ brokers, pseudonymSecret: SECRET, onChange: (c) => this.onChange(c) });
  }

  private onChange(c: ConsentChange): void {
    const w = this.waiters.get(c.subjectKey);
    if (w && !this.sdk.isAllowed(c.subjectKey, C, P)) {
      this.waiters.delete(c.subjectKey);
      w({ at: clock(), recordedAt: c.recordedAt, producedAt: c.producedAt });
    }
  }

  async start(): Promise<number> {
    await this.sdk.start();
    return this.sdk.status().startRetries;
  }

  subjectKeyOf(user: string): string {
    return this.sdk.subjectKeyOf(user);
  }

  async allAllowed(keys: string[]): Promise<void> {
    while (!keys.every((k) => this.sdk.isAllowed(k, C, P))) await new Promise((r) => setTimeout(r, 50));
  }

  denied(key: string): Promise<Denial> {
    return new Promise((resolve) => this.waiters.set(key, resolve));
  }

  stop(): Promise<void> {
    return this.sdk.stop();
  }
}

type ToSdk = { type: 'start'; brokers: string[] } | { type: 'allAllowed'; keys: string[] } | { type: 'watch'; key: string } | { type: 'stop' };
type FromSdk = { type: 'started'; startRetries: number } | { type: 'allAllowed' } | ({ type: 'denied'; key: string } & Denial) | { type: 'stopped' } | { type: 'error'; message: string };

class ThreadEnforcer implements Enforcer {
  private readonly worker: Worker;
  private readonly keys = new SubjectKeys(SECRET);
  private readonly waiters = new Map<string, (d: Denial) => void>();
  private readonly once = new Map<string, () => void>();

  constructor(private readonly brokers: string[]) {
    this.worker = new Worker(`require(${JSON.stringify(`${__dirname}/swc-register.js`)}); require(${JSON.stringify(__filename)});`, { eval: true, argv: process.argv.slice(2) });
    this.worker.on('message', (m: FromSdk) => {
      if (m.type === 'denied') {
        const w = this.waiters.get(m.key);
        this.waiters.delete(m.key);
        w?.({ at: m.at, recordedAt: m.recordedAt, producedAt: m.producedAt });
      } else if (m.type === 'error') {
        console.error(`sdk thread: ${m.message}`);
        process.exit(1);
      } else {
        this.once.get(m.type)?.();
      }
    });
  }

  private ask(msg: ToSdk, reply: FromSdk['type']): Promise<FromSdk> {
    return new Promise((resolve) => {
      this.once.set(reply, () => resolve({ type: reply } as FromSdk));
      this.worker.postMessage(msg);
    });
  }

  async start(): Promise<number> {
    let retries = 0;
    await new Promise<void>((resolve) => {
      const on = (m: FromSdk) => {
        if (m.type === 'started') {
          retries = m.startRetries;
          this.worker.off('message', on);
          resolve();
        }
      };
      this.worker.on('message', on);
      this.worker.postMessage({ type: 'start', brokers: this.brokers } satisfies ToSdk);
    });
    return retries;
  }

  subjectKeyOf(user: string): string {
    return this.keys.of(user);
  }

  async allAllowed(keys: string[]): Promise<void> {
    await this.ask({ type: 'allAllowed', keys }, 'allAllowed');
  }

  denied(key: string): Promise<Denial> {
    const p = new Promise<Denial>((resolve) => this.waiters.set(key, resolve));
    this.worker.postMessage({ type: 'watch', key } satisfies ToSdk);
    return p;
  }

  async stop(): Promise<void> {
    await this.ask({ type: 'stop' }, 'stopped');
    await this.worker.terminate();
  }
}

/**
 * The worker thread: a LocalConsentClient that reports, for each watched subject, when it applied a
 * state that denies. A denial that arrives before its watch (the thread was busy) is kept and sent
 * when the watch comes: every subject is withdrawn once, so it cannot be an older one.
 */
function sdkThread(): void {
  const port = parentPort!;
  const post = (m: FromSdk) => port.postMessage(m);
  const watched = new Set<string>();
  const early = new Map<string, Denial>();
  let sdk: LocalConsentClient | null = null;
  let expectAllowed: Set<string> | null = null;
  port.on('message', async (m: ToSdk) => {
    try {
      if (m.type === 'start') {
        sdk = new LocalConsentClient({
          brokers: m.brokers,
          onChange: (c) => {
            if (!expectAllowed || sdk!.isAllowed(c.subjectKey, C, P)) return;
            const d: Denial = { at: clock(), recordedAt: c.recordedAt, producedAt: c.producedAt };
            if (watched.delete(c.subjectKey)) post({ type: 'denied', key: c.subjectKey, ...d });
            else if (expectAllowed.has(c.subjectKey) && !early.has(c.subjectKey)) early.set(c.subjectKey, d);
          },
        });
        await sdk.start();
        post({ type: 'started', startRetries: sdk.status().startRetries });
      } else if (m.type === 'allAllowed') {
        while (!m.keys.every((k) => sdk!.isAllowed(k, C, P))) await new Promise((r) => setTimeout(r, 50));
        expectAllowed = new Set(m.keys);
        post({ type: 'allAllowed' });
      } else if (m.type === 'watch') {
        const d = early.get(m.key);
        if (d) {
          early.delete(m.key);
          post({ type: 'denied', key: m.key, ...d });
        } else if (!sdk!.isAllowed(m.key, C, P)) {
          throw new Error('a watched subject was denied without a change being seen');
        } else {
          watched.add(m.key);
        }
      } else if (m.type === 'stop') {
        await sdk?.stop();
        post({ type: 'stopped' });
      }
    } catch (e) {
      post({ type: 'error', message: (e as Error).message });
    }
  });
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  sdkThread();
}
