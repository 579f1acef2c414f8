import type { RecordedEvent } from '@pl/domain';
import { breachDecider, breachStreamId, evolveBreach, initialBreachState, type BreachCommand, type BreachEvent } from '@pl/domain/breach';
import { Pseudonymizer } from '@pl/crypto';
import { TOPICS, eventMessageOf } from '@pl/messaging';

/** Contract with the relay: every breach event goes to the breach-notices topic, PII-free, keyed by breach. */
describe('breach notices on the relay', () => {
  const id = '6f1c2e1a-0000-4000-8000-0000000000aa';
  const p = new Pseudonymizer('breach-notice-test-secret-0123456789');
  const userId = 'jane.doe@example.com';
  const aware = '2026-03-02T08:00:00.000Z';
  const now = new Date(aware);
  const commands: BreachCommand[] = [
    { type: 'DetectBreach', breachId: id, awareAt: aware, source: 'other', description: 'lost backup tape', reporterRole: 'it_operations', systems: ['crm'], knownSystems: ['crm'], now },
    {
      type: 'AssessBreach',
      factors: { confidentiality: true, integrity: false, availability: false, categories: ['user.account.credentials'], special_categories: [], subjects_count: 1, records_count: 1, identifiability: 'maximum', encrypted: false, keys_safe: false, backup_available: true, vulnerable_subjects: false, likely_consequences: [] },
      subjectJurisdictions: { DE: 1 },
      mainEstablishment: 'DE',
      measuresTaken: [],
      measuresProposed: [],
      contactPoint: 'dpo@example.com',
      now,
    },
    { type: 'NotifySubjects', jurisdiction: 'EU', noticeId: 'n1', channel: 'email', subjectsCount: 1, subjectKeys: [p.subject(userId)], now },
  ];
  let state = initialBreachState();
  const emitted: BreachEvent[] = [];
  for (const c of commands) {
    const out = breachDecider.decide(c, state);
    emitted.push(...out);
    state = out.reduce(evolveBreach, state);
  }
  const recorded: RecordedEvent[] = emitted.map((e, i) => ({
    streamId: breachStreamId(id),
    revision: BigInt(i),
    position: { tx: 1n, pos: BigInt(i) },
    globalPosition: BigInt(i),
    type: e.type,
    schemaVersion: 1,
    data: e.data,
    metadata: { event_id: `e${i}`, occurred_at: aware, recorded_at: aware, actor: 'test', correlation_id: 'c', causation_id: null },
  }));

  it('publishes the subject notice keyed by breach, carrying only the pseudonymous subject key', () => {
    const messages = recorded.map((e) => eventMessageOf(e));
    expect(messages.every((m) => m?.topic === TOPICS.breachNotices && m.key === id)).toBe(true);
    const notice = messages.find((m) => m!.headers && JSON.parse(m!.value!).type === 'breach.subject_notice_prepared')!;
    const value = JSON.parse(notice.value!);
    expect(value.subject_key).toBe(p.subject(userId));
    expect(JSON.stringify(messages)).not.toContain(userId);
  });
});
