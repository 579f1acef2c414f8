/**
 * Catalog answers "as of" a date (issue 14, leftover): `GET /governance/ropa?as_of=` and the scoping
 * of rights and breaches fold the catalog's events from the log on each call (projections/catalog
 * from-log.ts), where the current answer reads the read model. How long does that take as the log
 * grows with events of other contexts?
 *
 *   bash bench/run.sh bench/catalog-as-of.ts [--backend postgres|pglite] [--logs 0,100000,1000000] [--calls 20]
 *
 * A fresh database; through the API: 40 systems, 80 activities (each on 2 systems, then updated
 * twice) and 40 flows (~320 catalog events). Then, for each log size, filler events of another
 * type are bulk-inserted (INSERT ... SELECT over generate_series: rows that a type-filtered read must
 * pass over) and the RoPA is asked `--calls` times as of now and without `as_of` (read model).
 * Before measuring, the two answers are checked equal. Prints a markdown table (docs/benchmarks.md).
 * Also the console's Data map (`GET /catalog/map`, the whole graph: 40 systems, 80 activities, 40
 * flows, then 40 more flows to recipients abroad) now and as of before those 40, in a second table.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { readCheckpoint, waitForCheckpoint } from '@pl/application';
import { CATALOG_PROJECTION, catalogFromHistory, catalogFromLog } from '@pl/projections/catalog';
import { startTestApp } from '../test/support/app';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const BACKEND = arg('backend', 'postgres') as 'postgres' | 'pglite';
const LOGS = arg('logs', '0,100000,1000000').split(',').map(Number);
const CALLS = Number(arg('calls', '20'));

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  console.log(`${new Date().toISOString()}; ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB; backend ${BACKEND}`);
  const t = await startTestApp({ backend: BACKEND });
  try {
    const ok = async (method: string, path: string, body?: unknown) => {
      const r = await t.request(method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    for (let i = 0; i < 40; i++) await ok('POST', '/governance/systems', { system_id: `sys-${i}`, name: `System ${i}`, owner: 'ops', storage: [{ country: 'DE' }], recipients: [] });
    const activity = (i: number, retention: string) => ({
      activity_id: `act-${i}`, name: `Activity ${i}`, controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
      purposes: [{ purpose: 'essential.service.fulfilment', lawful_basis: 'contract' }],
      subject_categories: ['customer'], data_categories: ['user.contact', 'user.financial.transaction'], systems: [`sys-${i % 40}`, `sys-${(i + 1) % 40}`],
      recipients: [], transfers: [], retention: [{ period: retention, reason: 'customer relationship' }],
    });
    for (let i = 0; i < 80; i++) await ok('POST', '/governance/activities', activity(i, 'P1Y'));
    for (let i = 0; i < 80; i++) for (const r of ['P2Y', 'P3Y']) await ok('PUT', `/governance/activities/act-${i}`, activity(i, r));
    for (let i = 0; i < 40; i++) await ok('POST', '/governance/flows', { flow_id: `flow-${i}`, source_system: `sys-${i}`, target_system: `sys-${(i + 1) % 40}`, categories: ['user.contact'], destination_country: 'DE' });
    const db = t.database.db;
    const mapPast = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 40; i++) await ok('POST', '/governance/flows', { flow_id: `abroad-${i}`, source_system: `sys-${i}`, recipient: { name: `Vendor ${i % 7}`, role: 'processor' }, categories: ['user.contact'], destination_country: i % 2 ? 'US' : 'IN', mechanism: i % 3 ? { type: 'scc', scc_module: 'C2P' } : undefined });
    const mapRows: string[] = [];
    const catalogEvents = Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM es_events WHERE type LIKE 'catalog.%'`)).rows[0].n);
    console.log(`catalog events: ${catalogEvents}`);
    const rows: string[] = [];
    let inserted = 0;
    for (const size of LOGS) {
      while (inserted < size) {
        const n = Math.min(100_000, size - inserted);
        await db.query(
          `INSERT INTO es_events (stream_id, revision, event_id, type, data, metadata)
           SELECT 'bench-' || g, 0, gen_random_uuid(), 'bench.filler', '{"n":1}', '{"occurred_at":"2026-01-01T00:00:00.000Z"}' FROM generate_series($1::int, $2::int) g`,
          [inserted + 1, inserted + n],
        );
        inserted += n;
      }
      await db.query('ANALYZE es_events');
      // measure in steady state: the catalog projection has passed the filler (its runner scans it once)
      await waitForCheckpoint(db, CATALOG_PROJECTION, await t.infra.store.headPosition(), 600_000, 200);
      const asOf = new Date().toISOString();
      const past = await ok('GET', `/governance/ropa?as_of=${encodeURIComponent(asOf)}`);
      const current = await ok('GET', '/governance/ropa');
      // the same records (jsonb keeps keys in its own order: compare with sorted keys), the stamp aside
      const canon = (x: unknown): unknown => (Array.isArray(x) ? x.map(canon) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'as_of').sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canon(v)])) : x);
      if (JSON.stringify(canon(past)) !== JSON.stringify(canon(current))) throw new Error('the RoPA as of now differs from the current one');
      const time = async (path: string) => {
        const ms: number[] = [];
        for (let i = 0; i < CALLS; i++) {
          const s = process.hrtime.bigint();
          await ok('GET', path);
          ms.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
        return ms;
      };
      const a = await time(`/governance/ropa?as_of=${encodeURIComponent(asOf)}`);
      const c = await time('/governance/ropa');
      // the two folds behind as_of side by side, interleaved: over the whole log (before) and over rm_catalog.history
      const fromLog: number[] = [];
      const fromHistory: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        for (const [out, run] of [[fromLog, () => catalogFromLog(t.infra.store, new Date(asOf))], [fromHistory, async () => catalogFromHistory(db, t.infra.store, (await readCheckpoint(db, CATALOG_PROJECTION))!.position, new Date(asOf))]] as const) {
          const s = process.hrtime.bigint();
          await run();
          out.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
      }
      const load = loadavg()[0].toFixed(1);
      const f = (xs: number[]) => `${pct(xs, 50).toFixed(0)} / ${pct(xs, 95).toFixed(0)} ms`;
      rows.push(`| ${BACKEND} | ${(size + catalogEvents).toLocaleString('en')} | ${f(a)} | ${f(c)} | ${f(fromLog)} | ${f(fromHistory)} | ${load} |`);
      console.log(rows[rows.length - 1]);
      const now = await ok('GET', '/catalog/map');
      if (now.nodes.length !== 40 + 80 + 7 || now.edges.length !== 80 + 160) throw new Error(`the map has ${now.nodes.length} nodes, ${now.edges.length} edges`);
      const m = await time('/catalog/map');
      const mp = await time(`/catalog/map?as_of=${encodeURIComponent(mapPast)}`);
      mapRows.push(`| ${BACKEND} | ${(size + catalogEvents).toLocaleString('en')} | ${now.nodes.length} / ${now.edges.length} | ${f(m)} | ${f(mp)} | ${loadavg()[0].toFixed(1)} |`);
      console.log(mapRows[mapRows.length - 1]);
    }
    console.log('\n| backend | events in the log | GET ropa?as_of p50 / p95 | GET ropa (current, read model) | fold of the log (before) | fold of rm_catalog.history (after) | load (1 min) |\n|---|---:|---:|---:|---:|---:|---:|');
    rows.forEach((r) => console.log(r));
    console.log('\n| backend | events in the log | map nodes / edges | GET /catalog/map (now) p50 / p95 | GET /catalog/map?as_of= (before the 40 flows abroad) p50 / p95 | load (1 min) |\n|---|---:|---:|---:|---:|---:|');
    mapRows.forEach((r) => console.log(r));
  } finally {
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
