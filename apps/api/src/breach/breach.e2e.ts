import { randomUUID } from 'node:crypto';
import { handleCommand, readCheckpoint } from '@pl/application';
import { catalog } from '@pl/domain';
import { catalogProjection } from '@pl/projections/catalog';
import { breachRegisterProjection } from '@pl/projections/breach_register';
import { dataMapProjection } from '@pl/projections/data_map';
import { startTestApp, type TestApp } from '../../../../test/support/app';

/** Registers catalog systems the way the catalog context records them (stream `catalog-system-<id>`). */
async function registerSystem(t: TestApp, systemId: string, occurredAt: string): Promise<void> {
  const metadata = { event_id: randomUUID(), occurred_at: occurredAt, recorded_at: occurredAt, actor: 'test', correlation_id: randomUUID(), causation_id: null };
  await t.infra.store.append(
    `catalog-system-${systemId}`,
    [
      {
        type: 'catalog.system_registered',
        data: { system: { system_id: systemId, name: systemId, owner: 'it', description: null, storage: [{ country: 'DE', region: null }], role: 'controller', recipients: [], security_measures: [], consent_check: true } },
        metadata,
      },
    ],
    'no_stream',
  );
}

/**
 * On the shared PostgreSQL server other sessions' open transactions can hold recent appends back
 * from readers (transaction-id visibility, invariant 4): poll the scope until the receipts show.
 */
async function scopeOnceVisible(t: TestApp, id: string, subjects: number) {
  for (let i = 0; ; i++) {
    const res = await t.request('POST', `/breaches/${id}/scope`, {});
    if (res.status !== 200 || res.body.subjects_count >= subjects || i >= 300) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const factors = {
  confidentiality: true,
  integrity: false,
  availability: false,
  categories: ['user.contact.email', 'user.account.credentials'],
  special_categories: [],
  subjects_count: 1200,
  records_count: 2400,
  identifiability: 'maximum',
  encrypted: false,
  keys_safe: false,
  backup_available: true,
  vulnerable_subjects: false,
  likely_consequences: ['account takeover'],
};

const assessment = {
  factors,
  subject_jurisdictions: { DE: 500, FR: 100, 'US-CA': 600 },
  main_establishment: null,
  measures_taken: ['passwords reset'],
  measures_proposed: ['MFA'],
  contact_point: 'privacy@example.com',
};

describe.each(['pglite', 'postgres'] as const)('breaches over HTTP (%s)', (backend) => {
  let t: TestApp;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
  const detectBody = (over: Record<string, unknown> = {}) => ({
    aware_at: hoursAgo(5),
    source: 'internal_monitoring',
    description: 'Credential dump of the CRM found on a paste site',
    reporter_role: 'security_operations',
    systems: ['crm'],
    window_from: hoursAgo(48),
    window_to: hoursAgo(6),
    ...over,
  });
  const eventCount = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);

  beforeAll(async () => {
    t = await startTestApp({ backend });
    await registerSystem(t, 'crm', hoursAgo(24 * 30));
  }, 120_000);
  afterAll(() => t?.close(), 60_000);

  it('runs a breach from detection to closure with the clocks, drafts and fan-out', async () => {
    const created = await t.request('POST', '/breaches', detectBody());
    expect(created.status).toBe(201);
    const id = created.body.breach_id;
    expect(created.body.stage).toBe('detected');
    const clock = created.body.deadlines.find((d: any) => d.id === 'gdpr_art33_authority');
    expect(clock.time_left_ms).toBeGreaterThan(66 * 3_600_000);
    expect(clock.time_left_ms).toBeLessThanOrEqual(67 * 3_600_000);

    const assessed = await t.request('POST', `/breaches/${id}/assessment`, assessment);
    expect(assessed.status).toBe(200);
    expect(assessed.body.assessment).toMatchObject({ risk_level: 'high', notify_authority: true, notify_subjects: true, authorities: ['DE', 'FR'], ca_notice_required: true });

    for (const authority of ['DE', 'FR']) {
      const n = await t.request('POST', `/breaches/${id}/authority-notifications`, { authority, phase: 'initial', reference: `${authority}-1` });
      expect(n.status).toBe(201);
    }
    const subjects = await t.request('POST', `/breaches/${id}/subject-notifications`, { jurisdiction: 'EU', channel: 'email', subjects_count: 600, subject_ids: ['alice@example.com', 'user-42'] });
    expect(subjects.status).toBe(201);
    expect(subjects.body.events).toEqual(['breach.subjects_notified', 'breach.subject_notice_prepared', 'breach.subject_notice_prepared']);
    const stored = await t.infra.db.query<{ data: unknown }>(`SELECT data::text AS data FROM es_events WHERE type = 'breach.subject_notice_prepared' AND stream_id = $1`, [`breach-${id}`]);
    expect(stored.rows).toHaveLength(2);
    expect(JSON.stringify(stored.rows)).not.toContain('alice@example.com');
    expect(JSON.stringify(stored.rows)).toContain(t.infra.pseudonymizer.subject('alice@example.com'));

    const drafts = await t.request('GET', `/breaches/${id}/drafts?controller=Example%20GmbH`);
    expect(drafts.status).toBe(200);
    expect(drafts.body.authority.json).toMatchObject({ controller: 'Example GmbH', authorities: ['DE', 'FR'], contact_point: 'privacy@example.com' });
    expect(drafts.body.california.json.title).toBe('Notice of Data Breach');
    const text = await fetch(`${t.url}/breaches/${id}/drafts?format=text`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(text.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await text.text()).toMatch(/\(d\) Measures taken/);

    const pending = await t.request('POST', `/breaches/${id}/close`, { summary: 'contained' });
    expect(pending.status).toBe(422);
    expect(pending.body.details.pending).toEqual(['California residents (Civ. § 1798.82)']);
    expect((await t.request('POST', `/breaches/${id}/subject-notifications`, { jurisdiction: 'US-CA', channel: 'letter', subjects_count: 600 })).status).toBe(201);
    const ag = await t.request('GET', `/breaches/${id}`);
    expect(ag.body.deadlines.find((d: any) => d.id === 'ca_attorney_general').met_at).toBeNull();
    expect((await t.request('POST', `/breaches/${id}/attorney-general-notification`, { reference: 'AG-1' })).status).toBe(201);
    const closed = await t.request('POST', `/breaches/${id}/close`, { summary: 'contained' });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');

    const one = await t.request('GET', `/breaches/${id}`);
    const csv = await fetch(`${t.url}/breaches/register.csv`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await csv.text()).split('\r\n')[0]).toMatch(/^breach_id,status,stage/);
    expect(one.body.timeline.map((e: any) => e.type)).toContain('breach.closed');
    for (let i = 0; i < 100; i++) {
      const list = await t.request('GET', '/breaches?status=closed');
      const row = list.body.breaches.find((b: any) => b.breach_id === id);
      if (row) {
        expect(row.stage).toBe('closed');
        expect(row.deadlines.every((d: any) => d.met_at !== null)).toBe(true);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('breach register never caught up');
  });

  it('scopes from processing receipts and the catalog as it stood at awareness, and records the scope', async () => {
    const meta = (occurred: string) => ({ event_id: randomUUID(), occurred_at: occurred, recorded_at: new Date().toISOString(), actor: 'test', correlation_id: randomUUID(), causation_id: null });
    const element = (element_id: string, category: string, art9: boolean, occurred: string) => ({
      type: 'catalog.data_element_registered',
      data: { system_id: 'crm', element: { element_id, name: element_id, category, special: { gdpr_art9: art9, gdpr_art10: false, cpra_sensitive: art9 }, source: null }, suggestion: null },
      metadata: meta(occurred),
    });
    await t.infra.store.append(
      'catalog-system-crm',
      [element('email', 'user.contact.email', false, hoursAgo(24 * 20)), element('diagnosis', 'user.health.medical', true, hoursAgo(24 * 10)), element('iban', 'user.financial.account', false, hoursAgo(1))],
      'any',
    );
    const receipt = (user: string, system: string, category: string, storedAt: string) => {
      const key = t.infra.pseudonymizer.subject(user);
      return t.infra.store.append(
        `receipts-${key}`,
        [{ type: 'catalog.processing_recorded', data: { receipt_id: randomUUID(), subject_key: key, system_id: system, category, purpose: 'essential.service', stored_at: storedAt }, metadata: meta(storedAt) }],
        'any',
      );
    };
    await receipt('u1', 'crm', 'user.contact.email', hoursAgo(30));
    await receipt('u1', 'crm', 'user.health.medical', hoursAgo(29));
    await receipt('u2', 'crm', 'user.contact.email', hoursAgo(20));
    await receipt('u3', 'crm', 'user.contact.email', hoursAgo(10));
    await receipt('u4', 'crm', 'user.contact.email', hoursAgo(24 * 5)); // before the window
    await receipt('u5', 'shop', 'user.financial.card', hoursAgo(20)); // another system

    const id = (await t.request('POST', '/breaches', detectBody())).body.breach_id;
    const scope = await scopeOnceVisible(t, id, 3);
    expect(scope.status).toBe(200);
    expect(scope.body).toMatchObject({
      systems: ['crm'],
      subjects_count: 3,
      records_count: 4,
      special_categories: ['user.health_and_medical.medical'],
      subjects_without_jurisdiction: 3,
    });
    // iban was added to the catalog after the controller became aware: not part of the breach.
    expect(scope.body.categories).toEqual(['user.contact.email', 'user.health_and_medical.medical']);

    const { subjects_count: _s, records_count: _r, categories: _c, special_categories: _sc, ...partial } = factors;
    const assessed = await t.request('POST', `/breaches/${id}/assessment`, { ...assessment, factors: partial, subject_jurisdictions: { DE: 3 }, use_scope: true });
    expect(assessed.status).toBe(200);
    expect(assessed.body.assessment.factors).toMatchObject({ subjects_count: 3, records_count: 4, special_categories: ['user.health_and_medical.medical'] });
    expect(assessed.body.assessment.scope).toEqual(scope.body);
    expect(assessed.body.assessment.risk_level).toBe('high');
    expect((await t.request('POST', `/breaches/${id}/assessment`, { ...assessment, factors: partial })).status).toBe(400);

    const fanOut = await t.request('POST', `/breaches/${id}/subject-notifications`, { jurisdiction: 'EU', channel: 'email', from_scope: true });
    expect(fanOut.status).toBe(201);
    expect(fanOut.body.subjects_notified.EU.count).toBe(3);
    const notices = await t.infra.db.query<{ k: string }>(
      `SELECT data::jsonb->>'subject_key' AS k FROM es_events WHERE stream_id = $1 AND type = 'breach.subject_notice_prepared' ORDER BY global_position`,
      [`breach-${id}`],
    );
    expect(notices.rows.map((r) => r.k).sort()).toEqual(['u1', 'u2', 'u3'].map((u) => t.infra.pseudonymizer.subject(u)).sort());
  });

  it('takes the optional EDPB 01/2021 factors: a hospital ransomware with a backup but two days down is high risk (case 03)', async () => {
    const id = (await t.request('POST', '/breaches', detectBody())).body.breach_id;
    const hospital = {
      ...factors,
      confidentiality: false,
      availability: true,
      categories: ['user.name'],
      special_categories: ['user.health_and_medical.medical'],
      backup_available: true,
      cause: 'malicious',
      exfiltration: 'none',
      unavailability_hours: 48,
      unavailability_impact: 'serious',
    };
    const res = await t.request('POST', `/breaches/${id}/assessment`, { ...assessment, factors: hospital, subject_jurisdictions: { DE: 300 } });
    expect(res.status).toBe(200);
    expect(res.body.assessment).toMatchObject({ risk_level: 'high', notify_authority: true, notify_subjects: true, assumptions: [] });
    expect(res.body.deadlines.map((d: any) => d.id)).toContain('gdpr_art33_authority');
    // Unknown impact: toward notifying, and the output says so.
    const unknown = await t.request('POST', `/breaches/${id}/assessment`, { ...assessment, factors: { ...hospital, special_categories: [], unavailability_impact: 'unknown' } });
    expect(unknown.body.assessment).toMatchObject({ risk_level: 'risk', notify_authority: true, assumptions: ['impact of the unavailability on the subjects'] });
  });

  it('pages the register newest awareness first with an after cursor: every breach once, ties across pages kept', async () => {
    const base = Date.now() - 7 * 3_600_000;
    const at = (ms: number) => new Date(base + ms).toISOString();
    // three at the same instant (ordered by id), so a tie spans a page boundary at limit=2
    const awareness = [at(0), at(0), at(0), at(2_000), at(3_000), at(4_000), at(5_000)];
    const mine: string[] = [];
    for (const aware_at of awareness) {
      const r = await t.request('POST', '/breaches', detectBody({ aware_at }));
      expect(r.status).toBe(201);
      mine.push(r.body.breach_id);
    }
    let all: any[] = [];
    for (let i = 0; i < 200; i++) {
      all = (await t.request('GET', '/breaches?limit=1000')).body.breaches;
      if (mine.every((id) => all.some((b) => b.breach_id === id))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(mine.every((id) => all.some((b) => b.breach_id === id))).toBe(true);
    const seen: any[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const res: { status: number; body: any } = await t.request('GET', `/breaches?limit=2${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.breaches.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.breaches);
      after = res.body.next;
      if (!after) break;
    }
    expect(seen.map((b) => b.breach_id)).toEqual(all.map((b) => b.breach_id));
    expect(new Set(seen.map((b) => b.breach_id)).size).toBe(seen.length);
    // newest awareness first, the same instant by id
    const order = seen.map((b) => b.breach_id).filter((id) => mine.includes(id));
    expect(order).toEqual([mine[6], mine[5], mine[4], mine[3], ...[mine[0], mine[1], mine[2]].sort()]);
    const sorted = [...seen].sort((x, y) => Date.parse(y.aware_at) - Date.parse(x.aware_at));
    expect(seen.map((b) => b.aware_at)).toEqual(sorted.map((b) => b.aware_at));

    // a filter pages the same way; the last page says so with next: null
    const open = await t.request('GET', '/breaches?status=open&limit=1000');
    const firstOpen = await t.request('GET', '/breaches?status=open&limit=1');
    expect(firstOpen.body.breaches.map((b: any) => b.breach_id)).toEqual([open.body.breaches[0].breach_id]);
    const secondOpen = await t.request('GET', `/breaches?status=open&limit=1&after=${firstOpen.body.next}`);
    expect(secondOpen.body.breaches.map((b: any) => b.breach_id)).toEqual(open.body.breaches.slice(1, 2).map((b: any) => b.breach_id));
    expect(open.body.next).toBeNull();

    for (const bad of ['not*base64', Buffer.from('["yesterday","x"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      const res = await t.request('GET', `/breaches?after=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/after must be the next value of a previous page/);
    }
  });

  describe('bad input: a clear 4xx and nothing appended', () => {
    let assessedId: string;
    let detectedId: string;
    let closedId: string;
    beforeAll(async () => {
      detectedId = (await t.request('POST', '/breaches', detectBody())).body.breach_id;
      assessedId = (await t.request('POST', '/breaches', detectBody())).body.breach_id;
      await t.request('POST', `/breaches/${assessedId}/assessment`, assessment);
      closedId = (await t.request('POST', '/breaches', detectBody())).body.breach_id;
      await t.request('POST', `/breaches/${closedId}/assessment`, { ...assessment, factors: { ...factors, confidentiality: false, availability: true } });
      expect((await t.request('POST', `/breaches/${closedId}/close`, { summary: 'restored from backup' })).status).toBe(200);
    }, 120_000);

    const cases: Array<[string, () => [string, string, unknown], number, RegExp | null]> = [
      ['awareness time in the future', () => ['POST', '/breaches', detectBody({ aware_at: new Date(Date.now() + 3_600_000).toISOString() })], 400, /future/],
      ['unknown systems', () => ['POST', '/breaches', detectBody({ systems: ['crm', 'ghost'] })], 400, /unknown systems/],
      ['an e-mail address in the description', () => ['POST', '/breaches', detectBody({ description: 'inbox of jane@example.com exposed' })], 400, /personal data/],
      ['a person named as reporter', () => ['POST', '/breaches', detectBody({ reporter_role: 'Jane Doe' })], 400, null],
      ['an unknown field', () => ['POST', '/breaches', detectBody({ reporter_name: 'x' })], 400, null],
      ['not a timestamp', () => ['POST', '/breaches', detectBody({ aware_at: 'last tuesday' })], 400, null],
      ['authority notification before assessment', () => ['POST', `/breaches/${detectedId}/authority-notifications`, { authority: 'DE', phase: 'initial' }], 422, /assessment/],
      ['subject notification before assessment', () => ['POST', `/breaches/${detectedId}/subject-notifications`, { jurisdiction: 'EU', channel: 'email', subjects_count: 1 }], 422, /assessment/],
      ['an additional phase before the initial one', () => ['POST', `/breaches/${assessedId}/authority-notifications`, { authority: 'DE', phase: 'additional' }], 422, /initial/],
      ['a non-EEA authority', () => ['POST', `/breaches/${assessedId}/authority-notifications`, { authority: 'US', phase: 'initial' }], 400, /EEA/],
      ['exemption (c) without a public communication', () => ['POST', `/breaches/${assessedId}/subject-exemption`, { ground: 'c', justification: 'no addresses' }], 400, /public communication/],
      ['reopening a closed breach with an empty reason', () => ['POST', `/breaches/${closedId}/reopen`, { reason: '  ' }], 400, /reason/],
      ['reopening a closed breach without a reason', () => ['POST', `/breaches/${closedId}/reopen`, {}], 400, null],
      ['reopening an open breach', () => ['POST', `/breaches/${assessedId}/reopen`, { reason: 'x' }], 409, null],
      ['assessing a closed breach', () => ['POST', `/breaches/${closedId}/assessment`, assessment], 409, /closed/],
      ['a malformed breach id', () => ['GET', '/breaches/not-a-uuid', undefined], 400, null],
      ['an unknown cause', () => ['POST', `/breaches/${assessedId}/assessment`, { ...assessment, factors: { ...factors, cause: 'hackers' } }], 400, null],
      ['a subset labelled with a name', () => ['POST', `/breaches/${assessedId}/assessment`, { ...assessment, factors: { ...factors, subsets: [{ label: 'Jane Doe', subjects_count: 1 }] } }], 400, null],
      ['an unknown field in a subset', () => ['POST', `/breaches/${assessedId}/assessment`, { ...assessment, factors: { ...factors, subsets: [{ label: 'a', subjects_count: 1, owner: 'x' }] } }], 400, null],
      ['an unknown breach', () => ['POST', `/breaches/${randomUUID()}/close`, { summary: 'x' }], 404, null],
    ];

    it.each(cases)('%s', async (_name, make, status, message) => {
      const [method, path, body] = make();
      const before = await eventCount();
      const res = await t.request(method, path, body);
      expect(res.status).toBe(status);
      expect(Object.keys(res.body).sort()).toEqual(['details', 'error', 'message']);
      expect(typeof res.body.message).toBe('string');
      if (message) expect(res.body.message).toMatch(message);
      expect(await eventCount()).toBe(before);
    });

    it('points at the unknown systems by index, without echoing them', async () => {
      const res = await t.request('POST', '/breaches', detectBody({ systems: ['crm', 'ghost'] }));
      expect(res.body.details).toMatchObject({ unknown_indices: [1] });
      expect(JSON.stringify(res.body)).not.toContain('ghost');
    });

    it('reopens with a reason', async () => {
      const res = await t.request('POST', `/breaches/${closedId}/reopen`, { reason: 'exfiltration found in logs' });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('open');
    });

    it('needs the breach:manage scope', async () => {
      expect((await t.request('GET', '/breaches', undefined, null)).status).toBe(401);
      const other = await t.createKey('consent:write');
      expect((await t.request('POST', '/breaches', detectBody(), other)).status).toBe(403);
      const manager = await t.createKey('breach:manage');
      expect((await t.request('POST', '/breaches', detectBody(), manager)).status).toBe(201);
    });
  });
});

describe('scoping from the catalog read models (rm_catalog as of, rm_data_map receipts)', () => {
  let t: TestApp;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', worker: { projections: [breachRegisterProjection, catalogProjection, dataMapProjection] } });
    const define = (command: catalog.SystemCommand, at: Date) =>
      handleCommand(t.infra.store, catalog.systemDecider, catalog.systemStream('billing'), command, { actor: 'test', correlationId: randomUUID(), now: at });
    const at = (h: number) => hoursAgo(h);
    await define({ type: 'DefineSystem', mode: 'create', input: { system_id: 'billing', name: 'Billing', owner: 'finance', storage: [{ country: 'DE' }] }, now: at(24 * 60) }, at(24 * 60));
    await define({ type: 'DefineDataElement', mode: 'create', systemId: 'billing', input: { element_id: 'email', name: 'email', category: 'user.contact.email' }, now: at(24 * 50) }, at(24 * 50));
    await define({ type: 'DefineDataElement', mode: 'create', systemId: 'billing', input: { element_id: 'sick_note', name: 'sick note', category: 'user.health.medical' }, now: at(24 * 40) }, at(24 * 40));
    // Added after the controller became aware of the breach: not in its scope.
    await define({ type: 'DefineDataElement', mode: 'create', systemId: 'billing', input: { element_id: 'passport', name: 'passport', category: 'user.government_id.passport' }, now: at(1) }, at(1));
    const receipt = async (user: string, category: string, storedAt: Date) => {
      const key = t.infra.pseudonymizer.subject(user);
      const events = catalog.receiptEvents(key, [{ receipt_id: randomUUID(), system_id: 'billing', category, purpose: 'essential.service', stored_at: storedAt.toISOString() }], new Set(['billing']), new Date());
      await t.infra.store.append(
        catalog.receiptsStream(key),
        events.map((e) => ({ type: e.type, data: e.data, metadata: { event_id: randomUUID(), occurred_at: storedAt.toISOString(), recorded_at: new Date().toISOString(), actor: 'test', correlation_id: randomUUID(), causation_id: null } })),
        'any',
      );
    };
    await receipt('a', 'user.contact.email', hoursAgo(30));
    await receipt('b', 'user.health.medical', hoursAgo(20));
    await receipt('b', 'user.contact.email', hoursAgo(20));
    await receipt('c', 'user.contact.email', hoursAgo(24 * 10));
  }, 120_000);
  afterAll(() => t?.close(), 60_000);

  it('uses the catalog as it stood at awareness and the receipts of the window', async () => {
    const body = {
      aware_at: hoursAgo(5).toISOString(),
      source: 'internal_monitoring',
      description: 'billing export exposed',
      reporter_role: 'security_operations',
      systems: ['billing'],
      window_from: hoursAgo(48).toISOString(),
      window_to: hoursAgo(6).toISOString(),
    };
    const created = await t.request('POST', '/breaches', body);
    expect(created.status).toBe(201);
    // the adapter reads the read models only when their projections run here
    expect(await readCheckpoint(t.infra.db, 'catalog')).not.toBeNull();
    expect(await readCheckpoint(t.infra.db, 'data_map')).not.toBeNull();
    const scope = await scopeOnceVisible(t, created.body.breach_id, 2);
    expect(scope.status).toBe(200);
    expect(scope.body).toMatchObject({ subjects_count: 2, records_count: 3, categories: ['user.contact.email', 'user.health_and_medical.medical'], special_categories: ['user.health_and_medical.medical'] });
    const unknown = await t.request('POST', '/breaches', { ...body, systems: ['billing', 'nope'] });
    expect([unknown.status, unknown.body.details]).toEqual([400, { field: 'systems', unknown_indices: [1] }]);
  });
});
