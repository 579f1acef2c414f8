import { startTestApp, type TestApp } from '../../../../test/support/app';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /catalog/map: the whole data map in one answer, as the catalog stood at any past date. */
describe('data map route (GET /catalog/map)', () => {
  let app: TestApp;
  const times: Record<string, string> = {};
  /** The instant between two registrations (the log's occurred_at has millisecond precision). */
  const mark = async (name: string) => {
    await pause(15);
    times[name] = new Date().toISOString();
    await pause(15);
  };
  const map = async (asOf?: string) => {
    const r = await app.request('GET', `/catalog/map${asOf ? `?as_of=${encodeURIComponent(asOf)}` : ''}`);
    expect(r.status).toBe(200);
    return r.body as { as_of: string; nodes: Array<{ id: string; kind: string; name: string; in_catalog: boolean; record: string | null; system: any; activity: any }>; edges: Array<{ id: string; kind: string; source: string; target: string; leaves_eea: boolean; destination: string | null; mechanism: any; assessment: any }>; counts: Record<string, number> };
  };
  const ids = (m: { nodes: Array<{ id: string }> }) => m.nodes.map((n) => n.id);

  beforeAll(async () => {
    app = await startTestApp({ backend: 'pglite' });
    await mark('before_anything');
    const post = async (path: string, body: unknown) => expect((await app.request('POST', path, body)).status).toBe(201);
    await post('/governance/systems', { system_id: 'shop', name: 'Web shop', owner: 'shop team', storage: [{ country: 'DE' }] });
    await post('/governance/systems/shop/elements', { element_id: 'email', name: 'email', category: 'user.contact.email' });
    await mark('shop_only');
    await post('/governance/systems', { system_id: 'fulfilment', name: 'Fulfilment', owner: 'ops', storage: [{ country: 'US' }], role: 'processor' });
    await post('/governance/flows', { flow_id: 'shop-to-fulfilment', source_system: 'shop', target_system: 'fulfilment', categories: ['user.contact.address'], destination_country: 'US', mechanism: { type: 'scc', scc_module: 'C2P', tia_completed: true } });
    await post('/governance/flows', { flow_id: 'shop-to-ads', source_system: 'shop', recipient: { name: 'Ads Network Inc.', role: 'controller' }, categories: ['user.contact.email'], destination_country: 'US' });
    await post('/governance/activities', {
      activity_id: 'orders',
      name: 'Order handling',
      controller: { name: 'Shop GmbH', contact: 'privacy@shop.example' },
      purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' }],
      subject_categories: ['customer'],
      data_categories: ['user.contact'],
      systems: ['shop', 'fulfilment'],
      transfers: [{ country: 'IN', recipient: 'Support Ltd', safeguard: 'clauses', recipient_role: 'processor' }],
    });
    await mark('all');
    expect((await app.request('DELETE', '/governance/flows/shop-to-ads')).status).toBe(200);
  });
  afterAll(async () => app?.close());

  it('gives every current system, activity and recipient as a node; each transfer leaving the EEA with its mechanism and assessment', async () => {
    const now = await map();
    const systems = (await app.request('GET', '/governance/systems')).body.systems.map((s: { system_id: string }) => `system:${s.system_id}`);
    expect(systems).toEqual(['system:fulfilment', 'system:shop']);
    expect(ids(now)).toEqual(['activity:orders', 'recipient:Support Ltd', ...systems]);
    const shop = now.nodes.find((n) => n.id === 'system:shop')!;
    expect(shop).toMatchObject({ kind: 'system', name: 'Web shop', in_catalog: true, record: '/governance/systems/shop', system: { owner: 'shop team', storage: [{ country: 'DE', region: null }], storage_outside_eea: [] } });
    expect(shop.system.elements.map((e: { element_id: string }) => e.element_id)).toEqual(['email']);
    // the node's record route answers with the same system
    expect((await app.request('GET', shop.record!)).body).toMatchObject({ system_id: 'shop', name: 'Web shop' });
    expect(now.nodes.find((n) => n.id === 'activity:orders')!.activity).toMatchObject({ name: 'Order handling', systems: ['fulfilment', 'shop'], dpia: { outcome: 'not_indicated' } });

    const flow = now.edges.find((e) => e.id === 'flow:shop-to-fulfilment')!;
    expect(flow).toMatchObject({ kind: 'flow', source: 'system:shop', target: 'system:fulfilment', destination: 'US', leaves_eea: true, mechanism: { type: 'scc', scc_module: 'C2P' }, assessment: { allowed: true, basis: 'art46:scc' } });
    // the same assessment as the flow's own route
    const own = (await app.request('GET', `/governance/flows/shop-to-fulfilment/assessment?at=${encodeURIComponent(now.as_of)}`)).body;
    expect(flow.assessment).toEqual({ restricted_transfer: own.restricted_transfer, allowed: own.allowed, basis: own.basis, source: own.source, missing: own.missing, reasons: own.reasons, warnings: own.warnings });
    // a declared transfer to India with only free text: a restricted transfer without a basis
    expect(now.edges.find((e) => e.id === 'transfer:orders:1')).toMatchObject({ kind: 'declared_transfer', source: 'activity:orders', target: 'recipient:Support Ltd', destination: 'IN', leaves_eea: true, mechanism: null, assessment: { allowed: false } });
    expect(now.edges.filter((e) => e.kind === 'runs_on').map((e) => e.target)).toEqual(['system:fulfilment', 'system:shop']);
    expect(now.counts).toEqual({ systems: 2, activities: 1, recipients: 1, flows: 1, transfers_outside_eea: 2, transfers_without_basis: 1 });
  });

  it('as of a date before a system existed, the map does not have it; before anything was registered it is empty', async () => {
    const before = await map(times.before_anything);
    expect(before).toMatchObject({ as_of: times.before_anything, nodes: [], edges: [] });
    const shopOnly = await map(times.shop_only);
    expect(ids(shopOnly)).toEqual(['system:shop']);
    expect(shopOnly.nodes[0].system.elements.map((e: { element_id: string }) => e.element_id)).toEqual(['email']);
  });

  it('as of a date before a flow was retired, the map has the flow and its recipient; after, neither', async () => {
    const then = await map(times.all);
    expect(then.edges.find((e) => e.id === 'flow:shop-to-ads')).toMatchObject({ source: 'system:shop', target: 'recipient:Ads Network Inc.', destination: 'US', leaves_eea: true, mechanism: { type: 'none' }, assessment: { allowed: false, basis: null } });
    expect(ids(then)).toContain('recipient:Ads Network Inc.');
    expect(then.counts).toMatchObject({ flows: 2, transfers_outside_eea: 3, transfers_without_basis: 2 });
    const now = await map();
    expect(now.edges.map((e) => e.id)).not.toContain('flow:shop-to-ads');
    expect(ids(now)).not.toContain('recipient:Ads Network Inc.');
  });

  it('refuses a malformed or future as_of with the reason, and needs catalog:read', async () => {
    const bad = await app.request('GET', '/catalog/map?as_of=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('request validation failed');
    expect(JSON.stringify(bad.body.details)).toMatch(/as_of/);
    const future = await app.request('GET', `/catalog/map?as_of=${new Date(Date.now() + 86_400_000).toISOString()}`);
    expect(future.status).toBe(400);
    expect(future.body.message).toMatch(/as_of must not be in the future/);
    expect((await app.request('GET', '/catalog/map', undefined, null)).status).toBe(401);
    expect((await app.request('GET', '/catalog/map', undefined, await app.createKey('receipts:write'))).status).toBe(403);
    expect((await app.request('GET', '/catalog/map', undefined, await app.createKey('catalog:read'))).status).toBe(200);
  });
});
