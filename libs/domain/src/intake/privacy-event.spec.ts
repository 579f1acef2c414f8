import { refusalOf } from '../shared/testing';
import { processingLogged, resolvedScope, routeOf, type PrivacyEvent } from './privacy-event';

const subject = 'sub_' + 'A'.repeat(32);
const now = new Date('2026-06-01T12:00:00Z');
const event = (over: Partial<PrivacyEvent> = {}): PrivacyEvent => ({
  event_id: 'evt-1',
  event_type: 'data_accessed',
  user_id: 'user-42',
  timestamp: '2026-06-01T11:00:00+02:00',
  service_name: 'support-desk',
  data_categories: ['user.contact.phone_number'],
  processing_purposes: ['essential.service'],
  legal_basis: 'contract',
  event_data: { ticket: 'T-1' },
  ...over,
});


describe('privacy events', () => {
  it('route consent events to the consent ledger, breach_detected to the breach register, the rest to the processing log', () => {
    expect([routeOf('consent_given'), routeOf('consent_withdrawn'), routeOf('consent_expired')]).toEqual(['consent', 'consent', 'consent']);
    expect(routeOf('breach_detected')).toBe('breach');
    expect(['data_accessed', 'data_modified', 'data_deleted', 'data_exported', 'retention_expired'].map((t) => routeOf(t as PrivacyEvent['event_type']))).toEqual(Array(5).fill('processing'));
  });

  it('log who processed what, when and for what, under the pseudonymous key, the time in UTC and event_data as details', () => {
    expect(processingLogged(subject, event(), now)).toEqual({
      type: 'intake.processing_logged',
      data: {
        source_event_id: 'evt-1',
        subject_key: subject,
        action: 'accessed',
        service_name: 'support-desk',
        categories: ['user.contact.phone_number'],
        purposes: ['essential.service'],
        legal_basis: 'contract',
        occurred_at: '2026-06-01T09:00:00.000Z',
        correlation_id: null,
        details: { ticket: 'T-1' },
      },
    });
    expect(processingLogged(subject, event({ event_type: 'data_exported', event_data: {} }), now).data).toMatchObject({ action: 'exported', details: null });
    expect(processingLogged(subject, event({ event_type: 'retention_expired' }), now).data.action).toBe('retention_expired');
  });

  it('map coarse categories to taxonomy keys without widening: personal is the root, never a special category', () => {
    expect(resolvedScope({ data_categories: ['personal', 'financial'], processing_purposes: ['contract_necessary'] })).toEqual({ categories: ['user', 'user.financial'], purposes: ['essential.service'] });
  });

  it('refuse an unknown category naming its index, a time in the future, a clear subject id and a non-processing type', () => {
    expect(refusalOf(() => processingLogged(subject, event({ data_categories: ['user.contact.phone_number', 'no.such.thing'] }), now)).message).toMatch(/^data_categories\[1\]: unknown data category/);
    expect(refusalOf(() => processingLogged(subject, event({ timestamp: '2026-06-01T13:00:00Z' }), now)).message).toBe('timestamp is in the future');
    expect(refusalOf(() => processingLogged('user-42', event(), now)).message).toMatch(/pseudonymous/);
    expect(refusalOf(() => processingLogged(subject, event({ event_type: 'consent_given' }), now)).message).toMatch(/not a processing event/);
  });
});
