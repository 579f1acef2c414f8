/**
 * The console's query routes over rm_rights at 100,000 requests (issue 19): the 11 CCR § 7102
 * metrics of a year (GET /data-subject/requests/metrics/ccpa: the grouped read and the rule) and the
 * request queue's pages (GET /data-subject/requests: first page, a filtered page, a page 20 cursors in).
 * Requests are seeded with one INSERT ... SELECT into the read model (the rights projection's own
 * schema and indexes), 90% CCPA spread over 2025 with mixed outcomes. PostgreSQL (a fresh database) and PGlite.
 *
 *   bash bench/run.sh bench/console-queries.ts [--backend postgres|pglite|all] [--requests 100000] [--runs 30]
 *
 * Prints one line per figure and a markdown table (copy it into docs/benchmarks.md).
 */
import { loadavg } from 'node:os';
import { CHECKPOINT_SCHEMA, ensureProjectionSchema } from '@pl/application';
import { ccpaMetricsTimezone, ccpaRequestMetrics } from '@pl/domain/law/ccpa-metrics';
import { listRequests, requestMetricsGroups, rightsProjection } from '@pl/projections/rights';
import { freshPglite, freshPostgres, type FreshDatabase } from '../test/support/databases';
import { arg, backendsArg, machineLine, timed } from './timing';

const backends = backendsArg();
const total = Number(arg('requests', '100000'));
const runs = Number(arg('runs', '30'));

const SEED = `
INSERT INTO rm_rights.requests (request_id, subject_key, request_type, jurisdiction, channel, status, received_at, due_at, verification_required, verified, closed_at, state, updated_at, last_tx, last_pos)
SELECT 'req-' || lpad(i::text, 7, '0'), 'sub_' || lpad(i::text, 32, '0'),
  (ARRAY['access', 'erasure', 'rectification', 'opt_out_sale_sharing', 'limit_sensitive_pi'])[1 + i % 5],
  CASE WHEN i % 10 = 3 THEN 'GDPR' ELSE 'CCPA' END, 'api',
  (ARRAY['completed', 'partially_completed', 'rejected', 'received', 'verified', 'in_progress', 'completed'])[1 + (i / 7) % 7],
  r, r + interval '45 days', true, true,
  CASE WHEN (i / 7) % 7 IN (0, 1, 2, 6) THEN r + ((i % 44) || ' days')::interval END,
  '{}'::jsonb, r, i, 0
FROM generate_series(1, $1::int) AS i, LATERAL (SELECT timestamptz '2025-01-01 08:00:00+00' + (i % 365) * interval '1 day' + (i % 86400) * interval '1 second' AS r) t`;

async function main() {
  const rows: string[] = [];
  console.log(machineLine());
  for (const b of backends) {
    const fresh: FreshDatabase = b === 'postgres' ? await freshPostgres('pl_bench_console') : await freshPglite();
    try {
      await fresh.db.exec(CHECKPOINT_SCHEMA);
      await ensureProjectionSchema(fresh.db, rightsProjection);
      const t0 = Date.now();
      await fresh.db.query(SEED, [total]);
      await fresh.db.exec('ANALYZE rm_rights.requests');
      console.log(`${b}: seeded ${total} requests in ${Date.now() - t0} ms`);
      const now = new Date('2026-01-15T00:00:00Z');
      const tz = ccpaMetricsTimezone();
      const check = ccpaRequestMetrics(2025, tz, await requestMetricsGroups(fresh.db, 'CCPA', 2025, tz));
      console.log(`${b}: 2025 CCPA received ${check.rows.reduce((s, r) => s + r.received, 0)}, know median ${check.rows[0].median_days} days`);
      let after: { due_at: string; request_id: string } | undefined;
      for (let p = 0; p < 20; p++) {
        const page = await listRequests(fresh.db, { now, limit: 50, after: after && { dueAt: after.due_at, requestId: after.request_id } });
        after = page[page.length - 1];
      }
      const figures: Array<[string, () => Promise<unknown>]> = [
        ['§ 7102 metrics of 2025 (grouped read + rule)', async () => ccpaRequestMetrics(2025, tz, await requestMetricsGroups(fresh.db, 'CCPA', 2025, tz))],
        ['queue, first page of 50 by due date', () => listRequests(fresh.db, { now, limit: 50 })],
        ['queue, 50 open CCPA access requests', () => listRequests(fresh.db, { now, limit: 50, open: true, requestType: 'access', jurisdiction: 'CCPA' })],
        ['queue, the page after 20 pages of 50', () => listRequests(fresh.db, { now, limit: 50, after: { dueAt: after!.due_at, requestId: after!.request_id } })],
      ];
      for (const [name, fn] of figures) {
        const t = await timed(runs, fn);
        console.log(`${b}: ${name}: median ${t.median.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms`);
        rows.push(`| ${b} | ${name} | ${t.median.toFixed(1)} | ${t.p95.toFixed(1)} |`);
      }
    } finally {
      await fresh.drop();
    }
  }
  console.log(`\n| backend | query (${total.toLocaleString('en')} requests, ${runs} runs) | median ms | p95 ms |\n|---|---|---|---|\n${rows.join('\n')}`);
  console.log(`# load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
