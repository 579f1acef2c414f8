/**
 * Verification rate of the audit chain over N events on PostgreSQL (a fresh database); target
 * >= 50,000 events/s at N = 1,000,000.
 *
 *   bash bench/run.sh bench/audit-verify.ts [--events 1000000] [--backend postgres|pglite]
 *
 * Bulk load: one INSERT ... SELECT over generate_series per 100,000 events (events of ~400 bytes,
 * 10 per stream), then the audit_chain projection is rebuilt (timed too) and verified twice.
 */
import { cpus, loadavg } from 'node:os';
import { rebuildProjection } from '@pl/application';
import { SqlEventStore } from '@pl/eventstore';
import { auditChainProjection, verifyChain } from '@pl/projections/audit_chain';
import { freshPglite, freshPostgres } from '../test/support/databases';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const N = Number(arg('events', '1000000'));
const backend = arg('backend', 'postgres');

async function main(): Promise<void> {
  const fresh = backend === 'pglite' ? await freshPglite() : await freshPostgres('pl_bench_verify');
  try {
    const store = new SqlEventStore(fresh.db);
    await store.init();
    let t = Date.now();
    for (let from = 1; from <= N; from += 100_000) {
      const to = Math.min(N, from + 99_999);
      await fresh.db.query(
        `INSERT INTO es_events (stream_id, revision, event_id, type, schema_version, data, metadata)
         SELECT 'consent-sub_' || substr(md5((g / 10)::text), 1, 32), g % 10, md5(g::text)::uuid, 'consent.given', 1,
                '{"consent_id":"' || md5(g::text)::uuid || '","purposes":["marketing"],"categories":["user.contact.email"],"proof":{"ip_address":{"enc":"' || encode(sha256(g::text::bytea), 'base64') || '"}}}',
                '{"event_id":"' || md5(g::text)::uuid || '","occurred_at":"2026-01-01T00:00:00.000Z","recorded_at":"2026-01-01T00:00:00.000Z","actor":"apikey:bench","correlation_id":"' || md5((g + 1)::text)::uuid || '","causation_id":null}'
         FROM generate_series($1::int, $2::int) g`,
        [from, to],
      );
      process.stdout.write(`\rloaded ${to}`);
    }
    console.log(`\nload: ${N} events in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    const built = await rebuildProjection(fresh.db, store, auditChainProjection, { batchSize: 5000, onProgress: (d, all) => process.stdout.write(`\rchain ${d}/${all}`) });
    const chainSeconds = (Date.now() - t) / 1000;
    console.log(`\nchain built over ${built.events} events in ${chainSeconds.toFixed(1)} s (${Math.round(built.events / chainSeconds)} events/s)`);
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const r = await verifyChain(fresh.db, store);
      if (!r.ok) throw new Error(`verification failed: ${JSON.stringify(r.first_break)}`);
      runs.push(r);
      console.log(`verify run ${i + 1}: ${r.checked} events in ${(r.elapsed_ms / 1000).toFixed(1)} s = ${r.events_per_second} events/s`);
    }
    const best = runs.reduce((a, b) => (a.events_per_second > b.events_per_second ? a : b));
    console.log(`\n| audit chain verification (${backend}) | ${best.checked} events | ${best.events_per_second.toLocaleString('en-US')} events/s (${(best.elapsed_ms / 1000).toFixed(1)} s) | >= 50,000/s |`);
    console.log(`| audit chain projection build (${backend}) | ${built.events} events | ${chainSeconds.toFixed(1)} s | |`);
    console.log(`(${new Date().toISOString()}, ${cpus().length} cores ${cpus()[0]?.model}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  } finally {
    await fresh.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
