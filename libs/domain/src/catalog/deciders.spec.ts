import { spec } from '../shared/testing';
import { activityDecider, type ActivityEvent, type ActivityInput } from './activity';
import { flowDecider, type FlowInput } from './flow';
import { processorRecordDecider } from './processor-record';
import { systemDecider, normalizeSystem, type SystemEvent, type SystemInput } from './system';

const now = new Date('2026-06-01T10:00:00.000Z');
const crmKnown = { crm: { role: 'controller' as const } };
const crm: SystemInput = { system_id: 'crm', name: 'CRM', owner: 'sales', storage: [{ country: 'de', region: 'eu-central-1' }], consent_check: true };
const crmSnapshot = normalizeSystem(crm);
const registered: SystemEvent = { type: 'catalog.system_registered', data: { system: crmSnapshot } };

describe('system decider', () => {
  it('registers a system with normalised fields', () =>
    spec(systemDecider)
      .given([])
      .when({ type: 'DefineSystem', mode: 'create', input: crm, now })
      .then([
        {
          type: 'catalog.system_registered',
          data: {
            system: {
              system_id: 'crm',
              name: 'CRM',
              owner: 'sales',
              description: null,
              storage: [{ country: 'DE', region: 'eu-central-1' }],
              role: 'controller',
              recipients: [],
              security_measures: [],
              consent_check: true,
            },
          },
        },
      ]));

  it('upsert with nothing changed appends nothing (idempotent apply)', () =>
    spec(systemDecider).given([registered]).when({ type: 'DefineSystem', mode: 'upsert', input: crm, now }).then([]));

  it('update records what changed', () =>
    spec(systemDecider)
      .given([registered])
      .when({ type: 'DefineSystem', mode: 'upsert', input: { ...crm, owner: 'marketing' }, now })
      .then([{ type: 'catalog.system_updated', data: { system: { ...crmSnapshot, owner: 'marketing' }, changed: ['owner'] } }]));

  it('create twice conflicts, update of a missing system is not found', () => {
    spec(systemDecider).given([registered]).when({ type: 'DefineSystem', mode: 'create', input: crm, now }).thenThrows('conflict');
    spec(systemDecider).given([]).when({ type: 'DefineSystem', mode: 'update', input: crm, now }).thenThrows('not_found');
  });

  it.each([
    [{ ...crm, storage: [{ country: 'XX' }] }, /ISO 3166/],
    [{ ...crm, storage: [] }, /at least one country/],
    [{ ...crm, system_id: 'Jane Doe' }, /slug/],
    [{ ...crm, role: 'owner' as never }, /controller or processor/],
  ])('rejects bad input %#', (system, re) => spec(systemDecider).given([]).when({ type: 'DefineSystem', mode: 'create', input: system, now }).thenThrows('invalid', re));

  it('records a classification suggestion without applying it', () =>
    spec(systemDecider)
      .given([registered])
      .when({ type: 'DefineDataElement', mode: 'upsert', systemId: 'crm', input: { element_id: 'dob', name: 'date_of_birth' }, now })
      .then([
        {
          type: 'catalog.data_element_registered',
          data: {
            system_id: 'crm',
            element: { element_id: 'dob', name: 'date_of_birth', category: null, special: { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false }, source: null },
            suggestion: { category: 'user.demographic.date_of_birth', special: { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false }, rule: 'date_of_birth', matched: 'date of birth' },
          },
        },
      ]));

  it('derives special-category flags from the declared category', () =>
    spec(systemDecider)
      .given([registered])
      .when({ type: 'DefineDataElement', mode: 'create', systemId: 'crm', input: { element_id: 'notes', name: 'notes', category: 'user.health' }, now })
      .thenMatches((events) => expect((events[0].data as any).element.special).toEqual({ gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true })));

  it('rejects unknown taxonomy keys on elements, and elements of unknown systems', () => {
    spec(systemDecider)
      .given([registered])
      .when({ type: 'DefineDataElement', mode: 'create', systemId: 'crm', input: { element_id: 'x', name: 'x', category: 'user.shoe_size' }, now })
      .thenThrows('invalid', /unknown data category/);
    spec(systemDecider).given([]).when({ type: 'DefineDataElement', mode: 'create', systemId: 'crm', input: { element_id: 'x', name: 'x' }, now }).thenThrows('not_found');
  });

  it('retires once', () => {
    spec(systemDecider).given([registered]).when({ type: 'RetireSystem', id: 'crm', now }).then([{ type: 'catalog.system_retired', data: { system_id: 'crm' } }]);
    spec(systemDecider).given([registered, { type: 'catalog.system_retired', data: { system_id: 'crm' } }]).when({ type: 'RetireSystem', id: 'crm', now }).then([]);
  });
});

export const accounts: ActivityInput = {
  activity_id: 'customer-accounts',
  name: 'Customer accounts',
  controller: { name: 'Shop GmbH', contact: 'privacy@shop.example' },
  dpo: { name: 'DPO', contact: 'dpo@shop.example' },
  purposes: [
    { purpose: 'essential.service', lawful_basis: 'contract_necessary' },
    { purpose: 'marketing.communications.email', lawful_basis: 'consent', categories: ['user.contact.email'] },
  ],
  subject_categories: ['customer'],
  data_categories: ['user.contact', 'personal'],
  retention: [{ period: 'P3Y' }],
  systems: ['crm'],
};

describe('processing activity decider', () => {
  it('registers an activity with canonical keys and Art. 6(1) bases', () =>
    spec(activityDecider)
      .given([])
      .when({ type: 'DefineActivity', mode: 'create', input: accounts, systems: crmKnown, now })
      .thenMatches((events) => {
        const a = (events[0] as Extract<ActivityEvent, { type: 'catalog.activity_registered' }>).data.activity;
        expect(events[0].type).toBe('catalog.activity_registered');
        expect(a.data_categories).toEqual(['user', 'user.contact']);
        expect(a.purposes.map((p) => [p.purpose, p.lawful_basis])).toEqual([
          ['essential.service', 'contract'],
          ['marketing.communications.email', 'consent'],
        ]);
        expect(a.controller).toEqual({ name: 'Shop GmbH', contact: 'privacy@shop.example' });
        expect(a.risk.residual_risk).toBeNull();
      }));

  it.each([
    [{ ...accounts, systems: ['crm', 'ghost'] }, /systems\[1\] is not a registered system/],
    [{ ...accounts, purposes: [{ purpose: 'essential.service', lawful_basis: 'because' }] }, /Art\. 6\(1\)/],
    [{ ...accounts, purposes: [{ purpose: 'essential.service', lawful_basis: '' }] }, /no lawful basis/],
    [{ ...accounts, purposes: [{ purpose: 'world.domination', lawful_basis: 'consent' }] }, /unknown purpose/],
    [{ ...accounts, data_categories: ['user.shoe_size'] }, /unknown data category/],
    [{ ...accounts, subject_categories: ['martians'] }, /unknown subject category/],
    [{ ...accounts, transfers: [{ country: 'ZZ', recipient: 'x' }] }, /ISO 3166/],
    [{ ...accounts, transfers: [{ country: 'US', recipient: 'x', mechanism: { type: 'trust_us' as never } }] }, /transfers\[0\]\.mechanism\.type must be one of/],
    [{ ...accounts, transfers: [{ country: 'US', recipient: 'x', mechanism: 'Privacy Shield' as never }] }, /transfers\[0\]\.mechanism must be an object/],
    [{ ...accounts, transfers: [{ country: 'IN', recipient: 'x', recipient_role: 'friend' as never }] }, /recipient_role/],
    [{ ...accounts, risk: { member_states: ['XX'] } }, /ISO 3166/],
    [{ ...accounts, art9_condition: 'because_we_care' }, /Art\. 9\(2\)/],
    [{ ...accounts, retention: [{ period: '7 years' }] }, /ISO 8601 duration/],
    [{ ...accounts, controller: undefined as never }, /Art\. 30\(1\)\(a\)/],
  ])('rejects bad input %#', (activity, re) =>
    spec(activityDecider).given([]).when({ type: 'DefineActivity', mode: 'create', input: activity, systems: crmKnown, now }).thenThrows('invalid', re));

  it('is a no-op when nothing changed, an update otherwise', () => {
    const [first] = activityDecider.decide({ type: 'DefineActivity', mode: 'create', input: accounts, systems: crmKnown, now }, activityDecider.initialState());
    spec(activityDecider).given([first]).when({ type: 'DefineActivity', mode: 'upsert', input: accounts, systems: crmKnown, now }).then([]);
    spec(activityDecider)
      .given([first])
      .when({ type: 'DefineActivity', mode: 'upsert', input: { ...accounts, retention: [{ period: 'P2Y' }] }, systems: crmKnown, now })
      .thenMatches((events) => {
        expect(events).toHaveLength(1);
        expect(events[0].type).toBe('catalog.activity_updated');
        expect((events[0].data as any).changed).toEqual(['retention']);
      });
  });
});

describe('flow decider', () => {
  const systems = { crm: { role: 'controller' as const }, dwh: { role: 'processor' as const } };
  const toUs: FlowInput = {
    flow_id: 'crm-to-mailer',
    source_system: 'crm',
    recipient: { name: 'Mailer Inc.', role: 'processor', dpf_certified: true },
    categories: ['user.contact.email'],
    destination_country: 'us',
  };

  it('registers a flow to an external recipient', () =>
    spec(flowDecider)
      .given([])
      .when({ type: 'DefineFlow', mode: 'create', input: toUs, systems, now })
      .thenMatches((events) => {
        const f = (events[0].data as any).flow;
        expect(f).toMatchObject({ destination_country: 'US', exporter_role: 'controller', importer_role: 'processor', target: { kind: 'recipient', dpf_certified: true } });
        expect(f.mechanism.type).toBe('none');
      }));

  it('takes the importer role of a target system', () =>
    spec(flowDecider)
      .given([])
      .when({ type: 'DefineFlow', mode: 'create', input: { flow_id: 'f2', source_system: 'crm', target_system: 'dwh', categories: ['personal'], destination_country: 'DE' }, systems, now })
      .thenMatches((events) => expect((events[0].data as any).flow).toMatchObject({ importer_role: 'processor', categories: ['user'] })));

  it.each([
    [{ ...toUs, destination_country: 'UK' }, /ISO 3166/],
    [{ ...toUs, source_system: 'ghost' }, /not a registered system/],
    [{ ...toUs, recipient: undefined, target_system: 'ghost' }, /not a registered system/],
    [{ ...toUs, categories: ['user.mood'] }, /unknown data category/],
    [{ ...toUs, mechanism: { type: 'pinky_promise' as never } }, /mechanism.type/],
    [{ ...toUs, mechanism: { type: 'scc' as const, scc_module: 'X2Y' as never } }, /C2C, C2P, P2P or P2C/],
    [{ ...toUs, destination_country: null }, /destination_country/],
  ])('rejects bad input %#', (flow, re) => spec(flowDecider).given([]).when({ type: 'DefineFlow', mode: 'create', input: flow, systems, now }).thenThrows('invalid', re));
});

describe('processor record decider (Art. 30(2))', () => {
  const record = {
    record_id: 'payroll-service',
    processor: { name: 'Shop GmbH', contact: 'privacy@shop.example' },
    controllers: [{ name: 'Client AG', contact: 'dpo@client.example' }],
    processing_categories: ['employment.payroll'],
    transfers: [{ country: 'CH', recipient: 'Backup AG' }],
    security_measures: ['encryption at rest'],
  };
  it('registers and is idempotent', () => {
    const [e] = processorRecordDecider.decide({ type: 'DefineProcessorRecord', mode: 'create', input: record, systems: {}, now }, processorRecordDecider.initialState());
    expect(e.type).toBe('catalog.processor_record_registered');
    spec(processorRecordDecider).given([e]).when({ type: 'DefineProcessorRecord', mode: 'upsert', input: record, systems: {}, now }).then([]);
  });
  it('stores the structured transfer mechanism only when declared, so older records re-apply without a change', () => {
    const [e] = processorRecordDecider.decide({ type: 'DefineProcessorRecord', mode: 'create', input: record, systems: {}, now }, processorRecordDecider.initialState());
    expect((e.data as any).record.transfers).toEqual([{ country: 'CH', recipient: 'Backup AG', safeguard: null }]);
    const withScc = { ...record, transfers: [{ country: 'IN', recipient: 'Sub Ltd', recipient_role: 'processor' as const, mechanism: { type: 'scc' as const, scc_module: 'P2P' as const } }] };
    const [e2] = processorRecordDecider.decide({ type: 'DefineProcessorRecord', mode: 'create', input: withScc, systems: {}, now }, processorRecordDecider.initialState());
    expect((e2.data as any).record.transfers[0]).toMatchObject({ recipient_role: 'processor', mechanism: { type: 'scc', scc_module: 'P2P', tia_completed: false } });
  });
  it('needs each controller', () =>
    spec(processorRecordDecider).given([]).when({ type: 'DefineProcessorRecord', mode: 'create', input: { ...record, controllers: [] }, systems: {}, now }).thenThrows('invalid', /controller/));
});

describe('purpose categories stay within the activity', () => {
  it('rejects a purpose restricted to a category the activity does not process', () =>
    spec(activityDecider)
      .given([])
      .when({ type: 'DefineActivity', mode: 'create', input: { ...accounts, purposes: [{ purpose: 'essential.service', lawful_basis: 'contract', categories: ['user.health'] }], data_categories: ['user.contact'] }, systems: crmKnown, now })
      .thenThrows('invalid', /not among the activity's data_categories/));
});
