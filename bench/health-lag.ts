/**
 * What /health costs in its lag and horizon checks (issue 15): counting the events after a
 * checkpoint (`countAfter` stopping at 100,000 and at 10,001 = READY_MAX_PROJECTION_LAG + 1, what
 * /health uses), the lag of 7 projections at 7 different checkpoints 10,000 or more events behind
 * (the worst case, e.g. during rebuilds: what one /health request then runs), the same with every
 * projection caught up (the usual case), and
 * the `pg_stat_activity` query naming the horizon holder. PostgreSQL (a fresh database) and PGlite.
 *
 *   bash bench/run.sh bench/health-lag.ts [--backend postgres|pglite|all] [--events 300000] [--runs 15]
 *
 * Prints one line per figure and a markdown table (copy it into docs/benchmarks.md).
 */
import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, writeCheckpoint } from '@pl/application';
import { LOG_START, type LogPosition } from '@pl/domain';
import { SqlEventStore, visibilityHorizon, type NewEvent } from '@pl/eventstore';
import { freshPglite, freshPostgres, type FreshDatabase } from '../test/support/databases';
import { projectionLags } from '../apps/common/projection-lag';
import { arg, backendsArg, machineLine, timed } from './timing';

const backends = backendsArg();
const total = Number(arg('events', '300000'));
const runs = Number(arg('runs', '15'));
const NAMES = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];

function events(n: number): NewEvent[] {
  const now = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => ({
    type: 'bench.lag',
    data: { i, note: 'x'.repeat(64) },
    metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'service:bench', correlation_id: randomUUID(), causation_id: null },
  }));
}

async function main() {
  const rows: string[] = [];
  console.log(machineLine());
  for (const b of backends) {
    const fresh: FreshDatabase = b === 'postgres' ? await freshPostgres('pl_bench_lag') : await freshPglite();
    try {
      const store = new SqlEventStore(fresh.db, { notify: false });
      await store.init();
      await fresh.db.exec(CHECKPOINT_SCHEMA);
      for (let i = 0; i < total / 1000; i++) await store.append(`bench-${i}`, events(1000), 'no_stream');
      let head: LogPosition = await store.headPosition();
      for (let i = 0; i < 600 && Number(head.pos) < total; i++) {
        await new Promise((r) => setTimeout(r, 100)); // another session's transaction may hold the horizon for a moment
        head = await store.headPosition();
      }
      const rule = { maxEvents: 10_000, maxBehindMs: 60_000 };
      const figures: Array<[string, () => Promise<unknown>]> = [
        [`countAfter, ${total} behind, stops at 100000`, () => store.countAfter(LOG_START, 100_000)],
        [`countAfter, ${total} behind, stops at 10001`, () => store.countAfter(LOG_START, 10_001)],
        ['countAfter, caught up', () => store.countAfter(head, 10_001)],
        ['headPosition', () => store.headPosition()],
        ['lag of 7 projections, 7 checkpoints 10,000+ behind', () => projectionLags(fresh.db, store, head, NAMES, rule)],
      ];
      // seven different checkpoints in the first part of the log: each needs its own count
      const early = await store.readAll(LOG_START, { maxCount: 7 });
      for (const [i, n] of NAMES.entries()) await writeCheckpoint(fresh.db, n, early[i].position, 1, 0);
      for (const [what, fn] of figures) {
        const t = await timed(runs, fn);
        console.log(`${b}: ${what}: median ${t.median.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms`);
        rows.push(`| ${b} | ${what} | ${t.median.toFixed(1)} | ${t.p95.toFixed(1)} |`);
      }
      for (const n of NAMES) await writeCheckpoint(fresh.db, n, head, 1, 0);
      const caught = await timed(runs, () => projectionLags(fresh.db, store, head, NAMES, rule));
      console.log(`${b}: lag of 7 projections, caught up: median ${caught.median.toFixed(1)} ms, p95 ${caught.p95.toFixed(1)} ms`);
      rows.push(`| ${b} | lag of 7 projections, caught up | ${caught.median.toFixed(1)} | ${caught.p95.toFixed(1)} |`);
      if (b === 'postgres') {
        const h = await timed(runs, () => visibilityHorizon(fresh.db));
        console.log(`${b}: visibilityHorizon (pg_stat_activity + pg_prepared_xacts): median ${h.median.toFixed(1)} ms, p95 ${h.p95.toFixed(1)} ms`);
        rows.push(`| ${b} | visibilityHorizon (pg_stat_activity + pg_prepared_xacts) | ${h.median.toFixed(1)} | ${h.p95.toFixed(1)} |`);
      }
    } finally {
      await fresh.drop();
    }
  }
  console.log(['', `| backend | what (${runs} runs) | median ms | p95 ms |`, '|---|---|---|---|', ...rows].join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
