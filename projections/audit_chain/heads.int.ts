import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rebuildProjection } from '@pl/application';
import { AuditSigner, parseHeldHeads, publishedHead, signedHeads } from '@pl/audit';
import { LOG_START } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { freshPostgres, type FreshDatabase } from '../../test/support/databases';
import { assertContinuous, auditChainProjection, chainHead, exportAuditLog, headHealth, signCurrentHead, signPeriodicHeads, signScheduledHead, verifyChain } from './index';

jest.setTimeout(60_000);

const HOUR = 3_600_000;
const signer = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
const dir = mkdtempSync(join(tmpdir(), 'pl-heads-'));
const opened: FreshDatabase[] = [];
afterAll(async () => {
  for (const f of opened) await f.drop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

interface Log {
  readonly db: FreshDatabase['db'];
  readonly store: SqlEventStore;
  readonly positions: string[];
}

/** `n` events, one transaction each, chained; `age` moves their log recorded_at into the past. */
async function chainedLog(n: number, ageMs = 0): Promise<Log> {
  const f = await freshPostgres('pl_heads');
  opened.push(f);
  const store = new SqlEventStore(f.db);
  await store.init();
  const positions: string[] = [];
  for (let i = 0; i < n; i++) {
    const now = new Date().toISOString();
    const r = await store.append(`demo-${i % 3}`, [{ type: 'demo.item_added', data: { item: `milk ${i}` }, metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'test', correlation_id: randomUUID(), causation_id: null } }], 'any');
    positions.push(`${r.position.tx}/${r.position.pos}`);
  }
  for (let i = 0; i < 600 && (await store.readAll(LOG_START, { maxCount: n + 1 })).length < n; i++) await new Promise((r) => setTimeout(r, 50));
  if (ageMs) await f.db.query(`UPDATE es_events SET recorded_at = recorded_at - $1::bigint * interval '1 millisecond'`, [ageMs]);
  await rebuildProjection(f.db, store, auditChainProjection);
  return { db: f.db, store, positions };
}

/** The consistent rewrite: change an event's stored data, recompute the whole chain, delete every signed head. */
async function rewriteConsistently(log: Log, index: number): Promise<void> {
  await log.db.query(`UPDATE es_events SET data = replace(data, 'milk', 'beer') WHERE global_position = $1`, [log.positions[index].split('/')[1]]);
  await log.db.exec('DROP SCHEMA rm_audit_chain CASCADE');
  await rebuildProjection(log.db, log.store, auditChainProjection);
  await log.db.query('DELETE FROM audit_signed_heads');
}

async function exportFile(log: Log, now: Date, policy?: { headIntervalMs: number }): Promise<string> {
  const lines: string[] = [];
  for await (const line of exportAuditLog(log.db, log.store, signer, {}, now, undefined, policy)) lines.push(line);
  const file = join(dir, `${randomUUID()}.ndjson`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function standalone(file: string, heads?: string): { code: number | null; report: any } {
  const key = join(dir, `${randomUUID()}.pem`);
  writeFileSync(key, signer.publicKeyPem);
  const args = [join(__dirname, '../../scripts/verify-audit-export.js'), file, '--public-key', key, ...(heads ? ['--heads', heads] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { code: r.status, report: JSON.parse(r.stdout) };
}

describe('the consistent-rewrite attack (log and chain rewritten, audit_signed_heads deleted) on PostgreSQL', () => {
  it('passes a database-only verify, but fails on the coverage rule, on the heads the auditor holds, and gets no fresh signature', async () => {
    const log = await chainedLog(12, 3 * HOUR);
    const then = new Date(Date.now() - 3 * HOUR + 60_000);
    await signPeriodicHeads(log.db, signer, then, 5); // heads at seq 4 and 9, signed a minute after the events
    const heldFile = join(dir, 'held.ndjson');
    writeFileSync(heldFile, (await signedHeads(log.db)).map((h) => JSON.stringify(publishedHead(h))).join('\n'));
    const policy = { headIntervalMs: HOUR };
    expect(await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, ...policy })).toMatchObject({ ok: false, first_break: { kind: 'head_stale', seq: '10' } });
    const earlierExport = await exportFile(log, then); // signs the head at seq 11
    expect(await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, ...policy })).toMatchObject({ ok: true, coverage_checked: true });

    await rewriteConsistently(log, 7);

    // what the issue describes: on the database alone the chain is consistent again
    expect(await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem })).toMatchObject({ ok: true, signed_heads: { checked: 0 } });
    // the coverage rule: events 3 hours old and no head covering them
    expect((await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, ...policy })).first_break).toMatchObject({ kind: 'heads_missing', seq: '0', position: log.positions[0] });
    // the heads the auditor holds (a file of published heads, or an earlier export): the first one no longer matches
    for (const file of [heldFile, earlierExport]) {
      const held = parseHeldHeads(require('node:fs').readFileSync(file, 'utf8'));
      const report = await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, heldHeads: held });
      expect(report.first_break).toMatchObject({ kind: 'signed_head_mismatch', seq: '9', position: log.positions[9] });
      expect(report.signed_heads.held).toBe(held.length);
    }
    // the next export refuses to sign the forged head over the missing heads, before writing a line
    await expect(exportFile(log, new Date(), policy)).rejects.toMatchObject({ code: 'conflict', reason: 'heads_missing' });
    await expect(signScheduledHead(log.db, signer, new Date(), policy)).rejects.toMatchObject({ reason: 'heads_missing' });
    expect(await signedHeads(log.db)).toEqual([]);
    expect(await headHealth(log.db, HOUR, new Date())).toMatchObject({ ok: true, latest_signed_seq: null });

    // a service configured without the rule would sign it; the auditor's heads still catch the export offline
    const forged = await exportFile(log, new Date());
    expect(standalone(forged).code).toBe(0);
    const s = standalone(forged, heldFile);
    expect(s.code).toBe(1);
    expect(s.report.first_break).toMatchObject({ kind: 'signed_head_mismatch', seq: '9', position: log.positions[9] });
    expect(standalone(forged, earlierExport).report.first_break).toMatchObject({ kind: 'signed_head_mismatch', seq: '9' });
  });

  it('a held head beyond the chain (events removed at the end) fails, in service and offline; a held head of another key is not used', async () => {
    const log = await chainedLog(8);
    const [h] = await signPeriodicHeads(log.db, signer, new Date(), 8);
    expect(h.seq).toBe('7');
    const heldFile = join(dir, 'held-end.json');
    writeFileSync(heldFile, JSON.stringify({ heads: [publishedHead(h)] }));
    await log.db.query('DELETE FROM es_events WHERE global_position = $1', [log.positions[7].split('/')[1]]);
    await log.db.exec('DROP SCHEMA rm_audit_chain CASCADE');
    await rebuildProjection(log.db, log.store, auditChainProjection);
    await log.db.query('DELETE FROM audit_signed_heads');
    expect(await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, heldHeads: [h] })).toMatchObject({ ok: false, first_break: { kind: 'signed_head_mismatch', seq: '7' } });
    expect(standalone(await exportFile(log, new Date()), heldFile).report.first_break).toMatchObject({ kind: 'signed_head_mismatch', seq: '7' });
    const other = new AuditSigner(generateKeyPairSync('ed25519').privateKey).sign({ seq: '3', tx: '1', pos: '1', link: 'ab'.repeat(32) }, new Date());
    expect(await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, heldHeads: [other] })).toMatchObject({ ok: true, signed_heads: { untrusted: 1, held: 0 } });
    const bent = { ...h, seq: '6' };
    expect((await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, heldHeads: [bent] })).first_break).toMatchObject({ kind: 'bad_signature', seq: '6' });
  });
});

describe('scheduled heads and the coverage rule', () => {
  it('signs when the chain moved past the latest head and half the interval passed, and verify holds the rule', async () => {
    const log = await chainedLog(6);
    const t0 = new Date();
    const policy = { headIntervalMs: HOUR };
    const first = await signScheduledHead(log.db, signer, t0, policy);
    expect(first).toMatchObject({ seq: '5' });
    expect(await signScheduledHead(log.db, signer, new Date(t0.getTime() + HOUR), policy)).toBeNull(); // nothing new
    await log.store.append('demo-x', [{ type: 'demo.item_added', data: { item: 'late' }, metadata: { event_id: randomUUID(), occurred_at: new Date().toISOString(), recorded_at: new Date().toISOString(), actor: 'test', correlation_id: randomUUID(), causation_id: null } }], 'any');
    await rebuildProjection(log.db, log.store, auditChainProjection);
    expect(await signScheduledHead(log.db, signer, new Date(t0.getTime() + HOUR / 4), policy)).toBeNull(); // too soon
    const later = new Date(t0.getTime() + 2 * HOUR);
    // not signed in time: verify (and /health) say so
    expect((await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, ...policy, now: later })).first_break).toMatchObject({ kind: 'head_stale', seq: '6' });
    expect(await headHealth(log.db, HOUR, later)).toMatchObject({ ok: false, latest_signed_seq: '5' });
    expect(await signScheduledHead(log.db, signer, new Date(t0.getTime() + HOUR / 2), policy)).toMatchObject({ seq: '6' });
    expect(await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, ...policy, now: later })).toMatchObject({ ok: true });
  });

  it('a head signed later than the interval after an event leaves a gap; AUDIT_HEADS_SINCE exempts older events', async () => {
    const log = await chainedLog(4, 5 * HOUR);
    await signCurrentHead(log.db, signer, new Date());
    const report = await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, headIntervalMs: HOUR });
    expect(report.first_break).toMatchObject({ kind: 'heads_missing', seq: '0' });
    expect(await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, headIntervalMs: 6 * HOUR })).toMatchObject({ ok: true });
    expect(await verifyChain(log.db, log.store, { publicKeyPem: signer.publicKeyPem, headIntervalMs: HOUR, headsSince: new Date(Date.now() - HOUR) })).toMatchObject({ ok: true });
  });
});

describe('a head read before a newer head was signed (an export racing the worker\'s signing clock) on PostgreSQL', () => {
  it('is continuous while the chain still holds it, and refused once it does not', async () => {
    const log = await chainedLog(6);
    await signCurrentHead(log.db, signer, new Date());
    const read = (await chainHead(log.db))!;
    // the chain moves on and the worker signs its new head, after the export read `read`
    for (let i = 0; i < 3; i++) {
      const now = new Date().toISOString();
      await log.store.append('demo-late', [{ type: 'demo.item_added', data: { item: `late ${i}` }, metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'test', correlation_id: randomUUID(), causation_id: null } }], 'any');
    }
    for (let i = 0; i < 600 && (await log.store.readAll(LOG_START, { maxCount: 10 })).length < 9; i++) await new Promise((r) => setTimeout(r, 50));
    await rebuildProjection(log.db, log.store, auditChainProjection);
    const newer = await signCurrentHead(log.db, signer, new Date());
    expect(BigInt(newer!.seq)).toBeGreaterThan(BigInt(read.seq));
    await expect(assertContinuous(log.db, read, new Date())).resolves.toBeUndefined();
    // a head the chain does not hold is refused, with a newer signed head as without
    await expect(assertContinuous(log.db, { ...read, link: '1'.repeat(64) }, new Date())).rejects.toMatchObject({ reason: 'discontinuity' });
  });
});
