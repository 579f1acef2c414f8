/**
 * The console's performance (issue 19): with 100,000 requests over 1,000,000 subjects (and consent
 * for every subject), the time each screen's data takes to arrive over HTTP, the first screen's time
 * to usable in Chromium, and the size of the shipped JavaScript.
 *
 *   bash bench/run.sh bench/console-queries.ts [--backend postgres|pglite|all] [--requests 100000]
 *     [--subjects 1000000] [--runs 30] [--browser-runs 10] [--port 20310]
 *
 * Data: the read models are seeded in bulk, not through HTTP one request at a time. Requests: one
 * INSERT ... SELECT into rm_rights (the rights projection's own schema, indexes and the trigger that
 * keeps the § 7102 counts in request_metrics), 90% CCPA spread
 * over 2025 with mixed outcomes, their subjects spread over the 1,000,000. Consent: 20 subjects record
 * a consent through the API (POST /consent/record), the consent projection applies the log, and its
 * snapshot and grant rows are copied to the other subjects, so rm_consent holds 1,000,000 subjects.
 * The API is then started on that database (no worker: nothing in the log behind the seeded rows)
 * with the console built by Vite, signed in with a console session (cookie) as the console is.
 *
 * Each route the screens call is timed over HTTP (`--runs` sequential GETs after one warm-up; median
 * and p95). The first screen: a fresh Chromium context (cold cache) with a signed-in session opens
 * /console/ and waits for Today's request numbers; time to usable = performance.now() then
 * (navigation start = 0), `--browser-runs` times. Bundle: gzipped sum of the built scripts.
 * Prints one line per figure and a markdown table (copy it into docs/benchmarks.md).
 */
import { readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_SCHEMA, ensureProjectionSchema } from '@pl/application';
import { SqlEventStore } from '@pl/eventstore';
import { ccpaMetricsTimezone } from '@pl/domain/law/ccpa-metrics';
import { consentProjection } from '@pl/projections/consent';
import { requestMetricsGroups, requestMetricsGroupsScanned } from '@pl/projections/rights';
import { loadConfig } from '../apps/common/config';
import { createInfrastructure } from '../apps/common/infrastructure';
import { createLogger } from '../apps/common/logger';
import { createApiApp } from '../apps/api/src/bootstrap';
import { PROJECTIONS } from '../apps/worker/src/registry';
import { buildConsole, launchChromium } from '../test/support/browser';
import { consentRecordBody } from '../test/support/consent-body';
import { freshPglite, freshPostgres, type FreshDatabase } from '../test/support/databases';
import { projectWholeLog } from '../test/support/project-log';
import { arg, backendsArg, machineLine, timed } from './timing';

const backends = backendsArg();
const total = Number(arg('requests', '100000'));
const subjects = Number(arg('subjects', '1000000'));
const runs = Number(arg('runs', '30'));
const browserRuns = Number(arg('browser-runs', '10'));
const port = Number(arg('port', '20310'));
const TARGET_MS = 300;
const FIRST_SCREEN_TARGET_MS = 1500;
const BUNDLE_TARGET = 350 * 1024;

const subjectKey = (n: string) => `'sub_' || lpad((${n})::text, 32, '0')`;
const SEED_REQUESTS = `
INSERT INTO rm_rights.requests (request_id, subject_key, request_type, jurisdiction, channel, status, received_at, due_at, verification_required, verified, closed_at, state, updated_at, last_tx, last_pos)
SELECT '00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), ${subjectKey('(i::bigint * 7919) % $2::int')},
  (ARRAY['access', 'erasure', 'rectification', 'opt_out_sale_sharing', 'limit_sensitive_pi'])[1 + i % 5],
  CASE WHEN i % 10 = 3 THEN 'GDPR' ELSE 'CCPA' END, 'api',
  (ARRAY['completed', 'partially_completed', 'rejected', 'received', 'verified', 'in_progress', 'completed'])[1 + (i / 7) % 7],
  r, r + interval '45 days', true, true,
  CASE WHEN (i / 7) % 7 IN (0, 1, 2, 6) THEN r + ((i % 44) || ' days')::interval END,
  '{}'::jsonb, r, i, 0
FROM generate_series(1, $1::int) AS i, LATERAL (SELECT timestamptz '2025-01-01 08:00:00+00' + (i % 365) * interval '1 day' + (i % 86400) * interval '1 second' AS r) t`;
// The recorded subjects' rows as templates for the others (rm_consent: one snapshot per subject, one row per grant).
const SEED_CONSENT_SUBJECTS = `
INSERT INTO rm_consent.consent_subjects (subject_key, snapshot, last_tx, last_pos)
SELECT ${subjectKey('i')}, t.snapshot, t.last_tx, t.last_pos
FROM generate_series(1, $1::int) AS i, (SELECT snapshot, last_tx, last_pos FROM rm_consent.consent_subjects LIMIT 1) t`;
const SEED_CONSENT_GRANTS = `
INSERT INTO rm_consent.consent_grants (subject_key, category, purpose, consent_id, status, legal_basis, consent_version, given_at, expires_at, ended_at)
SELECT ${subjectKey('i')}, g.category, g.purpose, 'bench-' || i, g.status, g.legal_basis, g.consent_version, g.given_at, g.expires_at, g.ended_at
FROM generate_series(1, $1::int) AS i, (SELECT * FROM rm_consent.consent_grants LIMIT 1) g`;

/** requestMetricsGroups' SQL before issue 19's fix: make_timestamptz (stable) in the WHERE clause, evaluated for every row. */
const METRICS_BEFORE = `SELECT request_type, status, ((closed_at AT TIME ZONE $3)::date - (received_at AT TIME ZONE $3)::date) AS days, count(*)::int AS n
  FROM rm_rights.requests
  WHERE jurisdiction = $4 AND received_at >= make_timestamptz($1, 1, 1, 0, 0, 0, $3) AND received_at < make_timestamptz($2, 1, 1, 0, 0, 0, $3)
  GROUP BY 1, 2, 3`;

/** The gzipped size of every script the console ships (the .gz Vite's build writes beside each). */
function bundleGzipBytes(dir: string): { files: number; gzip: number } {
  const assets = join(dir, 'assets');
  const gz = readdirSync(assets).filter((f) => f.endsWith('.js.gz'));
  return { files: gz.length, gzip: gz.reduce((s, f) => s + statSync(join(assets, f)).size, 0) };
}

async function main() {
  const rows: string[] = [];
  const figure = (b: string, screen: string, what: string, t: { median: number; p95: number }, target = TARGET_MS) => {
    const verdict = t.p95 < target ? 'under' : 'OVER';
    console.log(`${b}: ${screen}: ${what}: median ${t.median.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms (${verdict} ${target} ms)`);
    rows.push(`| ${b} | ${screen} | ${what} | ${t.median.toFixed(1)} | ${t.p95.toFixed(1)} | ${verdict} |`);
  };
  console.log(machineLine());
  const built = buildConsole();
  const bundle = bundleGzipBytes(built.dir);
  console.log(`bundle: ${bundle.files} scripts, ${bundle.gzip.toLocaleString('en')} bytes gzipped (${bundle.gzip < BUNDLE_TARGET ? 'under' : 'OVER'} 350 KB)`);
  try {
    for (const b of backends) {
      const fresh: FreshDatabase = b === 'postgres' ? await freshPostgres('pl_bench_console') : await freshPglite();
      const config = loadConfig({
        DATA_DIR: '/tmp/privacy-ledger-bench-console',
        MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
        PSEUDONYM_SECRET: 'bench-pseudonym-secret-0123456789',
        PORT: String(port),
        CONSOLE_DIR: built.dir,
        ...(fresh.url ? { DATABASE_URL: fresh.url } : {}),
      });
      const refuseDns = async (): Promise<never> => {
        throw Object.assign(new Error('the bench resolves no host names'), { code: 'ENOTFOUND' });
      };
      const infra = await createInfrastructure(config, { db: fresh.db, resolve: refuseDns, readYourWrites: false });
      const { app, apiKeys } = await createApiApp(infra, { logger: createLogger('silent'), worker: null });
      try {
        await fresh.db.exec(CHECKPOINT_SCHEMA);
        for (const p of PROJECTIONS) await ensureProjectionSchema(fresh.db, p);
        await app.listen({ port, host: '127.0.0.1' });
        const url = `http://127.0.0.1:${port}`;
        const { key } = await apiKeys.create('bench console', ['admin']);

        // consent: 20 subjects through the API and the projection, copied to the rest
        const users = Array.from({ length: 20 }, (_, i) => `bench-user-${i}`);
        for (const u of users) {
          const res = await fetch(`${url}/consent/record`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(consentRecordBody(u)) });
          if (res.status !== 201) throw new Error(`POST /consent/record answered ${res.status}: ${await res.text()}`);
        }
        await projectWholeLog(fresh.db, new SqlEventStore(fresh.db), consentProjection);
        const t0 = Date.now();
        await fresh.db.query(SEED_CONSENT_SUBJECTS, [subjects - users.length]);
        await fresh.db.query(SEED_CONSENT_GRANTS, [subjects - users.length]);
        console.log(`${b}: seeded ${subjects.toLocaleString('en')} consent subjects in ${Date.now() - t0} ms`);
        const t1 = Date.now();
        await fresh.db.query(SEED_REQUESTS, [total, subjects]);
        for (const table of ['rm_rights.requests', 'rm_consent.consent_subjects', 'rm_consent.consent_grants']) await fresh.db.exec(`VACUUM ANALYZE ${table}`);
        console.log(`${b}: seeded ${total.toLocaleString('en')} requests over ${subjects.toLocaleString('en')} subjects in ${Date.now() - t1} ms`);

        // a console session, as the browser has it
        const signIn = await fetch(`${url}/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: key }) });
        if (signIn.status !== 201 && signIn.status !== 200) throw new Error(`sign-in answered ${signIn.status}`);
        const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
        const get = async (path: string): Promise<unknown> => {
          const res = await fetch(`${url}${path}`, { headers: { cookie, accept: 'application/json' } });
          const text = await res.text();
          if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 200)}`);
          return text;
        };
        const page = async (q: string) => JSON.parse((await get(`/data-subject/requests?${q}`)) as string) as { requests: Array<{ request_id: string }>; next: string | null };
        let next: string | null = null;
        for (let p = 0; p < 20; p++) next = (await page(`limit=50${next ? `&after=${encodeURIComponent(next)}` : ''}`)).next;
        const one = (await page('limit=1&open=true')).requests[0].request_id;
        const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
        const routes: Array<[string, string, string]> = [
          ['Today', 'session', '/auth/session'],
          ['Today', 'request counts', '/data-subject/requests/counts'],
          ['Today', 'open breaches', '/breaches?status=open&limit=100'],
          ['Today', 'health', '/health'],
          ['Requests', 'first page of 50 by due date', '/data-subject/requests?limit=50'],
          ['Requests', 'open CCPA access requests', '/data-subject/requests?request_type=access&jurisdiction=CCPA&open=true&limit=50'],
          ['Requests', 'overdue', '/data-subject/requests?overdue=true&limit=50'],
          ['Requests', 'due soon', '/data-subject/requests?due_soon=true&limit=50'],
          ['Requests', 'the page after 20 pages of 50', `/data-subject/requests?limit=50&after=${encodeURIComponent(next!)}`],
          ['Request page', 'the request', `/data-subject/requests/${one}`],
          ['Request page', 'its timeline', `/data-subject/requests/${one}/timeline`],
          ['Consent', '§ 7102 metrics of 2025', '/data-subject/requests/metrics/ccpa?year=2025'],
          ['Consent', '§ 7102 metrics of 2025, CSV', '/data-subject/requests/metrics/ccpa?year=2025&format=csv'],
          ['Consent', "a subject's consent", `/consent/${users[7]}`],
          ['Consent', 'declared bases', '/consent/declared-bases'],
          ['Consent', 'counts per day over 30 days', `/consent/metrics?from=${day(-29)}&to=${day(0)}&bucket=day`],
          ['Consent', 'conflicts between signals', '/consent/conflicts?limit=50'],
          ['Data map', 'the map', '/catalog/map'],
          ['RoPA', 'controller view', '/governance/ropa?view=controller'],
          ['RoPA', 'processor view', '/governance/ropa?view=processor'],
          ['Breaches', 'register', '/breaches?limit=50'],
          ['Audit', 'chain head', '/audit/head'],
          ['Audit', 'public key', '/audit/public-key'],
        ];
        for (const [screen, what, path] of routes) {
          await get(path); // warm-up
          figure(b, screen, `GET ${path.replace(one, '{id}').replace(users[7], '{user_id}').replace(/after=[^&]+/, 'after=…')} (${what})`, await timed(runs, () => get(path)));
        }
        // the § 7102 read alone (no HTTP): the kept counts, the requests grouped, and the grouping as it was before
        const tz = ccpaMetricsTimezone();
        figure(b, 'Consent', '§ 7102 read: kept counts (request_metrics), no HTTP', await timed(runs, () => requestMetricsGroups(fresh.db, 'CCPA', 2025, tz)));
        figure(b, 'Consent', '§ 7102 read: requests grouped, bounds computed once, no HTTP', await timed(runs, () => requestMetricsGroupsScanned(fresh.db, 'CCPA', 2025, tz)));
        figure(b, 'Consent', '§ 7102 read: requests grouped as before (bounds per row), no HTTP', await timed(runs, () => fresh.db.query(METRICS_BEFORE, [2025, 2026, tz, 'CCPA'])));

        // the first screen in Chromium: navigation start to Today's numbers, cold cache each time
        const browser = await launchChromium();
        try {
          const ms: number[] = [];
          for (let i = 0; i < browserRuns + 1; i++) {
            const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
            const res = await context.request.post(`${url}/auth/session`, { data: { api_key: key } });
            if (!res.ok()) throw new Error(`browser sign-in answered ${res.status()}`);
            const tab = await context.newPage();
            await tab.goto(`${url}/console/`, { waitUntil: 'commit' });
            await tab.getByTestId('open').waitFor({ state: 'visible' });
            const usable = await tab.evaluate(() => performance.now());
            if (i > 0) ms.push(usable); // the first run also starts Chromium's own caches of the process
            await context.close();
          }
          ms.sort((x, y) => x - y);
          figure(b, 'First screen', 'Today usable in Chromium (navigation start to the request numbers)', { median: ms[Math.floor(ms.length / 2)], p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)] }, FIRST_SCREEN_TARGET_MS);
        } finally {
          await browser.close();
        }
      } finally {
        await app.close();
        await infra.close();
        await fresh.drop();
      }
    }
  } finally {
    built.remove();
  }
  console.log(`\n| backend | screen | route (${total.toLocaleString('en')} requests, ${subjects.toLocaleString('en')} subjects; ${runs} runs, browser ${browserRuns}) | median ms | p95 ms | target |\n|---|---|---|---|---|---|\n${rows.join('\n')}`);
  console.log(`bundle: ${bundle.gzip.toLocaleString('en')} bytes gzipped in ${bundle.files} scripts`);
  console.log(`# load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
