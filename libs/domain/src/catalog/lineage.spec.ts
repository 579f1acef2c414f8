import { refusalOf } from '../shared/testing';
import type { CatalogAt } from './catalog-at';
import { lineageOf } from './lineage';

const system = (system_id: string) => ({ system_id, name: `${system_id} name` });
const element = (element_id: string, category: string | null) => ({ element_id, name: element_id, category });
const flow = (flow_id: string, source_system: string, to: string | { recipient: string }, categories: string[]) => ({
  flow_id,
  source_system,
  target: typeof to === 'string' ? { kind: 'system', system_id: to } : { kind: 'recipient', name: to.recipient, role: 'processor', dpf_certified: false, commercial_organisation: true },
  categories,
  destination_country: 'DE',
});
const activity = (activity_id: string, systems: string[], data_categories: string[]) => ({ activity_id, name: activity_id, systems, data_categories, purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' }] });

const c = {
  at: new Date('2026-06-01T00:00:00Z'),
  systems: ['web', 'accounts', 'newsletter', 'crm', 'billing'].map(system),
  elements: new Map([
    ['accounts', [element('email', 'user.contact.email'), element('iban', 'user.financial.account'), element('notes', null)]],
    ['newsletter', [element('email', 'user.contact.email')]],
    ['billing', [element('iban', 'user.financial.account')]],
  ]),
  flows: [
    flow('web-to-accounts', 'web', 'accounts', ['user.contact']),
    flow('accounts-to-newsletter', 'accounts', 'newsletter', ['user.contact.email', 'user.name']),
    flow('newsletter-to-crm', 'newsletter', 'crm', ['user.contact']),
    flow('newsletter-to-mailer', 'newsletter', { recipient: 'Mailer Inc.' }, ['user.contact.email']),
    flow('accounts-to-billing', 'accounts', 'billing', ['user.financial']),
    flow('crm-back-to-accounts', 'crm', 'accounts', ['user.contact.phone']),
  ],
  activities: [activity('accounts', ['accounts'], ['user.contact']), activity('payments', ['accounts', 'billing'], ['user.financial.account']), activity('analytics', ['web'], ['user.contact'])],
  processorRecords: [],
} as unknown as CatalogAt;


describe('data lineage of an element', () => {
  it('follows the flows that carry its category up- and downstream, hop by hop, to systems and external recipients', () => {
    const l = lineageOf(c, 'email', 'accounts');
    expect(l.element).toEqual({ system_id: 'accounts', element_id: 'email', name: 'email', category: 'user.contact.email' });
    expect(l.upstream.systems).toEqual([{ system_id: 'web', name: 'web name', hops: 1 }]);
    expect(l.upstream.flows.map((f) => f.flow_id)).toEqual(['web-to-accounts']);
    expect(l.downstream.systems).toEqual([
      { system_id: 'newsletter', name: 'newsletter name', hops: 1 },
      { system_id: 'crm', name: 'crm name', hops: 2 },
    ]);
    expect(l.downstream.recipients).toEqual([{ name: 'Mailer Inc.', role: 'processor', flow_id: 'newsletter-to-mailer', destination_country: 'DE', hops: 2 }]);
    // a flow carrying other categories (billing, a phone flow back) is not this element's lineage
    expect(l.downstream.flows.map((f) => f.flow_id).sort()).toEqual(['accounts-to-newsletter', 'newsletter-to-crm', 'newsletter-to-mailer']);
    expect(l.activities.map((a) => a.activity_id)).toEqual(['accounts']);
  });

  it('stops at cycles, follows nothing for an unclassified element, and asks which system when the id is ambiguous', () => {
    expect(lineageOf(c, 'iban', 'accounts').downstream.systems.map((s) => s.system_id)).toEqual(['billing']);
    expect(lineageOf(c, 'iban', 'billing').upstream.systems.map((s) => s.system_id)).toEqual(['accounts']);
    const notes = lineageOf(c, 'notes');
    expect([notes.upstream.flows, notes.downstream.flows, notes.activities]).toEqual([[], [], []]);
    const ambiguous = refusalOf(() => lineageOf(c, 'email'));
    expect([ambiguous.code, ambiguous.details]).toEqual(['conflict', { systems: ['accounts', 'newsletter'] }]);
    expect(refusalOf(() => lineageOf(c, 'nope')).code).toBe('not_found');
  });
});
