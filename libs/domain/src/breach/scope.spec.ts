import { computeScope, type ScopeReceipt } from './scope';

const k = (n: number) => `sub_${String(n).padStart(32, '0')}`;
const r = (n: number, system: string, category: string, at: string): ScopeReceipt => ({ subject_key: k(n), system, category, at });

describe('computeScope', () => {
  const receipts = [
    r(1, 'crm', 'user.contact.email', '2026-03-01T10:00:00Z'),
    r(1, 'crm', 'user.health.medical', '2026-03-01T11:00:00Z'),
    r(2, 'crm', 'user.contact.email', '2026-03-01T12:00:00Z'),
    r(3, 'crm', 'user.contact.email', '2026-02-01T12:00:00Z'), // before the window
    r(4, 'shop', 'user.financial.card', '2026-03-01T12:00:00Z'), // other system
    r(5, 'crm', 'user.contact.phone', '2026-03-01T13:00:00Z'),
  ];
  const catalog = {
    as_of: '2026-03-02T08:00:00.000Z',
    systems: [
      { system: 'crm', categories: [{ category: 'user.contact.email', special: false }, { category: 'user.health.medical', special: true }] },
      { system: 'shop', categories: [{ category: 'user.financial.card', special: false }] },
    ],
  };

  it('counts subjects, records, categories and jurisdictions of the affected systems in the window', () => {
    const s = computeScope({
      systems: ['crm'],
      window_from: '2026-03-01T00:00:00Z',
      window_to: '2026-03-02T00:00:00Z',
      receipts,
      catalog,
      jurisdictions: { [k(1)]: 'DE', [k(2)]: 'US-CA' },
    });
    expect(s.subjects_count).toBe(3);
    expect(s.records_count).toBe(4);
    expect(s.categories).toEqual(['user.contact.email', 'user.contact.phone', 'user.health.medical']);
    expect(s.special_categories).toEqual(['user.health.medical']);
    expect(s.subject_jurisdictions).toEqual({ DE: 1, 'US-CA': 1 });
    expect(s.subjects_without_jurisdiction).toBe(1);
    expect(s.catalog_as_of).toBe(catalog.as_of);
  });
});
