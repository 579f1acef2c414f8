import { art19Recipients, type RecipientCatalog } from './recipients';

const catalog: RecipientCatalog = {
  systemRecipients: new Map([
    ['crm', ['mailing-house']],
    ['billing', ['payment-provider']],
    ['analytics', []],
  ]),
  activities: [
    { systems: ['crm'], data_categories: ['user.contact'], recipients: ['ad-network'], transfers: [{ recipient: 'us-support-desk' }] },
    { systems: ['billing'], data_categories: ['user.financial'], recipients: ['tax-advisor'], transfers: [] },
    { systems: ['analytics'], data_categories: [], recipients: ['analytics-vendor'], transfers: [] },
    { systems: ['crm'], data_categories: ['user.location'], recipients: ['geo-partner'], transfers: [] },
  ],
};

describe('Art. 19 recipients', () => {
  it('names the system recipients and the recipients and transfer recipients of activities covering the changed categories', () => {
    expect(art19Recipients([{ system_id: 'crm', categories: ['user.contact.email'] }], catalog)).toEqual(['ad-network', 'mailing-house', 'us-support-desk']);
  });

  it('leaves out a system whose data were all retained (nothing erased there was disclosed)', () => {
    expect(art19Recipients([{ system_id: 'crm', categories: ['user.contact.email'] }, { system_id: 'billing', categories: [] }], catalog)).toEqual(['ad-network', 'mailing-house', 'us-support-desk']);
  });

  it('leaves out an activity of the same system that does not process the changed categories', () => {
    expect(art19Recipients([{ system_id: 'crm', categories: ['user.contact'] }], catalog)).not.toContain('geo-partner');
    expect(art19Recipients([{ system_id: 'crm', categories: ['user.location.precise'] }], catalog)).toEqual(['geo-partner', 'mailing-house']);
  });

  it('an activity without declared categories covers every category of its systems', () => {
    expect(art19Recipients([{ system_id: 'analytics', categories: ['user.behavior'] }], catalog)).toEqual(['analytics-vendor']);
  });

  it('nothing changed, nobody to tell', () => {
    expect(art19Recipients([], catalog)).toEqual([]);
  });
});
