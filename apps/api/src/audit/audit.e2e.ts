import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import { startLocalTsa, type LocalTsa } from '../../../../test/support/openssl-tsa';

jest.setTimeout(120_000);

const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();
const consentBody = (user: string) => ({
  user_id: user,
  data_categories: ['user.contact.email'],
  processing_purposes: ['marketing.communications.email'],
  consent_status: 'granted',
  consent_timestamp: iso(-1000),
  legal_basis: 'consent',
  consent_version: 'v3',
  consent_metadata: { notice_id: 'newsletter-form', notice_version: '3', method: 'checkbox', channel: 'web', ip_address: '203.0.113.9' },
});

describe.each(['pglite', 'postgres'] as const)('audit routes over HTTP (%s)', (backend) => {
  let t: TestApp;
  let auditor: string;
  const dir = mkdtempSync(join(tmpdir(), 'pl-audit-e2e-'));
  beforeAll(async () => {
    t = await startTestApp({ backend });
    auditor = await t.createKey('audit:read');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const logSize = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
  /** Waits until the audit_chain projection has chained every event of the log. */
  const chained = async () => {
    const n = await logSize();
    for (let i = 0; i < 400; i++) {
      const h = await t.request('GET', '/audit/head', undefined, auditor);
      if (h.body.head && Number(h.body.head.seq) + 1 >= n) return h.body.head;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the audit chain never caught up');
  };
  const verifyFile = (ndjson: string, publicKey: string) => {
    const file = join(dir, `${Math.random()}.ndjson`);
    const key = join(dir, `${Math.random()}.pem`);
    writeFileSync(file, ndjson);
    writeFileSync(key, publicKey);
    const r = spawnSync(process.execPath, [join(__dirname, '../../../../scripts/verify-audit-export.js'), file, '--public-key', key], { encoding: 'utf8' });
    return { code: r.status, report: JSON.parse(r.stdout) };
  };

  it('chains the log, verifies it, and exports a file an auditor checks without the service', async () => {
    for (const title of ['a', 'b', 'c']) expect((await t.request('POST', '/demo/lists', { title })).status).toBe(201);
    expect((await t.request('POST', '/consent/record', consentBody('alice@example.com'))).status).toBe(201);
    const head = await chained();
    const key = await t.request('GET', '/audit/public-key', undefined, null);
    expect(key.status).toBe(200);
    expect(key.body).toMatchObject({ algorithm: 'Ed25519', key_id: expect.stringMatching(/^[0-9a-f]{16}$/), public_key_pem: expect.stringContaining('BEGIN PUBLIC KEY') });
    const v = await t.request('GET', '/audit/verify', undefined, auditor);
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ ok: true, first_break: null, head: { seq: head.seq } });
    expect(v.body.checked).toBe(Number(head.seq) + 1);

    const exported = await t.request('GET', '/audit/export', undefined, auditor);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const s = verifyFile(exported.body, key.body.public_key_pem);
    expect(s.code).toBe(0);
    // the export's own access record may already be chained: the signed head is at or after the one seen
    expect(s.report).toMatchObject({ ok: true, withheld: 0 });
    expect(Number(s.report.head.seq)).toBeGreaterThanOrEqual(Number(head.seq));
    expect(s.report.events).toBe(Number(s.report.head.seq) + 1);
    expect(exported.body).not.toContain('203.0.113.9');
  });

  /** GET /audit/verify/progress, read line by line as it arrives. */
  const verifyWithProgress = async (key: string | null = auditor) => {
    const res = await fetch(`${t.url}/audit/verify/progress`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    const lines: any[] = [];
    if (res.status !== 200) return { status: res.status, type: res.headers.get('content-type'), lines };
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts.map((l) => JSON.parse(l)));
    }
    expect(buffered).toBe('');
    return { status: res.status, type: res.headers.get('content-type'), lines };
  };
  const timing = ({ elapsed_ms: _e, events_per_second: _r, ...rest }: any) => rest;

  it('records every export as a personal-data access: who, what, why, under which request', async () => {
    const before = await logSize();
    const res = await t.request('GET', '/audit/export?user_id=alice@example.com&purpose=access_request&request_id=req-42', undefined, auditor, { 'x-correlation-id': 'corr-7' });
    expect(res.status).toBe(200);
    const sub = t.infra.pseudonymizer.subject('alice@example.com');
    const rows = await t.infra.db.query<{ stream_id: string; data: string; metadata: string }>(
      "SELECT stream_id, data, metadata FROM es_events WHERE type = 'audit.personal_data_accessed' ORDER BY global_position DESC LIMIT 1",
    );
    expect(await logSize()).toBe(before + 1);
    expect(rows.rows[0].stream_id).toBe(`access-log-${sub}`);
    expect(JSON.parse(rows.rows[0].data)).toMatchObject({ subject_key: sub, what: 'audit.export', purpose: 'access_request', request_id: 'req-42' });
    expect(JSON.parse(rows.rows[0].metadata)).toMatchObject({ actor: expect.stringMatching(/^apikey:/), correlation_id: 'corr-7' });
    expect(rows.rows[0].data + rows.rows[0].metadata).not.toContain('alice@example.com');
    // the subject's export carries only that subject's events; the rest are hashes, still verifiable
    const key = (await t.request('GET', '/audit/public-key', undefined, null)).body.public_key_pem;
    const s = verifyFile(res.body, key);
    expect(s.report).toMatchObject({ ok: true });
    expect(s.report.events).toBeGreaterThanOrEqual(1);
    const lines = res.body.trim().split('\n').map((l: string) => JSON.parse(l));
    const types = lines.filter((l: any) => l.kind === 'event').map((l: any) => l.type);
    expect(types).toContain('consent.given');
    expect(types.every((x: string) => x === 'consent.given' || x === 'audit.personal_data_accessed')).toBe(true);
    // It starts at the newest signed head before the subject's first event, else at the genesis: which
    // one depends on whether the worker's audit-signing clock signed a head in between, so the range is
    // read from the export itself. Every chained position of it is there once, as the subject's event or
    // as a hash; the hashes are exactly the range's events that are not the subject's.
    const start = lines.find((l: any) => l.kind === 'start');
    const first = start ? Number(start.seq) + 1 : 0;
    const last = Number(lines.find((l: any) => l.kind === 'head').seq);
    expect(lines.filter((l: any) => l.kind === 'event' || l.kind === 'link').map((l: any) => Number(l.seq))).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
    const others = await t.infra.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM rm_audit_chain.links l JOIN es_events e ON e.event_id::text = l.event_id
       WHERE l.seq BETWEEN $1 AND $2 AND strpos(e.stream_id || e.data || e.metadata, $3) = 0`,
      [first, last, sub],
    );
    expect(s.report.withheld).toBe(Number(others.rows[0].n));
    expect(lines.filter((l: any) => l.kind === 'link' && !l.absent)).toHaveLength(s.report.withheld);
  });

  it('gives a pseudonymised per-subject audit history, itself logged', async () => {
    await t.request('GET', '/audit/export?user_id=bob@example.com', undefined, auditor);
    expect((await t.request('POST', '/consent/record', consentBody('bob@example.com'))).status).toBe(201);
    const h = await t.request('GET', `/audit/subjects/${encodeURIComponent('bob@example.com')}/history?purpose=access_request`, undefined, auditor);
    expect(h.status).toBe(200);
    const sub = t.infra.pseudonymizer.subject('bob@example.com');
    expect(h.body.subject).toBe(sub);
    // the history's own access record is appended first; it shows once visible to readers
    expect(h.body.events.map((e: any) => e.type).slice(0, 2)).toEqual(['audit.personal_data_accessed', 'consent.given']);
    const logged = await t.infra.db.query<{ data: string }>("SELECT data FROM es_events WHERE stream_id = $1 ORDER BY global_position", [`access-log-${sub}`]);
    expect(logged.rows.map((r) => JSON.parse(r.data).what)).toEqual(['audit.export', 'audit.subject_history']);
    expect(h.body.events[0]).toMatchObject({ stream: `access-log-${sub}`, actor: expect.stringMatching(/^apikey:/), access: { what: 'audit.export', purpose: 'audit' } });
    expect(JSON.stringify(h.body)).not.toContain('bob@example.com');
    expect(JSON.stringify(h.body)).not.toContain('203.0.113.9');
  });

  it('streams the verification: events checked so far of the total, then the report GET /audit/verify gives', async () => {
    await chained();
    const before = await logSize();
    const v = await verifyWithProgress();
    expect(v.status).toBe(200);
    expect(v.type).toContain('application/x-ndjson');
    const progress = v.lines.slice(0, -1);
    const last = v.lines[v.lines.length - 1];
    expect(last.type).toBe('report');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const total = Number(last.report.head.seq) + 1;
    expect(progress[0]).toEqual({ type: 'progress', checked: 0, total });
    expect(progress[progress.length - 1]).toEqual({ type: 'progress', checked: total, total });
    for (let i = 1; i < progress.length; i++) expect(progress[i].checked).toBeGreaterThanOrEqual(progress[i - 1].checked);
    // the same verification as GET /audit/verify (nothing was appended in between): timing aside, the same answer
    const plain = await t.request('GET', '/audit/verify', undefined, auditor);
    expect(timing(last.report)).toEqual(timing(plain.body));
    expect(last.report).toMatchObject({ ok: true, checked: total });
    expect(await logSize()).toBe(before);
    expect((await verifyWithProgress(null)).status).toBe(401);
    expect((await verifyWithProgress(await t.createKey('demo:write'))).status).toBe(403);
  });

  it('lets the auditor scope only read', async () => {
    expect((await t.request('POST', '/audit/checkpoints', undefined, auditor)).status).toBe(403);
    expect((await t.request('POST', '/demo/lists', { title: 'x' }, auditor)).status).toBe(403);
    expect((await t.request('POST', '/consent/record', consentBody('carol@example.com'), auditor)).status).toBe(403);
    expect((await t.request('GET', '/audit/verify', undefined, null)).status).toBe(401);
    expect((await t.request('GET', '/audit/verify', undefined, await t.createKey('demo:write'))).status).toBe(403);
    await chained();
    const signed = await t.request('POST', '/audit/checkpoints');
    expect(signed.status).toBe(201);
    expect(signed.body.signed).toMatchObject({ signature: expect.any(String), key_id: expect.any(String) });
  });

  it('lists the signed heads as published, for the auditor to keep, and reports their publication on /health', async () => {
    await chained();
    expect((await t.request('POST', '/audit/checkpoints')).status).toBe(201);
    const r = await t.request('GET', '/audit/heads', undefined, auditor);
    expect(r.status).toBe(200);
    expect(r.body.heads.length).toBeGreaterThanOrEqual(1);
    expect(r.body.heads[0]).toMatchObject({ format: 'privacy-ledger/audit-head/v1', seq: expect.any(String), link: expect.stringMatching(/^[0-9a-f]{64}$/), signature: expect.any(String), key_id: r.body.key_id });
    const health = await t.request('GET', '/health', undefined, null);
    expect(health.body.checks.audit_head_publication).toMatchObject({ ok: true, detail: { failing: [] } });
    expect(health.body.checks.audit_heads).toMatchObject({ ok: true, detail: { channels: ['webhook'] } });
    // an auditor's verify of this head file offline, against an export
    const heads = join(dir, 'heads.json');
    writeFileSync(heads, JSON.stringify(r.body));
    const exported = await t.request('GET', '/audit/export', undefined, auditor);
    const file = join(dir, 'with-heads.ndjson');
    writeFileSync(file, exported.body);
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, r.body.public_key);
    const s = spawnSync(process.execPath, [join(__dirname, '../../../../scripts/verify-audit-export.js'), file, '--public-key', keyFile, '--heads', heads], { encoding: 'utf8' });
    expect(s.status).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ ok: true, held_heads_checked: r.body.heads.length, held_heads_not_covered: 0 });
  });

  it.each([
    ['a context that is no type prefix', '/audit/export?context=DROP%20TABLE'],
    ['an unknown parameter', '/audit/export?everything=1'],
    ['a bad subject key', '/audit/export?subject_key=alice'],
    ['from after to', '/audit/export?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'],
    ['a bad date', '/audit/export?from=yesterday'],
  ])('rejects %s with 400 and logs nothing', async (_name, path) => {
    const before = await logSize();
    const r = await t.request('GET', path, undefined, auditor);
    expect(r.status).toBe(400);
    expect(Object.keys(r.body).sort()).toEqual(['details', 'error', 'message']);
    expect(await logSize()).toBe(before);
  });

  if (backend === 'postgres') {
    it('names the altered position after a direct UPDATE of es_events (and sets pl_audit_verification_failed)', async () => {
      await chained();
      expect((await t.request('GET', '/audit/verify', undefined, auditor)).body).toMatchObject({ ok: true });
      expect((await t.request('GET', '/metrics', undefined, null)).body as string).toMatch(/^pl_audit_verification_failed 0$/m);
      const row = await t.infra.db.query<{ tx: string; gp: string }>("SELECT transaction_id::text AS tx, global_position::text AS gp FROM es_events WHERE type = 'demo.list_opened' ORDER BY global_position LIMIT 1");
      // the title is encrypted in the log (invariant 13): alter a field stored in clear
      await t.infra.db.query(`UPDATE es_events SET data = replace(data, '"opened_at":"', '"opened_at":"1') WHERE global_position = $1`, [row.rows[0].gp]);
      const v = await t.request('GET', '/audit/verify', undefined, auditor);
      expect(v.body).toMatchObject({ ok: false, first_break: { kind: 'altered', position: `${row.rows[0].tx}/${row.rows[0].gp}` } });
      // the streamed verification names the same break
      const streamed = await verifyWithProgress();
      expect(timing(streamed.lines[streamed.lines.length - 1].report)).toEqual(timing(v.body));
      expect((await t.request('GET', '/metrics', undefined, null)).body as string).toMatch(/^pl_audit_verification_failed 1$/m);
    });

    it('answers 409 to an export whose head would not continue the latest signed head, and records no access', async () => {
      await chained();
      await t.infra.db.query(`UPDATE audit_signed_heads SET link = repeat('0', 64) WHERE seq = (SELECT max(seq) FROM audit_signed_heads)`);
      const before = await logSize();
      const r = await t.request('GET', '/audit/export', undefined, auditor);
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'conflict', details: { reason: 'discontinuity' } });
      expect(await logSize()).toBe(before);
      expect((await t.request('POST', '/audit/checkpoints')).status).toBe(409);
    });
  }
});

describe('access records of the other contexts\' releases of personal data (PGlite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite' });
  });
  afterAll(() => t?.close());

  const accessLog = async (user: string) => {
    const { events } = await t.infra.store.readStream(`access-log-${t.infra.pseudonymizer.subject(user)}`);
    return events.map((e) => ({ ...(e.data as Record<string, unknown>), actor: e.metadata.actor }));
  };

  it('consent history with decrypted personal fields is recorded; without them it is not', async () => {
    expect((await t.request('POST', '/consent/record', consentBody('dora@example.com'))).status).toBe(201);
    const reader = await t.createKey('consent:read');
    expect((await t.request('GET', `/consent/${encodeURIComponent('dora@example.com')}/history`, undefined, reader)).body.personal_fields).toBe('omitted');
    expect(await accessLog('dora@example.com')).toEqual([]);
    const pii = await t.createKey('consent:read-pii');
    const h = await t.request('GET', `/consent/${encodeURIComponent('dora@example.com')}/history`, undefined, pii);
    expect(h.body.personal_fields).toBe('decrypted');
    expect(await accessLog('dora@example.com')).toEqual([expect.objectContaining({ what: 'consent.history', purpose: expect.any(String), actor: expect.stringMatching(/^apikey:/) })]);
  });

  it('access reports and portability exports are recorded with their request', async () => {
    expect((await t.request('POST', '/consent/record', consentBody('erin@example.com'))).status).toBe(201);
    const access = await t.request('GET', `/data-subject/access/${encodeURIComponent('erin@example.com')}`);
    expect(access.status).toBe(200);
    const portability = await t.request('GET', `/data-subject/portability/${encodeURIComponent('erin@example.com')}`);
    expect(portability.status).toBe(200);
    const log = await accessLog('erin@example.com');
    expect(log).toEqual([
      expect.objectContaining({ what: 'rights.access_report', request_id: access.body.request_id }),
      expect.objectContaining({ what: 'rights.portability_export', request_id: expect.any(String) }),
    ]);
    expect(JSON.stringify(log)).not.toContain('erin@example.com');
  });
});

describe('scheduled heads through the running worker (PGlite, a loopback TSA)', () => {
  let t: TestApp;
  let tsa: LocalTsa;
  beforeAll(async () => {
    tsa = await startLocalTsa(Number(process.env.TSA_TEST_PORT ?? 19157));
    t = await startTestApp({ backend: 'pglite', env: { AUDIT_HEAD_INTERVAL_MS: '60000', AUDIT_TSA_URL: tsa.url, OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '127.0.0.1/32' } });
  });
  afterAll(async () => {
    await t?.close();
    await tsa?.close();
  });

  it('signs a head on its own once events arrive, and gets it time-stamped', async () => {
    expect((await t.request('POST', '/demo/lists', { title: 'scheduled' })).status).toBe(201);
    const auditor = await t.createKey('audit:read');
    let heads: any[] = [];
    for (let i = 0; i < 300 && !heads.some((h) => h.timestamp_token); i++) {
      heads = (await t.request('GET', '/audit/heads', undefined, auditor)).body.heads;
      if (!heads.some((h) => h.timestamp_token)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(heads.find((h) => h.timestamp_token)).toMatchObject({ seq: expect.any(String), timestamp_nonce: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(tsa.requests()).toBeGreaterThanOrEqual(1);
    const health = await t.request('GET', '/health', undefined, null);
    expect(health.body.checks.audit_heads).toMatchObject({ ok: true, detail: { channels: ['webhook', 'tsa'] } });
  });
});
