/**
 * Consent validate benchmark over HTTP (autocannon on loopback), PostgreSQL read model, with N
 * subjects; the same data in Redis behind the KEYS+GET baseline; and the batch route.
 *
 *   bash bench/run.sh bench/consent-validate.ts [--subjects 10000,1000000] [--seconds 10] [--connections 32] [--batch 1000]
 *
 * The API runs in a child process (`apps/api/main.ts`, no worker), the baseline in another, autocannon
 * here. Subjects are bulk-loaded into rm_consent with INSERT ... SELECT over unnest() (pseudonyms are
 * computed here with the API's secret); validate reads only the read model, so no events are needed.
 * Also prints the API process's CPU time (user + system, from /proc on Linux) per validate request and
 * per batch call: steadier than the throughput on a shared machine, since the load generator runs on
 * the same cores. Prints a markdown table for docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { CHECKPOINT_SCHEMA, ensureProjectionSchema } from '@pl/application';
import { Pseudonymizer } from '@pl/crypto';
import { consentProjection } from '@pl/projections/consent';
import { createClient } from 'redis';
import { freshPostgres, type FreshDatabase } from '../test/support/databases';
import { CLK_TCK, cpuTicks } from './timing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');

const SECRET = 'bench-pseudonym-secret-0123456789abcdef';
const ADMIN = 'bench-admin-key-0123456789abcdef0123456789';
const CATEGORY = 'user.contact.email';
const PURPOSE = 'marketing.communications.email';
const REDIS_DB = 7;

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const SUBJECTS = arg('subjects', '10000,1000000').split(',').map(Number);
const SECONDS = Number(arg('seconds', '10'));
const CONNECTIONS = Number(arg('connections', '32'));
const BATCH = Number(arg('batch', '1000'));

const userId = (i: number) => `user-${i}`;

async function loadPostgres(fresh: FreshDatabase, n: number, pseudo: Pseudonymizer): Promise<number> {
  const started = Date.now();
  await fresh.db.exec(CHECKPOINT_SCHEMA);
  await ensureProjectionSchema(fresh.db, consentProjection);
  const chunk = 20_000;
  for (let from = 0; from < n; from += chunk) {
    const keys: string[] = [];
    const idx: number[] = [];
    for (let i = from; i < Math.min(n, from + chunk); i++) {
      keys.push(pseudo.subject(userId(i)));
      idx.push(i);
    }
    // 1 in 10 withdrawn, so the bench exercises both answers.
    await fresh.db.query(
      `INSERT INTO rm_consent.consent_subjects (subject_key, snapshot, last_tx, last_pos)
       SELECT k, jsonb_build_object(
           'schema', 1, 'subject_key', k,
           'grants', jsonb_build_object($3::text || '|' || $4::text, jsonb_build_object(
               'category', $3::text, 'purpose', $4::text, 'consent_id', 'c-' || i, 'status', CASE WHEN i % 10 = 0 THEN 'withdrawn' ELSE 'active' END,
               'legal_basis', 'consent', 'consent_version', 'v1', 'given_at', '2026-01-01T00:00:00.000Z', 'expires_at', '2027-12-01T00:00:00.000Z',
               'ended_at', CASE WHEN i % 10 = 0 THEN to_jsonb('2026-02-01T00:00:00.000Z'::text) ELSE 'null'::jsonb END)),
           'opt_outs', '[]'::jsonb, 'conflicts', '[]'::jsonb, 'restriction', 'null'::jsonb, 'objections', '[]'::jsonb,
           'events', 1, 'updated_at', '2026-01-01T00:00:00.000Z'), 0, i
         FROM unnest($1::text[], $2::int[]) AS t(k, i)`,
      [keys, idx, CATEGORY, PURPOSE],
    );
    await fresh.db.query(
      `INSERT INTO rm_consent.consent_grants (subject_key, category, purpose, consent_id, status, legal_basis, consent_version, given_at, expires_at, ended_at)
       SELECT k, $3, $4, 'c-' || i, CASE WHEN i % 10 = 0 THEN 'withdrawn' ELSE 'active' END, 'consent', 'v1', '2026-01-01T00:00:00Z', '2027-12-01T00:00:00Z',
              CASE WHEN i % 10 = 0 THEN '2026-02-01T00:00:00Z'::timestamptz END
         FROM unnest($1::text[], $2::int[]) AS t(k, i)`,
      [keys, idx, CATEGORY, PURPOSE],
    );
  }
  await fresh.db.exec('ANALYZE rm_consent.consent_subjects; ANALYZE rm_consent.consent_grants;');
  return (Date.now() - started) / 1000;
}

async function loadRedis(n: number): Promise<number> {
  const started = Date.now();
  const client = createClient({ database: REDIS_DB });
  await client.connect();
  await client.flushDb();
  const chunk = 5000;
  for (let from = 0; from < n; from += chunk) {
    const pairs: Record<string, string> = {};
    for (let i = from; i < Math.min(n, from + chunk); i++) {
      pairs[`consent:${userId(i)}:c-${i}`] = JSON.stringify({
        consent_id: `c-${i}`,
        data_category: CATEGORY,
        processing_purpose: PURPOSE,
        status: i % 10 === 0 ? 'withdrawn' : 'active',
        expires_at: '2027-12-01T00:00:00.000Z',
      });
    }
    await client.mSet(pairs);
  }
  await client.quit();
  return (Date.now() - started) / 1000;
}

function startChild(script: string, env: Record<string, string>, ready: (line: string) => boolean): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []), '--require', './bench/swc-register.js', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find(ready);
      if (line !== undefined) resolve({ child, line });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b) => (out += b.toString()));
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${out.slice(-2000)}`)));
  });
}

async function waitHttp(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(url, { headers });
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Requests answered in the run. */
  total: number;
}

/** CPU time (user + system) of a process so far, in ms; NaN where /proc is not there. */
const cpuMs = (pid: number | undefined): number => ((cpuTicks(pid) ?? NaN) * 1000) / CLK_TCK;

/** A run against the API child, with the child's CPU time per answered request (ms). */
async function cannonCpu(pid: number | undefined, opts: Record<string, unknown>): Promise<Run & { cpuMsPerRequest: number }> {
  const before = cpuMs(pid);
  const run = await cannon(opts);
  return { ...run, cpuMsPerRequest: (cpuMs(pid) - before) / run.total };
}

function cannon(opts: Record<string, unknown>): Promise<Run> {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: SECONDS, pipelining: 1, ...opts }, (err: Error | null, r: any) => {
      if (err) return reject(err);
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, total: r.requests.total });
    });
  });
}

const validatePath = (n: number) => () => {
  const i = Math.floor(Math.random() * n);
  return `/consent/validate?user_id=${userId(i)}&data_category=${CATEGORY}&processing_purpose=${PURPOSE}`;
};

async function correctness(api: string, baseline: string, n: number): Promise<void> {
  for (const i of [1, 10, n - 1]) {
    const path = `/consent/validate?user_id=${userId(i)}&data_category=${CATEGORY}&processing_purpose=${PURPOSE}`;
    const a = (await (await fetch(api + path, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as any;
    const b = (await (await fetch(baseline + path)).json()) as any;
    const expected = i % 10 !== 0;
    if (a.processing_allowed !== expected || b.processing_allowed !== expected) throw new Error(`wrong answer for ${userId(i)}: api ${JSON.stringify(a)} baseline ${JSON.stringify(b)}`);
  }
}

/** One request at a time: the latency of a single call without queueing (Redis runs KEYS one at a time anyway). */
async function sequentialMs(url: string, n: number, headers: Record<string, string> = {}, count = 7): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < count; k++) {
    const t0 = performance.now();
    await (await fetch(url + validatePath(n)(), { headers })).text();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const pseudo = new Pseudonymizer(SECRET);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB; ${SECONDS}s per run, ${CONNECTIONS} connections`);
  for (const n of SUBJECTS) {
    const fresh = await freshPostgres('pl_bench');
    const children: ChildProcess[] = [];
    try {
      const pgLoad = await loadPostgres(fresh, n, pseudo);
      const redisLoad = await loadRedis(n);
      console.log(`n=${n}: loaded PostgreSQL in ${pgLoad.toFixed(1)} s, Redis in ${redisLoad.toFixed(1)} s`);
      const apiPort = String(40000 + Math.floor(Math.random() * 10000));
      const { child: api } = await startChild(
        'apps/api/main.ts',
        { DATABASE_URL: fresh.url!, EVENT_STORE: 'postgres', PORT: apiPort, ADMIN_API_KEY: ADMIN, PSEUDONYM_SECRET: SECRET, MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'info' },
        (l) => l.includes('listening'),
      );
      children.push(api);
      const apiUrl = `http://127.0.0.1:${apiPort}`;
      await waitHttp(`${apiUrl}/health/live`);
      const { child: base, line } = await startChild('bench/consent-redis-baseline.ts', { PORT: '0', REDIS_DB: String(REDIS_DB) }, (l) => l.startsWith('LISTENING'));
      children.push(base);
      const baseUrl = `http://127.0.0.1:${line.split(' ')[1]}`;
      await correctness(apiUrl, baseUrl, n);

      const auth = { authorization: `Bearer ${ADMIN}` };
      await cannon({ url: apiUrl, duration: 2, headers: auth, requests: [{ method: 'GET', setupRequest: (r: any) => ({ ...r, path: validatePath(n)() }) }] });
      console.log(`n=${n} load average before the runs: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other sessions share the 2 cores)`);
      const v = await cannonCpu(api.pid, { url: apiUrl, headers: auth, requests: [{ method: 'GET', setupRequest: (r: any) => ({ ...r, path: validatePath(n)() }) }] });
      console.log(`n=${n} validate (API, PostgreSQL): ${v.rps.toFixed(0)} req/s p50 ${v.p50} ms p99 ${v.p99} ms errors ${v.errors} non2xx ${v.non2xx}; API CPU ${(v.cpuMsPerRequest * 1000).toFixed(0)} µs per request`);
      const fixed = await cannon({ url: apiUrl, headers: auth, overallRate: 5000, requests: [{ method: 'GET', setupRequest: (x: any) => ({ ...x, path: validatePath(n)() }) }] });
      console.log(`n=${n} validate (API) at a fixed 5,000 req/s offered: ${fixed.rps.toFixed(0)} req/s p50 ${fixed.p50} ms p99 ${fixed.p99} ms errors ${fixed.errors}`);
      // KEYS is O(keys in the database): give the baseline time to answer rather than count timeouts
      const r = await cannon({ url: baseUrl, timeout: 120, requests: [{ method: 'GET', setupRequest: (x: any) => ({ ...x, path: validatePath(n)() }) }] });
      console.log(`n=${n} validate (Redis KEYS+GET baseline): ${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms errors ${r.errors} non2xx ${r.non2xx}`);
      const batchBody = () =>
        JSON.stringify({
          checks: Array.from({ length: BATCH }, () => ({ user_id: userId(Math.floor(Math.random() * n)), data_category: CATEGORY, processing_purpose: PURPOSE })),
        });
      const b = await cannonCpu(api.pid, {
        url: apiUrl,
        connections: Math.max(2, Math.floor(CONNECTIONS / 8)),
        headers: { ...auth, 'content-type': 'application/json' },
        requests: [{ method: 'POST', path: '/consent/validate/batch', setupRequest: (x: any) => ({ ...x, body: batchBody() }) }],
      });
      const checks = b.rps * BATCH;
      const seqApi = await sequentialMs(apiUrl, n, auth);
      const seqBase = await sequentialMs(baseUrl, n);
      console.log(`n=${n} one request at a time (median of 7): API ${seqApi.toFixed(2)} ms, Redis baseline ${seqBase.toFixed(2)} ms (${(seqBase / seqApi).toFixed(1)}x)`);
      console.log(`n=${n} batch (${BATCH} checks/call): ${b.rps.toFixed(1)} calls/s = ${checks.toFixed(0)} checks/s p50 ${b.p50} ms p99 ${b.p99} ms errors ${b.errors} non2xx ${b.non2xx}; API CPU ${b.cpuMsPerRequest.toFixed(2)} ms per call`);
      rows.push(
        `| ${n.toLocaleString('en')} | ${v.rps.toFixed(0)} | ${v.p50} | ${v.p99} | ${fixed.rps.toFixed(0)} / ${fixed.p99} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.rps > 0 ? (v.rps / r.rps).toFixed(1) + 'x' : 'no answer in the run'} | ${seqApi.toFixed(1)} / ${seqBase.toFixed(1)} | ${checks.toFixed(0)} (p99 ${b.p99} ms/call) | ${(v.cpuMsPerRequest * 1000).toFixed(0)} / ${b.cpuMsPerRequest.toFixed(2)} | ${v.errors + v.non2xx + b.errors + b.non2xx} |`,
      );
    } finally {
      for (const c of children) c.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      await fresh.drop();
      const client = createClient({ database: REDIS_DB });
      await client.connect();
      await client.flushDb();
      await client.quit();
    }
  }
  console.log('\n| subjects | API validate req/s | p50 ms | p99 ms | at 5,000/s offered: req/s / p99 ms | Redis baseline req/s | p50 ms | p99 ms | API / baseline (throughput) | one call alone: API / Redis ms | batch checks/s | API CPU: µs per validate / ms per batch call | errors |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
