/**
 * Audit trail benchmark on PostgreSQL (a fresh database): time to rebuild every projection from N
 * events, then the verification rate of the audit chain over those N events (target: rebuild < 2
 * minutes, verification >= 50,000 events/s at N = 1,000,000).
 *
 *   bash bench/run.sh bench/audit-rebuild.ts [--events 1000000] [--parallel 1] [--keep]
 *
 * The log is realistic: one run of every context's HTTP flows (demo lists, catalog, consent given
 * and withdrawn, receipts, a data-subject request, a breach, access records) is recorded through
 * the API once, then copied in bulk with INSERT ... SELECT over generate_series, every copy with
 * its own stream names, subject keys and ids (tokens mapped per copy inside SQL), so each
 * projection handles events it understands. Catalog registrations (systems, activities) stay single.
 * Prints one markdown table row per figure (docs/benchmarks.md, "Audit").
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { loadConfig } from '../apps/common/config';
import { createInfrastructure } from '../apps/common/infrastructure';
import { replayAll } from '../apps/cli/src/commands/replay';
import { verifyChain } from '@pl/projections/audit_chain';
import { startTestApp, type TestApp } from '../test/support/app';
import { freshPostgres } from '../test/support/databases';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const N = Number(arg('events', '1000000'));
const KEEP = process.argv.includes('--keep');
const PARALLEL = Number(arg('parallel', '1'));
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

async function flows(t: TestApp): Promise<void> {
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await t.request(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  for (const [system_id, recipients] of [['crm', []], ['billing', ['payment-provider']]] as const) {
    await ok('POST', '/governance/systems', { system_id, name: system_id, owner: 'ops', storage: [{ country: 'DE' }], recipients });
  }
  await ok('POST', '/governance/activities', {
    activity_id: 'shop', name: 'Online shop', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
    purposes: [{ purpose: 'marketing', lawful_basis: 'consent' }, { purpose: 'essential.service.fulfilment', lawful_basis: 'contract' }],
    subject_categories: ['customer'], data_categories: ['user.contact', 'user.financial.transaction'], systems: ['crm', 'billing'], recipients: ['payment-provider'],
    transfers: [{ country: 'US', recipient: 'payment-provider', safeguard: 'SCC (EU) 2021/914' }], retention: [{ period: 'P2Y', reason: 'customer relationship' }],
  });
  const { list_id } = await ok('POST', '/demo/lists', { title: 'groceries' });
  await ok('POST', `/demo/lists/${list_id}/items`, { item: 'milk' });
  await ok('POST', `/demo/lists/${list_id}/close`);
  const users = ['alice@example.com', 'bob@example.com'];
  for (const user_id of users) {
    await ok('POST', '/consent/record', {
      user_id, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], consent_status: 'granted', consent_timestamp: ago(60_000),
      legal_basis: 'consent', consent_version: 'v1', consent_metadata: { ip_address: '203.0.113.9', method: 'checkbox' },
    });
  }
  await ok('POST', '/consent/withdraw', { user_id: users[1], data_categories: ['user.contact.email'] });
  await ok('POST', '/privacy/receipts/batch', { receipts: users.map((user_id) => ({ user_id, system_id: 'crm', data_category: 'user.contact.email', processing_purpose: 'marketing', stored_at: ago(30_000) })) });
  const dsr = await ok('POST', '/data-subject/requests', { user_id: users[0], request_type: 'access', jurisdiction: 'GDPR', channel: 'web_form' });
  await ok('POST', `/data-subject/requests/${dsr.request_id}/verify`, { method: 'documents' });
  await ok('POST', '/breaches', {
    aware_at: ago(5 * 3_600_000), source: 'internal_monitoring', description: 'Credential dump of the CRM', reporter_role: 'security_operations',
    systems: ['crm'], window_from: ago(48 * 3_600_000), window_to: ago(6 * 3_600_000),
  });
  await ok('GET', `/audit/subjects/${encodeURIComponent(users[0])}/history`);
}


async function main(): Promise<void> {
  const fresh = await freshPostgres('pl_bench_audit');
  console.log(`database ${fresh.name}; ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
  try {
    const t = await startTestApp({ database: fresh });
    await flows(t);
    await t.close();
    const { db } = fresh;
    const types = await db.query<{ type: string; n: string }>('SELECT type, count(*)::text AS n FROM es_events GROUP BY 1 ORDER BY 1');
    console.log(`template: ${types.rows.map((r) => `${r.type}×${r.n}`).join(' ')}`);
    // events of entities keyed by uuid or subject are copied; catalog registrations stay single
    const single = `type LIKE 'catalog.system%' OR type LIKE 'catalog.activity%' OR type LIKE 'catalog.element%' OR type LIKE 'catalog.flow%' OR type LIKE 'catalog.processor%'`;
    const tpl = await db.query<{ stream_id: string; data: string; metadata: string }>(`SELECT stream_id, data, metadata FROM es_events WHERE NOT (${single}) ORDER BY transaction_id, global_position`);
    const perCopy = tpl.rows.length;
    const copies = Math.ceil((N - (await count(db))) / perCopy);
    console.log(`copying ${perCopy} events × ${copies}`);
    // every uuid keeps its first 20 hex digits and gets the copy number as its last 12; every subject
    // key keeps its first 24 characters and gets the copy number as its last 8: ids unique per copy
    const rekey = (col: string) =>
      `regexp_replace(regexp_replace(${col}, '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-)[0-9a-f]{12}', '\\1' || lpad(to_hex(g), 12, '0'), 'g'), '(sub_[A-Za-z0-9_-]{24})[A-Za-z0-9_-]{8}', '\\1' || lpad(to_hex(g), 8, '0'), 'g')`;
    const params: unknown[] = [];
    await db.exec(`DROP TABLE IF EXISTS bench_tpl; CREATE TABLE bench_tpl AS SELECT row_number() OVER (ORDER BY transaction_id, global_position) AS ord, stream_id, revision, event_id::text AS event_id, type, schema_version, data, metadata FROM es_events WHERE NOT (${single})`);
    const loadStarted = Date.now();
    const chunk = Math.max(1, Math.floor(100_000 / perCopy));
    for (let from = 1; from <= copies; from += chunk) {
      const to = Math.min(copies, from + chunk - 1);
      await db.query(
        `INSERT INTO es_events (stream_id, revision, event_id, type, schema_version, data, metadata)
         SELECT ${rekey('t.stream_id')}, t.revision, (${rekey('t.event_id')})::uuid, t.type, t.schema_version, ${rekey('t.data')}, ${rekey('t.metadata')}
         FROM generate_series(${from}::int, ${to}::int) g, bench_tpl t ORDER BY g, t.ord`,
        params,
      );
      process.stdout.write(`\rloaded ${await count(db)} events`);
    }
    await db.exec('DROP TABLE bench_tpl; ANALYZE es_events');
    const total = await count(db);
    console.log(`\nloaded ${total} events in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

    const infra = await createInfrastructure(loadConfig({ DATA_DIR: '/tmp/privacy-ledger-bench', MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), DATABASE_URL: fresh.url! }), { db });
    const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l), progress: (l: string) => process.stdout.write(`\r${l}          `) };
    const rebuildStarted = Date.now();
    const results = await replayAll(infra, io, undefined, PARALLEL);
    const rebuildSeconds = (Date.now() - rebuildStarted) / 1000;
    const verify = await verifyChain(db, infra.store, { onProgress: (n, all) => process.stdout.write(`\rverified ${n}/${all}`) });
    console.log('');
    if (!verify.ok) throw new Error(`verification failed: ${JSON.stringify(verify.first_break)}`);
    const date = new Date().toISOString().slice(0, 10);
    console.log('\n| figure | events | result | target |');
    console.log('|---|---|---|---|');
    for (const r of results) console.log(`| rebuild ${r.name} | ${total} log (${r.events} handled) | ${r.seconds.toFixed(1)} s | |`);
    console.log(`| rebuild every projection (${results.length}, ${PARALLEL === 1 ? 'sequential' : `${PARALLEL} at a time`}) | ${total} | ${rebuildSeconds.toFixed(1)} s | < 120 s |`);
    console.log(`| audit chain verification | ${verify.checked} | ${verify.events_per_second.toLocaleString('en-US')} events/s (${(verify.elapsed_ms / 1000).toFixed(1)} s) | >= 50,000 events/s |`);
    console.log(`(${date}, PostgreSQL, ${cpus().length} cores ${cpus()[0]?.model}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
    await infra.close();
  } finally {
    if (!KEEP) await fresh.drop();
    else await fresh.db.close();
  }
}

async function count(db: { query: (s: string) => Promise<{ rows: Array<{ n: string }> }> }): Promise<number> {
  return Number((await db.query('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
