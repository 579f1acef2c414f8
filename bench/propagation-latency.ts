/**
 * Withdrawal-to-enforcement latency: from sending `POST /consent/withdraw` to the moment the SDK's
 * local cache (LocalConsentClient, fed by the compacted topic) denies, over N withdrawals, while
 * background clients keep recording consents for other subjects. API + worker (with the relay) run
 * in this process on PostgreSQL (a fresh database on DATABASE_URL) or PGlite; the broker is KAFKA_BROKERS.
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 bash bench/run.sh bench/propagation-latency.ts [--withdrawals 1000] [--concurrency 4] [--background 4] [--backend postgres|pglite]
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { LocalConsentClient } from '@pl/sdk';
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
  const waiters = new Map<string, () => void>();
  const sdk = new LocalConsentClient({
    brokers,
    pseudonymSecret: SECRET,
    onChange: (c) => {
      const w = waiters.get(c.subjectKey);
      if (w && !sdk.isAllowed(c.subjectKey, C, P)) w();
    },
  });
  try {
    await sdk.start();
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
    const started = Date.now();
    await pool(users, CONCURRENCY, async (u) => {
      const key = sdk.subjectKeyOf(u);
      const enforced = new Promise<number>((resolve) => waiters.set(key, () => resolve(performance.now())));
      const s = performance.now();
      const r = await t.request('POST', '/consent/withdraw', { user_id: u, data_categories: [C] });
      const h = performance.now();
      if (r.status !== 200 && !recordedButLagging(r)) throw new Error(`withdraw failed: ${r.status}`);
      if (r.status !== 200) lagging++;
      const e = await enforced;
      waiters.delete(key);
      if (sdk.isAllowed(u, C, P)) throw new Error('still allowed after enforcement');
      latencies.push(e - s);
      http.push(h - s);
      afterResponse.push(Math.max(0, e - h));
    });
    const elapsed = (Date.now() - started) / 1000;
    stop = true;
    await Promise.all(bg);
    const f = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`backend ${BACKEND}; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}; background: ${background} consent records in ${elapsed.toFixed(1)} s (${(background / elapsed).toFixed(0)}/s) by ${BACKGROUND} clients; ${CONCURRENCY} withdrawals in flight`);
    console.log(`withdrawals answered 503 "recorded, read model lagging" (read-your-writes wait > 5 s): ${lagging}`);
    console.log('| measure | n | p50 | p90 | p99 | max |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| withdraw sent -> SDK local cache denies | ${latencies.length} | ${f(pct(latencies, 50))} | ${f(pct(latencies, 90))} | ${f(pct(latencies, 99))} | ${f(Math.max(...latencies))} |`);
    console.log(`| HTTP response received -> SDK denies (0 = denied before the response arrived) | ${afterResponse.length} | ${f(pct(afterResponse, 50))} | ${f(pct(afterResponse, 90))} | ${f(pct(afterResponse, 99))} | ${f(Math.max(...afterResponse))} |`);
    console.log(`| withdraw HTTP response time (same requests) | ${http.length} | ${f(pct(http, 50))} | ${f(pct(http, 90))} | ${f(pct(http, 99))} | ${f(Math.max(...http))} |`);
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
