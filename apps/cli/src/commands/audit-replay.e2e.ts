import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '@pl/application';
import { readModelDigest } from '@pl/audit';
import { comparePositions } from '@pl/domain';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import { PROJECTIONS } from '../../../worker/src/registry';
import type { CliIo } from '../command';
import { COMMANDS } from '../registry';
import { captureCliIo } from '../../../../test/support/cli-io';
import { auditCommand } from './audit';
import { replayCommand } from './replay';

jest.setTimeout(180_000);

const USERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** Events of every context through the HTTP routes: demo, consent, catalog, receipts, rights, breach, access records. */
async function fillLog(t: TestApp): Promise<void> {
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await t.request(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  for (const title of ['groceries', 'books']) {
    const { list_id } = await ok('POST', '/demo/lists', { title });
    await ok('POST', `/demo/lists/${list_id}/items`, { item: 'milk' });
    await ok('POST', `/demo/lists/${list_id}/close`);
  }
  for (const [system_id, recipients] of [['crm', []], ['billing', ['payment-provider']]] as const) {
    await ok('POST', '/governance/systems', { system_id, name: system_id, owner: 'ops', storage: [{ country: 'DE' }], recipients });
  }
  await ok('POST', '/governance/activities', {
    activity_id: 'shop', name: 'Online shop', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
    purposes: [{ purpose: 'marketing', lawful_basis: 'consent' }, { purpose: 'essential.service.fulfilment', lawful_basis: 'contract' }],
    subject_categories: ['customer'], data_categories: ['user.contact', 'user.financial.transaction'], systems: ['crm', 'billing'], recipients: ['payment-provider'],
    transfers: [{ country: 'US', recipient: 'payment-provider', safeguard: 'SCC (EU) 2021/914' }], retention: [{ period: 'P2Y', reason: 'customer relationship' }],
  });
  for (const user_id of USERS) {
    await ok('POST', '/consent/record', {
      user_id, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], consent_status: 'granted', consent_timestamp: ago(60_000),
      legal_basis: 'consent', consent_version: 'v1', consent_metadata: { ip_address: '203.0.113.9', method: 'checkbox' },
    });
  }
  await ok('POST', '/consent/withdraw', { user_id: USERS[2], data_categories: ['user.contact.email'] });
  await ok('POST', '/privacy/receipts/batch', { receipts: USERS.map((user_id) => ({ user_id, system_id: 'crm', data_category: 'user.contact.email', processing_purpose: 'marketing', stored_at: ago(30_000) })) });
  const dsr = await ok('POST', '/data-subject/requests', { user_id: USERS[0], request_type: 'access', jurisdiction: 'GDPR', channel: 'web_form' });
  await ok('POST', `/data-subject/requests/${dsr.request_id}/verify`, { method: 'documents' });
  const breach = await ok('POST', '/breaches', {
    aware_at: ago(5 * 3_600_000), source: 'internal_monitoring', description: 'Credential dump of the CRM', reporter_role: 'security_operations',
    systems: ['crm'], window_from: ago(48 * 3_600_000), window_to: ago(6 * 3_600_000),
  });
  expect(breach.breach_id).toEqual(expect.any(String));
  await ok('GET', `/audit/subjects/${encodeURIComponent(USERS[1])}/history`);
}

async function caughtUp(t: TestApp): Promise<void> {
  const head = await t.infra.store.headPosition();
  for (let i = 0; i < 600; i++) {
    const cps = await Promise.all(PROJECTIONS.map((p) => readCheckpoint(t.infra.db, p.name)));
    if (cps.every((cp) => cp && comparePositions(cp.position, head) >= 0)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('projections never caught up');
}

function captureIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l), progress: () => undefined };
}

describe('replay parity and audit CLI (PostgreSQL)', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'pl-replay-'));
  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres' });
    await fillLog(t);
    await caughtUp(t);
    await t.worker!.stop();
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops and rebuilds every read model and gets identical digests', async () => {
    const before = new Map<string, string>();
    for (const p of PROJECTIONS) {
      const d = await readModelDigest(t.infra.db, p.name);
      expect(d.tables.length).toBeGreaterThan(0);
      before.set(p.name, d.digest);
    }
    // the log reached every context's read model (a vacuous digest would prove nothing)
    for (const name of ['event_counts', 'consent', 'rights', 'breach_register', 'catalog', 'audit_chain']) {
      const d = await readModelDigest(t.infra.db, name);
      expect(d.tables.reduce((n, x) => n + x.rows, 0)).toBeGreaterThan(0);
    }
    const io = captureIo();
    const code = await replayCommand.run([], io, t.infra);
    expect(io.lines.join('\n')).toContain('every existing read model identical');
    expect(code).toBe(0);
    for (const p of PROJECTIONS) {
      expect({ name: p.name, digest: (await readModelDigest(t.infra.db, p.name)).digest }).toEqual({ name: p.name, digest: before.get(p.name) });
      expect(io.lines.some((l) => l.startsWith(p.name) && l.includes(before.get(p.name)!) && l.endsWith('identical'))).toBe(true);
    }
  });

  it('the digest changes when a row changes (it is not vacuous)', async () => {
    const d = await readModelDigest(t.infra.db, 'event_counts');
    await t.infra.db.query('UPDATE rm_event_counts.event_counts SET count = count + 1 WHERE type = (SELECT min(type) FROM rm_event_counts.event_counts)');
    expect((await readModelDigest(t.infra.db, 'event_counts')).digest).not.toBe(d.digest);
    const io = captureIo();
    expect(await replayCommand.run(['--only', 'event_counts'], io, t.infra)).toBe(1);
    expect((await readModelDigest(t.infra.db, 'event_counts')).digest).toBe(d.digest);
  });

  it('audit verify, public-key and export from the CLI; the export checks out with the standalone script', async () => {
    const v = captureIo();
    expect(await auditCommand.run(['verify'], v, t.infra)).toBe(0);
    expect(v.lines[v.lines.length - 1]).toMatch(/^OK: \d+ events/);
    const k = captureIo();
    expect(await auditCommand.run(['public-key'], k, t.infra)).toBe(0);
    const pem = k.lines.slice(1).join('\n');
    expect(pem).toContain('BEGIN PUBLIC KEY');
    const file = join(dir, 'export.ndjson');
    expect(await auditCommand.run(['export', '--out', file, '--context', 'consent'], captureIo(), t.infra)).toBe(0);
    writeFileSync(join(dir, 'key.pem'), pem);
    const r = spawnSync(process.execPath, [join(__dirname, '../../../../scripts/verify-audit-export.js'), file, '--public-key', join(dir, 'key.pem')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.events).toBeGreaterThanOrEqual(4);
    expect(readFileSync(file, 'utf8')).not.toContain('203.0.113.9');

    // --json (issue 17 item 5): stdout is one JSON document, the lines in order and the closing signed head;
    // written back as NDJSON, the lines check out with the same script
    const stdoutOnly = () => ({ lines: [] as string[], out(l: string) { this.lines.push(l); }, err: () => undefined, progress: () => undefined });
    const j = stdoutOnly();
    expect(await auditCommand.run(['export', '--context', 'consent', '--json'], j, t.infra)).toBe(0);
    const doc = JSON.parse(j.lines.join('\n')) as { lines: Array<{ kind: string }>; head: { kind: string; seq: string } };
    expect(doc.lines[0].kind).toBe('header');
    expect(doc.head.kind).toBe('head');
    expect(doc.lines[doc.lines.length - 1]).toEqual(doc.head);
    const fromJson = join(dir, 'from-json.ndjson');
    writeFileSync(fromJson, doc.lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const rj = spawnSync(process.execPath, [join(__dirname, '../../../../scripts/verify-audit-export.js'), fromJson, '--public-key', join(dir, 'key.pem')], { encoding: 'utf8' });
    expect([rj.status, rj.stderr]).toEqual([0, '']);
    expect(JSON.parse(rj.stdout).events).toBe(report.events);
    // with --out the file gets the NDJSON and the document says where
    const jo = stdoutOnly();
    expect(await auditCommand.run(['export', '--context', 'consent', '--out', fromJson, '--json'], jo, t.infra)).toBe(0);
    expect(JSON.parse(jo.lines.join('\n'))).toEqual({ written_to: fromJson, line_count: doc.lines.length, head: expect.objectContaining({ kind: 'head' }) });
  });

  it('bad input gets the reason the HTTP route gives (same DTO, same use case): exit 2 before any line, and nothing is recorded', async () => {
    const before = await t.infra.store.headPosition();
    const command = (name: string) => COMMANDS.find((c) => c.name === name)!;
    // the route's DTO: 400 with details; the CLI names the flag and gives the same problems
    const dtoPairs: Array<[string[], string]> = [
      [['audit', 'export', '--subject-key', 'alice@example.com'], '/audit/export?subject_key=alice%40example.com'],
      [['audit', 'export', '--from', 'yesterday'], '/audit/export?from=yesterday'],
      [['ropa', '--as-of', 'yesterday'], '/governance/ropa?as_of=yesterday'],
      [['lineage', 'email', '--as-of', '2026-13-01'], '/catalog/elements/email/lineage?as_of=2026-13-01'],
      [['webhooks', 'deliveries', '--status', 'lost'], '/webhooks/deliveries?status=lost'],
    ];
    for (const [argv, path] of dtoPairs) {
      const http = await t.request('GET', path);
      expect({ path, status: http.status }).toEqual({ path, status: 400 });
      const problems: string[] = http.body.details.flatMap((d: { problems: string[] }) => d.problems);
      expect(problems.length).toBeGreaterThan(0);
      const io = captureCliIo();
      expect(await command(argv[0]).run(argv.slice(1), io, t.infra)).toBe(2);
      expect(io.stdout).toEqual([]);
      for (const p of problems) expect(io.stderr[0]).toContain(p);
      expect(io.stderr[0]).not.toContain('alice');
    }
    // the use case's own checks, past the DTO: the same message at both edges (runCli turns them into exit 2)
    const http = await t.request('GET', '/audit/export?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(http.status).toBe(400);
    await expect(auditCommand.run(['export', '--from', '2026-02-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z'], captureIo(), t.infra)).rejects.toThrow(http.body.message);
    const hook = { service: 'crm', url: 'http://169.254.169.254/latest/meta-data/', topics: ['privacy-ledger.consent.events.v1'] };
    const refusedHook = await t.request('POST', '/webhooks/endpoints', hook);
    expect(refusedHook.status).toBe(400);
    await expect(command('webhooks').run(['register', '--service', hook.service, '--url', hook.url, '--topics', hook.topics[0]], captureIo(), t.infra)).rejects.toThrow(refusedHook.body.message);
    // an unknown taxonomy key in a manifest: the same findings and the same refusal
    const shop = readFileSync(join(__dirname, '../../../../examples/manifests/online-shop.yaml'), 'utf8').replace('category: user.contact.email }', 'category: user.contact.mailbox }');
    const applied = await t.request('POST', '/governance/manifests/apply', { manifest_yaml: shop });
    expect(applied.status).toBeGreaterThanOrEqual(400);
    const findings: Array<{ code: string; message: string; line: number }> = applied.body.details.findings;
    expect(findings.map((f) => f.code)).toContain('unknown_taxonomy_key');
    const file = join(dir, 'unknown-category.yaml');
    writeFileSync(file, shop);
    const io = captureCliIo();
    expect(await command('apply').run([file], io, t.infra)).toBe(1);
    expect(io.stderr).toEqual([...findings.map((f) => `${file}:${f.line}: error ${f.code}: ${f.message}`), `${file}: ${applied.body.message}`]);
    expect(await t.infra.store.headPosition()).toEqual(before);
  });

  it('audit heads keeps the signed heads; after a consistent rewrite with the heads deleted, verify --heads names the rewrite', async () => {
    expect(await auditCommand.run(['sign'], captureIo(), t.infra)).toBe(0);
    const held = join(dir, 'held.ndjson');
    const h = captureIo();
    expect(await auditCommand.run(['heads', '--out', held], h, t.infra)).toBe(0);
    const heads = readFileSync(held, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(heads.length).toBeGreaterThanOrEqual(1);
    const first = await t.infra.db.query<{ gp: string }>("SELECT global_position::text AS gp FROM es_events ORDER BY global_position LIMIT 1");
    await t.infra.db.query(`UPDATE es_events SET metadata = replace(metadata, '"actor":"', '"actor":"x') WHERE global_position = $1`, [first.rows[0].gp]);
    expect(await replayCommand.run(['--only', 'audit_chain'], captureIo(), t.infra)).toBe(1); // the chain changed: the digest says so
    await t.infra.db.query('DELETE FROM audit_signed_heads');
    expect(await auditCommand.run(['verify'], captureIo(), t.infra)).toBe(0); // the database alone cannot tell
    const v = captureIo();
    expect(await auditCommand.run(['verify', '--heads', held], v, t.infra)).toBe(1);
    expect(v.lines[v.lines.length - 1]).toMatch(/^BROKEN at \d+\/\d+: signed_head_mismatch/);
    const report = JSON.parse(v.lines.slice(0, -1).join('\n'));
    expect(report.signed_heads).toMatchObject({ held: heads.length, checked: heads.length });
  });
});
