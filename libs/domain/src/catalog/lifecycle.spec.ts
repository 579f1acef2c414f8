import { spec } from '../shared/testing';
import type { Decider, DomainEvent } from '../shared';
import { activityDecider, type ActivityInput } from './activity';
import { flowDecider, type FlowInput } from './flow';
import { processorRecordDecider, type ProcessorRecordInput } from './processor-record';
import { systemDecider, type SystemInput } from './system';

const now = new Date('2026-06-01T10:00:00.000Z');
const systems = { crm: { role: 'controller' as const } };
const crm: SystemInput = { system_id: 'crm', name: 'CRM', owner: 'sales', storage: [{ country: 'DE' }] };
const flow: FlowInput = { flow_id: 'crm-out', source_system: 'crm', recipient: { name: 'Mailer' }, categories: ['user.contact.email'], destination_country: 'DE' };
const accounts: ActivityInput = {
  activity_id: 'customer-accounts',
  name: 'Customer accounts',
  controller: { name: 'Shop GmbH', contact: 'privacy@shop.example' },
  purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' }],
  subject_categories: ['customer'],
  data_categories: ['user.contact'],
  systems: ['crm'],
};
const record: ProcessorRecordInput = { record_id: 'payroll', processor: { name: 'P', contact: 'p@x.example' }, controllers: [{ name: 'C', contact: 'c@x.example' }], processing_categories: ['employment.payroll'] };

type AnyDecider = Decider<any, any, any>;
/** [entity, decider, Define command type, input, id, a changed input, the field it changes] */
const ENTITIES: Array<[string, AnyDecider, string, object, string, object, string]> = [
  ['system', systemDecider, 'System', crm, 'crm', { ...crm, owner: 'it' }, 'owner'],
  ['activity', activityDecider, 'Activity', accounts, 'customer-accounts', { ...accounts, name: 'Accounts' }, 'name'],
  ['flow', flowDecider, 'Flow', flow, 'crm-out', { ...flow, description: 'newsletter' }, 'description'],
  ['processor_record', processorRecordDecider, 'ProcessorRecord', record, 'payroll', { ...record, security_measures: ['TLS'] }, 'security_measures'],
];

describe.each(ENTITIES)('the one register/update/retire lifecycle: %s', (kind, decider, name, input, id, changedInput, field) => {
  const define = (mode: string, i: object = input) => ({ type: `Define${name}`, mode, input: i, systems, now });
  const retire = { type: `Retire${name}`, id, now };
  const [registered] = decider.decide(define('create'), decider.initialState());
  const retired = decider.decide(retire, [registered].reduce(decider.evolve, decider.initialState()))[0];

  it('registers once: create twice conflicts, update of a missing one is not found', () => {
    expect(registered.type).toBe(`catalog.${kind}_registered`);
    spec(decider).given([registered]).when(define('create')).thenThrows('conflict', /already exists/);
    spec(decider).given([]).when(define('update')).thenThrows('not_found', /does not exist/);
  });

  it('updates with the changed fields, and nothing when nothing changed', () => {
    spec(decider).given([registered]).when(define('upsert')).then([]);
    spec(decider)
      .given([registered])
      .when(define('update', changedInput))
      .thenMatches((events: DomainEvent[]) => expect([events[0].type, (events[0].data as { changed: string[] }).changed]).toEqual([`catalog.${kind}_updated`, [field]]));
  });

  it('retires once; retiring a missing one is not found; defining a retired one brings it back', () => {
    expect(retired).toEqual({ type: `catalog.${kind}_retired`, data: { [`${kind === 'processor_record' ? 'record' : kind}_id`]: id } });
    spec(decider).given([registered, retired]).when(retire).then([]);
    spec(decider).given([]).when(retire).thenThrows('not_found');
    spec(decider)
      .given([registered, retired])
      .when(define('upsert'))
      .thenMatches((events: DomainEvent[]) => expect(events.map((e) => e.type)).toEqual([`catalog.${kind}_updated`]));
  });
});
