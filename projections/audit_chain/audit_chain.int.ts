import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBatch, ensureProjectionSchema, rebuildProjection } from '@pl/application';
import { AuditSigner, signedHeads } from '@pl/audit';
import { CryptoEventCodec, EncryptingEventStore, MasterKeyRing, PersonalFieldRegistry, SubjectKeyStore } from '@pl/crypto';
import { consent, LOG_START } from '@pl/domain';
import { SqlEventStore, type NewEvent } from '@pl/eventstore';
import { freshPglite, freshPostgres, type FreshDatabase } from '../../test/support/databases';
import { auditChainProjection, chainHead, exportAuditLog, signCurrentHead, signPeriodicHeads, verifyChain, type ExportFilter } from './index';
import { subjectHistory } from './history';

jest.setTimeout(60_000);

/** Readers see rows below the cluster's oldest open transaction (invariant 4): wait until all are visible. */
async function untilVisible(store: SqlEventStore, n: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await store.readAll(LOG_START, { maxCount: n + 10 })).length >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('events never became visible');
}

const SUBJECT = `sub_${'A'.repeat(32)}`;
const OTHER = `sub_${'B'.repeat(32)}`;
const signer = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
const dir = mkdtempSync(join(tmpdir(), 'pl-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meta = (i: number) => ({ event_id: randomUUID(), occurred_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), recorded_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), actor: 'service:test', correlation_id: randomUUID(), causation_id: null });
const ev = (type: string, data: unknown, i: number): NewEvent => ({ type, data, metadata: meta(i) });

interface Log {
  fresh: FreshDatabase;
  store: SqlEventStore;
  /** tx/pos of every appended event, in order. */
  positions: string[];
}

/** 24 events over three streams (one per append, so one transaction each), chained and signed. */
async function filledLog(fresh: FreshDatabase): Promise<Log> {
  const store = new SqlEventStore(fresh.db);
  await store.init();
  const positions: string[] = [];
  for (let i = 0; i < 24; i++) {
    const [stream, e] =
      i % 3 === 0
        ? [`consent-${SUBJECT}`, ev('consent.given', { purpose: `p${i}`, subject_key: SUBJECT }, i)]
        : i % 3 === 1
          ? [`demo-${i}`, ev('demo.item_added', { item: `milk ${i} café ☕ 𝄞` }, i)]
          : [`consent-${OTHER}`, ev('consent.withdrawn', { purpose: `p${i}` }, i)];
    const r = await store.append(stream, [e], 'any');
    positions.push(`${r.position.tx}/${r.position.pos}`);
  }
  await untilVisible(store, 24);
  await rebuildProjection(fresh.db, store, auditChainProjection);
  await signPeriodicHeads(fresh.db, signer, new Date(), 10);
  return { fresh, store, positions };
}

async function exportToFile(log: Log, filter: ExportFilter = {}): Promise<string> {
  const lines: string[] = [];
  for await (const line of exportAuditLog(log.fresh.db, log.store, signer, filter, new Date())) lines.push(line);
  const file = join(dir, `${randomUUID()}.ndjson`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function standalone(file: string, publicKey = signer.publicKeyPem): { code: number | null; report: any } {
  const keyFile = join(dir, `${randomUUID()}.pem`);
  writeFileSync(keyFile, publicKey);
  const r = spawnSync(process.execPath, [join(__dirname, '../../scripts/verify-audit-export.js'), file, '--public-key', keyFile], { encoding: 'utf8' });
  return { code: r.status, report: JSON.parse(r.stdout) };
}

describe('audit chain on PostgreSQL: tampering with es_events is named by position', () => {
  const opened: FreshDatabase[] = [];
  const fresh = async () => {
    const f = await freshPostgres('pl_audit');
    opened.push(f);
    return filledLog(f);
  };
  afterAll(async () => {
    for (const f of opened) await f.drop();
  }, 60_000);

  it('verifies an untouched log in service and standalone, with periodic and fresh signed heads', async () => {
    const log = await fresh();
    const report = await verifyChain(log.fresh.db, log.store);
    expect(report).toMatchObject({ ok: true, checked: 24, first_break: null, head: { seq: '23', position: log.positions[23] }, method: 'page' });
    expect(await verifyChain(log.fresh.db, log.store, { detailed: true, pageSize: 5 })).toMatchObject({ ok: true, checked: 24, method: 'event' });
    expect(await verifyChain(log.fresh.db, log.store, { pageSize: 5 })).toMatchObject({ ok: true, checked: 24, method: 'page' });
    expect((await signedHeads(log.fresh.db)).map((s) => s.seq)).toEqual(['9', '19']);
    const file = await exportToFile(log);
    const s = standalone(file);
    expect(s.code).toBe(0);
    expect(s.report).toMatchObject({ ok: true, events: 24, withheld: 0, signed_heads_checked: 2, head: { seq: '23', position: log.positions[23] } });
  });

  it('extends the chain batch by batch exactly as a full rebuild does, and ignores redelivered events', async () => {
    const log = await fresh();
    const rebuilt = await chainHead(log.fresh.db);
    const f2 = await freshPglite();
    opened.push(f2);
    await ensureProjectionSchema(f2.db, auditChainProjection);
    const all = await log.store.readAll(LOG_START, { maxCount: 100 });
    await f2.db.exec('CREATE TABLE IF NOT EXISTS projection_checkpoints (name text PRIMARY KEY, tx numeric NOT NULL, pos bigint NOT NULL, version integer NOT NULL, events_handled bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now())');
    await applyBatch(f2.db, auditChainProjection, all.slice(0, 7), all[6].position);
    await applyBatch(f2.db, auditChainProjection, all.slice(3, 15), all[14].position);
    await applyBatch(f2.db, auditChainProjection, all.slice(15), all[23].position);
    expect(await chainHead(f2.db)).toEqual(rebuilt);
  });

  const cases: Array<[string, (log: Log) => Promise<{ kind: string; position: string }>]> = [
    [
      'alter',
      async ({ fresh: { db }, positions }) => {
        const gp = positions[10].split('/')[1];
        await db.query(`UPDATE es_events SET data = replace(data, 'milk', 'beer') WHERE global_position = $1`, [gp]);
        return { kind: 'altered', position: positions[10] };
      },
    ],
    [
      'delete',
      async ({ fresh: { db }, positions }) => {
        await db.query('DELETE FROM es_events WHERE global_position = $1', [positions[7].split('/')[1]]);
        return { kind: 'missing', position: positions[7] };
      },
    ],
    [
      'reorder',
      async ({ fresh: { db }, positions }) => {
        // swap the transaction ids of events 5 and 12: event 12 now sorts where event 5 was
        const [a, b] = [positions[5].split('/'), positions[12].split('/')];
        await db.query(
          `UPDATE es_events SET transaction_id = (CASE WHEN global_position = $1 THEN $4 ELSE $3 END)::xid8 WHERE global_position IN ($1, $2)`,
          [a[1], b[1], a[0], b[0]],
        );
        return { kind: 'reordered', position: positions[5] };
      },
    ],
    [
      'insert',
      async ({ fresh: { db }, positions }) => {
        const [tx] = positions[3].split('/');
        const r = await db.query<{ gp: string }>(
          `INSERT INTO es_events (transaction_id, stream_id, revision, event_id, type, schema_version, data, metadata)
           VALUES ($1::xid8, 'demo-forged', 0, gen_random_uuid(), 'demo.item_added', 1, '{"item":"forged"}', '{}') RETURNING global_position::text AS gp`,
          [tx],
        );
        return { kind: 'inserted', position: `${tx}/${r.rows[0].gp}` };
      },
    ],
  ];

  it.each(cases)('%s: the in-service verifier and the standalone script on an export name the position', async (_name, tamper) => {
    const log = await fresh();
    const expected = await tamper(log);
    for (const pageSize of [5, 10_000]) {
      const report = await verifyChain(log.fresh.db, log.store, { pageSize });
      expect(report.ok).toBe(false);
      expect(report.first_break).toMatchObject(expected);
      expect(report.method).toBe('event');
    }
    const s = standalone(await exportToFile(log));
    expect(s.code).toBe(1);
    expect(s.report.first_break.position).toBe(expected.position);
  });

  it('names a link changed in the chain table alone', async () => {
    const log = await fresh();
    await log.fresh.db.query(`UPDATE rm_audit_chain.links SET link = repeat('0', 64) WHERE seq = 6`);
    expect((await verifyChain(log.fresh.db, log.store)).first_break).toMatchObject({ kind: 'link_mismatch', seq: '6', position: log.positions[6] });
    expect(standalone(await exportToFile(log)).report.first_break).toMatchObject({ kind: 'link_mismatch', position: log.positions[6] });
  });

  it('catches a log and chain table rewritten consistently through the signed heads, and signs no head over it', async () => {
    const log = await fresh();
    const { db } = log.fresh;
    await db.query(`UPDATE es_events SET data = replace(data, 'milk', 'beer') WHERE global_position = $1`, [log.positions[4].split('/')[1]]);
    await db.exec('DROP SCHEMA rm_audit_chain CASCADE');
    await rebuildProjection(db, log.store, auditChainProjection);
    const report = await verifyChain(db, log.store);
    expect(report.first_break).toMatchObject({ kind: 'signed_head_mismatch', seq: '9' });
    // the export would have to sign the rewritten head: it refuses before writing a line
    await expect(exportToFile(log)).rejects.toMatchObject({ code: 'conflict', reason: 'discontinuity' });
    await expect(signCurrentHead(db, signer, new Date())).rejects.toThrow(/no longer reproduces the head signed at seq 19/);
    expect((await signedHeads(db)).map((h) => h.seq)).toEqual(['9', '19']);
  });

  it('trusts only heads of the given key: a head signed by another key is counted, not used', async () => {
    const log = await fresh();
    const other = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
    const { saveSignedHead } = await import('@pl/audit');
    await saveSignedHead(log.fresh.db, other.sign({ seq: '5', tx: '1', pos: '1', link: 'ab'.repeat(32) }, new Date()), other.publicKeyPem);
    expect(await verifyChain(log.fresh.db, log.store, { publicKeyPem: signer.publicKeyPem })).toMatchObject({ ok: true, signed_heads: { checked: 2, untrusted: 1 } });
    expect((await verifyChain(log.fresh.db, log.store)).first_break).toMatchObject({ kind: 'signed_head_mismatch', seq: '5' });
    await log.fresh.db.query(`UPDATE audit_signed_heads SET signature = $1 WHERE seq = 9`, [Buffer.alloc(64, 1).toString('base64')]);
    expect((await verifyChain(log.fresh.db, log.store, { publicKeyPem: signer.publicKeyPem })).first_break).toMatchObject({ kind: 'bad_signature', seq: '9' });
  });

  it('rejects an export whose head is signed by another key, and a forged edit of the file', async () => {
    const log = await fresh();
    const file = await exportToFile(log);
    const other = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
    expect(standalone(file, other.publicKeyPem).report.first_break.kind).toBe('bad_signature');
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const i = lines.findIndex((l) => l.includes('milk 13'));
    const line = JSON.parse(lines[i]);
    lines[i] = JSON.stringify({ ...line, data: line.data.replace('milk', 'beer') });
    writeFileSync(file, lines.join('\n'));
    expect(standalone(file).report.first_break).toMatchObject({ kind: 'altered', position: `${line.tx}/${line.pos}` });
  });

  it('exports one subject with the other events as hashes only, still verifiable to the signed head', async () => {
    const log = await fresh();
    const file = await exportToFile(log, { subjectKey: SUBJECT });
    const s = standalone(file);
    expect(s.report).toMatchObject({ ok: true, events: 8, withheld: 16 });
    const ctx = standalone(await exportToFile(log, { context: 'demo' }));
    expect(ctx.report).toMatchObject({ ok: true, events: 8, withheld: 16 });
    const timed = standalone(await exportToFile(log, { from: new Date(Date.UTC(2026, 0, 1, 0, 20)), to: new Date(Date.UTC(2026, 0, 1, 0, 22)) }));
    expect(timed.report).toMatchObject({ ok: true, events: 2, withheld: 22 });
  });

  it('starts a filtered export at the newest signed head before the first match, verifiable from there', async () => {
    const log = await fresh();
    const third = `sub_${'C'.repeat(32)}`;
    for (let i = 0; i < 3; i++) await log.store.append(`consent-${third}`, [ev('consent.given', { purpose: `late${i}` }, 30 + i)], 'any');
    await untilVisible(log.store, 27);
    await rebuildProjection(log.fresh.db, log.store, auditChainProjection);
    const file = await exportToFile(log, { subjectKey: third });
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[1]).toMatchObject({ kind: 'start', seq: '19' });
    expect(lines.length).toBe(1 + 1 + 7 + 1);
    expect(standalone(file).report).toMatchObject({ ok: true, events: 3, withheld: 4, from_seq: '20', head: { seq: '26' } });
    // the start head is trusted only by its signature
    const forged = [lines[0], { ...lines[1], link: 'ab'.repeat(32) }, ...lines.slice(2)].map((l) => JSON.stringify(l)).join('\n');
    writeFileSync(file, forged);
    expect(standalone(file).report.first_break.kind).toBe('bad_signature');
  });

  it('stays valid after crypto-shredding a subject (the stored bytes do not change)', async () => {
    const f = await freshPostgres('pl_audit');
    opened.push(f);
    const store = new SqlEventStore(f.db);
    await store.init();
    const keys = new SubjectKeyStore(f.db, new MasterKeyRing({ id: 'k1', key: Buffer.alloc(32, 3) }));
    await keys.init();
    const codec = new CryptoEventCodec(keys, new PersonalFieldRegistry([...consent.CONSENT_PERSONAL_FIELDS]));
    const stream = `consent-${SUBJECT}`;
    await new EncryptingEventStore(store, codec).append(stream, [ev('consent.given', { purpose: 'ads', proof: { ip_address: '203.0.113.9', user_agent: 'UA' } }, 1)], 'any');
    await untilVisible(store, 1);
    await rebuildProjection(f.db, store, auditChainProjection);
    await signCurrentHead(f.db, signer, new Date());
    expect(JSON.stringify((await store.readAll(LOG_START))[0].data)).not.toContain('203.0.113.9');
    expect(await keys.shred(SUBJECT)).toBeGreaterThan(0);
    const [decoded] = await codec.decode(await store.readAll(LOG_START));
    expect(decoded.erased_fields?.length).toBeGreaterThan(0);
    expect(await verifyChain(f.db, store)).toMatchObject({ ok: true, checked: 1 });
    await keys.close();
  });
});

describe('a subject includes its data-subject requests', () => {
  it('events of the subject\'s request stream that carry only the request id are in its history and export', async () => {
    const f = await freshPostgres('pl_audit');
    const store = new SqlEventStore(f.db);
    await store.init();
    await store.append('dsr-r1', [ev('rights.request_received', { request_id: 'r1', subject_key: SUBJECT, request_type: 'access' }, 1)], 'no_stream');
    await store.append('dsr-r1', [ev('rights.request_extended', { request_id: 'r1', reason: 'complexity' }, 2)], 0n);
    await store.append('dsr-r2', [ev('rights.request_received', { request_id: 'r2', subject_key: OTHER, request_type: 'access' }, 3)], 'no_stream');
    await store.append('dsr-r2', [ev('rights.request_extended', { request_id: 'r2', reason: 'volume' }, 4)], 0n);
    await untilVisible(store, 4);
    await rebuildProjection(f.db, store, auditChainProjection);
    for (const db of [f.db, undefined]) {
      const { entries } = await subjectHistory(store, SUBJECT, 100, db);
      expect(entries.map((e) => `${e.stream} ${e.type}`)).toEqual(['dsr-r1 rights.request_received', 'dsr-r1 rights.request_extended']);
    }
    // with the projection's index the history searches no event text (the log is not scanned) ...
    const queries: string[] = [];
    const counting = new Proxy(f.db, { get: (t, k) => (k === 'query' ? (sql: string, ...a: unknown[]) => (queries.push(sql), (t.query as any)(sql, ...a)) : (t as any)[k]) });
    const indexed = await subjectHistory(store, SUBJECT, 100, counting);
    expect(queries.some((q) => q.includes('rm_audit_chain.subjects'))).toBe(true);
    expect(queries.filter((q) => /strpos|FROM es_events\s+WHERE \(transaction_id, global_position\) > \(\$1/.test(q))).toEqual([]);
    expect(indexed.entries.map((e) => `${e.stream} ${e.type}`)).toEqual(['dsr-r1 rights.request_received', 'dsr-r1 rights.request_extended']);
    // ... and events after the projection's checkpoint (its lag) come from the log's tail, in order; the limit holds
    await store.append(`consent-${SUBJECT}`, [ev('consent.given', { subject_key: SUBJECT, purpose: 'ads' }, 5)], 'no_stream');
    await store.append('dsr-r1', [ev('rights.request_completed', { request_id: 'r1' }, 6)], 1n);
    await store.append(`consent-${OTHER}`, [ev('consent.given', { subject_key: OTHER, purpose: 'ads' }, 7)], 'no_stream');
    await untilVisible(store, 7);
    const scanned = (await subjectHistory(store, SUBJECT, 100)).entries;
    expect(scanned.map((e) => `${e.stream} ${e.type}`)).toEqual(['dsr-r1 rights.request_received', 'dsr-r1 rights.request_extended', `consent-${SUBJECT} consent.given`, 'dsr-r1 rights.request_completed']);
    expect((await subjectHistory(store, SUBJECT, 100, f.db)).entries).toEqual(scanned);
    expect(await subjectHistory(store, SUBJECT, 3, f.db)).toEqual({ entries: scanned.slice(0, 3), truncated: true });
    // projected, the same from the index alone
    await rebuildProjection(f.db, store, auditChainProjection);
    expect((await subjectHistory(store, SUBJECT, 100, f.db)).entries).toEqual(scanned);
    const lines: string[] = [];
    for await (const line of exportAuditLog(f.db, store, signer, { subjectKey: SUBJECT }, new Date())) lines.push(line);
    const exported = lines.map((l) => JSON.parse(l)).filter((l) => l.kind === 'event').map((l) => `${l.event?.stream ?? l.stream} ${l.event?.type ?? l.type}`);
    expect(exported).toEqual(scanned.map((e) => `${e.stream} ${e.type}`));
    await f.drop();
  });
});
