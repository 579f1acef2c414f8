import { catalog, type RecordedEvent } from '@pl/domain';
import { streamAt } from './from-log';

let n = 0;
const ev = (type: string, data: unknown, occurred_at: string): RecordedEvent => ({
  streamId: 'catalog-system-crm',
  revision: BigInt(n),
  position: { tx: 1n, pos: BigInt(n++) },
  globalPosition: BigInt(n),
  type,
  schemaVersion: 1,
  data,
  metadata: { event_id: `e${n}`, occurred_at, recorded_at: occurred_at, actor: 'test', correlation_id: 'c', causation_id: null },
});
const el = (element_id: string, category: string | null, art9 = false) => ({ element_id, name: element_id, category, special: { gdpr_art9: art9, gdpr_art10: false, cpra_sensitive: art9 }, source: null });

/** A system folded with the system decider's own evolve up to a date. */
const systemAsOf = (events: readonly RecordedEvent[], at: Date) => {
  const s = streamAt(catalog.systemDecider, events, at);
  return { active: s.status === 'active', elements: new Map(s.status === 'none' ? [] : Object.entries(s.elements)) };
};

describe('streamAt: a catalog system as it stood at a date', () => {
  const events = [
    ev('catalog.system_registered', { system: { system_id: 'crm' } }, '2026-01-01T00:00:00Z'),
    ev('catalog.data_element_registered', { system_id: 'crm', element: el('email', 'user.contact.email') }, '2026-01-02T00:00:00Z'),
    ev('catalog.data_element_registered', { system_id: 'crm', element: el('diagnosis', 'user.health.medical', true) }, '2026-01-03T00:00:00Z'),
    ev('catalog.data_element_removed', { system_id: 'crm', element_id: 'diagnosis' }, '2026-03-10T00:00:00Z'),
    ev('catalog.data_element_registered', { system_id: 'crm', element: el('iban', 'user.financial.account') }, '2026-03-11T00:00:00Z'),
    ev('catalog.system_retired', { system_id: 'crm' }, '2026-04-01T00:00:00Z'),
  ];

  it('ignores changes made after the date', () => {
    const atBreach = systemAsOf(events, new Date('2026-03-01T00:00:00Z'));
    expect(atBreach.active).toBe(true);
    expect([...atBreach.elements.keys()]).toEqual(['email', 'diagnosis']);
    expect(atBreach.elements.get('diagnosis')!.special!.gdpr_art9).toBe(true);
    const later = systemAsOf(events, new Date('2026-03-20T00:00:00Z'));
    expect([...later.elements.keys()]).toEqual(['email', 'iban']);
  });

  it('knows when a system did not exist yet or was retired', () => {
    expect(systemAsOf(events, new Date('2025-12-31T00:00:00Z')).active).toBe(false);
    expect(systemAsOf(events, new Date('2026-04-02T00:00:00Z')).active).toBe(false);
  });
});
