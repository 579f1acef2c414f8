import { normalizeActivity } from './activity';
import { catalogMap, } from './catalog-map';
import type { CatalogAt } from './catalog-at';
import { normalizeFlow } from './flow';
import { normalizeElement, normalizeSystem } from './system';

const sys = (system_id: string, country: string, role: 'controller' | 'processor' = 'controller') => normalizeSystem({ system_id, name: `${system_id} name`, owner: 'ops', storage: [{ country }], role });
const systems = [sys('shop', 'DE'), sys('crm', 'IE'), sys('warehouse', 'US', 'processor')];
const known = Object.fromEntries(systems.map((s) => [s.system_id, { role: s.role }]));

const catalogAt = (at: string, extra: Partial<CatalogAt> = {}): CatalogAt => ({
  at: new Date(at),
  systems,
  elements: new Map([['shop', [normalizeElement({ element_id: 'email', name: 'email', category: 'user.contact.email' }).element]]]),
  activities: [
    normalizeActivity(
      {
        activity_id: 'orders',
        name: 'Order handling',
        controller: { name: 'Shop GmbH', contact: 'privacy@shop.example' },
        purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' }],
        subject_categories: ['customer'],
        data_categories: ['user.contact', 'user.financial'],
        systems: ['shop', 'crm'],
        transfers: [{ country: 'IN', recipient: 'Support Ltd', safeguard: 'SCCs', mechanism: { type: 'scc', scc_module: 'C2P' }, recipient_role: 'processor' }],
        risk: { large_scale: true, evaluation_scoring: true },
      },
      ['shop', 'crm'],
    ),
  ],
  flows: [
    normalizeFlow({ flow_id: 'shop-to-crm', source_system: 'shop', target_system: 'crm', categories: ['user.contact'], destination_country: 'IE' }, known),
    normalizeFlow({ flow_id: 'shop-to-warehouse', source_system: 'shop', target_system: 'warehouse', categories: ['user.contact.address'], destination_country: 'US' }, known),
    normalizeFlow({ flow_id: 'crm-to-agency', source_system: 'crm', recipient: { name: 'Agency SA', role: 'processor' }, categories: ['user.contact.email'], destination_country: 'BR', mechanism: { type: 'adequacy' } }, known),
  ],
  processorRecords: [],
  ...extra,
});

describe('the data map (systems, activities, recipients; flows, systems of activities, declared transfers)', () => {
  const map = catalogMap(catalogAt('2026-06-01T00:00:00Z'));
  const edge = (id: string) => map.edges.find((e) => e.id === id)!;
  const node = (id: string) => map.nodes.find((n) => n.id === id)!;

  it('has a node for every system, activity and external recipient, each system and activity with its record as of the date', () => {
    expect(map.nodes.map((n) => n.id)).toEqual(['activity:orders', 'recipient:Agency SA', 'recipient:Support Ltd', 'system:crm', 'system:shop', 'system:warehouse']);
    expect(node('system:shop')).toMatchObject({ kind: 'system', name: 'shop name', in_catalog: true, record: '/governance/systems/shop' });
    expect(node('system:shop').system!.elements.map((e) => e.element_id)).toEqual(['email']);
    expect(node('system:warehouse').system!.storage_outside_eea).toEqual(['US']);
    expect(node('system:crm').system!.storage_outside_eea).toEqual([]);
    // two WP248 criteria (large scale, scoring): a DPIA is likely required
    expect(node('activity:orders').activity!.dpia.outcome).toBe('likely_required');
    expect(node('recipient:Agency SA').recipient).toEqual({ roles: ['processor'], destinations: ['BR'] });
    expect(map.counts).toEqual({ systems: 3, activities: 1, recipients: 2, flows: 3, transfers_outside_eea: 3, transfers_without_basis: 1 });
  });

  it('marks each transfer leaving the EEA with its mechanism and the assessment at the date; flows inside the EEA are not transfers', () => {
    expect(edge('flow:shop-to-crm')).toMatchObject({ kind: 'flow', source: 'system:shop', target: 'system:crm', destination: 'IE', leaves_eea: false, assessment: { basis: 'eea' } });
    // to the US without a mechanism: a restricted transfer with no basis
    expect(edge('flow:shop-to-warehouse')).toMatchObject({ leaves_eea: true, mechanism: { type: 'none' }, assessment: { allowed: false, basis: null } });
    expect(edge('flow:shop-to-warehouse').record).toBe('/governance/flows/shop-to-warehouse/assessment?at=2026-06-01T00%3A00%3A00.000Z');
    // Brazil's adequacy decision is in force from 2026-01-26
    expect(edge('flow:crm-to-agency')).toMatchObject({ target: 'recipient:Agency SA', leaves_eea: true, assessment: { allowed: true, basis: 'adequacy' } });
    expect(edge('transfer:orders:1')).toMatchObject({ kind: 'declared_transfer', source: 'activity:orders', target: 'recipient:Support Ltd', destination: 'IN', leaves_eea: true, safeguard: 'SCCs', mechanism: { type: 'scc', scc_module: 'C2P' }, assessment: { allowed: true, basis: 'art46:scc' } });
    expect(map.edges.filter((e) => e.kind === 'runs_on').map((e) => [e.source, e.target])).toEqual([
      ['activity:orders', 'system:crm'],
      ['activity:orders', 'system:shop'],
    ]);
  });

  it('assesses with the law in force at the date: before Brazil was adequate the same flow has no basis', () => {
    const before = catalogMap(catalogAt('2025-06-01T00:00:00Z'));
    expect(before.edges.find((e) => e.id === 'flow:crm-to-agency')).toMatchObject({ leaves_eea: true, assessment: { allowed: false, basis: null } });
    expect(before.counts.transfers_without_basis).toBe(2);
  });

  it('shows a system that a flow or an activity still names but the catalog no longer holds as a node not in the catalog', () => {
    const m = catalogMap(catalogAt('2026-06-01T00:00:00Z', { systems: systems.filter((s) => s.system_id !== 'crm') }));
    expect(m.nodes.find((n) => n.id === 'system:crm')).toEqual({ id: 'system:crm', kind: 'system', ref: 'crm', name: 'crm', in_catalog: false, record: null, system: null, activity: null, recipient: null });
    expect(m.counts.systems).toBe(2);
    // every edge ends at a node of the map
    const ids = new Set(m.nodes.map((n) => n.id));
    expect(m.edges.filter((e) => !ids.has(e.source) || !ids.has(e.target))).toEqual([]);
  });

  it('is empty for a catalog that did not exist yet', () => {
    expect(catalogMap({ at: new Date('2020-01-01T00:00:00Z'), systems: [], elements: new Map(), activities: [], flows: [], processorRecords: [] })).toEqual({
      as_of: '2020-01-01T00:00:00.000Z',
      nodes: [],
      edges: [],
      counts: { systems: 0, activities: 0, recipients: 0, flows: 0, transfers_outside_eea: 0, transfers_without_basis: 0 },
    });
  });
});
