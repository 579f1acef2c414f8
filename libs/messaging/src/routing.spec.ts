import type { RecordedEvent } from '@pl/domain';
import { HEADERS, TOPICS, backoffDelay, eventMessageOf, subjectKeyOf } from '@pl/messaging';

const S = 'sub_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const rec = (type: string, streamId: string, data: Record<string, unknown>): RecordedEvent => ({
  streamId,
  revision: 3n,
  position: { tx: 10n, pos: 42n },
  globalPosition: 42n,
  type,
  schemaVersion: 1,
  data,
  metadata: { event_id: 'e-1', occurred_at: 'o', recorded_at: 'r', actor: 'apikey:1', correlation_id: 'corr-1', causation_id: null },
});

describe('relay routing', () => {
  it('keys consent events by the pseudonymous subject key and carries only PII-free headers', () => {
    const m = eventMessageOf(rec('consent.withdrawn', `consent-${S}`, { subject_key: S, withdrawn_at: 'w' }))!;
    expect(m.topic).toBe(TOPICS.consentEvents);
    expect(m.key).toBe(S);
    expect(m.headers).toEqual({ [HEADERS.eventId]: 'e-1', [HEADERS.eventType]: 'consent.withdrawn', [HEADERS.schemaVersion]: '1', [HEADERS.correlationId]: 'corr-1', [HEADERS.contentType]: 'application/json' });
    expect(JSON.parse(m.value!)).toMatchObject({ event_id: 'e-1', subject_key: S, revision: '3', position: '10:42', data: { subject_key: S } });
  });

  it('routes rights tasks by system id, recipients by recipient id, breaches by breach id, and skips the rest', () => {
    expect(eventMessageOf(rec('rights.task_dispatched', 'dsr-r1', { system_id: 'crm', subject_key: S }))).toMatchObject({ topic: TOPICS.rightsTasks, key: 'crm' });
    expect(eventMessageOf(rec('rights.recipient_notified', 'dsr-r1', { recipient_id: 'partner', subject_key: S }))).toMatchObject({ topic: TOPICS.rightsTasks, key: 'partner' });
    expect(eventMessageOf(rec('breach.detected', 'breach-b9', {}))).toMatchObject({ topic: TOPICS.breachNotices, key: 'b9' });
    expect(eventMessageOf(rec('rights.request_received', 'dsr-r1', { subject_key: S }))).toBeNull();
    expect(eventMessageOf(rec('rights.task_dispatched', 'dsr-r1', {}))).toBeNull(); // no key, no message
    expect(eventMessageOf(rec('catalog.system_registered', 'catalog-x', {}))).toBeNull();
  });

  it('tells the holding system when a retention period or a kept holding\'s obligation ends, keyed by system id', () => {
    for (const type of ['catalog.retention_expired', 'catalog.retention_obligation_ended']) {
      const m = eventMessageOf(rec(type, `receipts-${S}`, { subject_key: S, system_id: 'billing-db', category: 'user.financial.transaction' }))!;
      expect(m).toMatchObject({ topic: TOPICS.rightsTasks, key: 'billing-db' });
      expect(JSON.parse(m.value!)).toMatchObject({ type, subject_key: S, data: { system_id: 'billing-db' } });
    }
  });

  it('never takes a non-pseudonymous id as a subject key', () => {
    expect(subjectKeyOf(rec('consent.given', 'consent-alice@example.com', { subject_key: 'alice@example.com' }))).toBeNull();
  });

  it('backs off exponentially with jitter inside [cap/2, cap]', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(30, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(30, 100, 10_000, () => 0)).toBe(5_000);
  });
});
