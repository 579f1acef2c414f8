import { spec } from '../shared/testing';
import { breachDecider, type BreachCommand } from './breach.decider';
import type { BreachEvent } from './breach.events';
import { evolveBreach, initialBreachState, breachStage } from './breach.state';
import { breachDeadlines, timeLeftMs } from './deadlines';
import { assessRisk, type RiskFactors } from './risk';

const id = '6f1c2e1a-0000-4000-8000-000000000001';
const aware = '2026-03-02T08:00:00.000Z';
const detectedAt = '2026-03-02T09:00:00.000Z';
const atHour = (h: number) => new Date(Date.parse(aware) + h * 3_600_000);
const hoursAfterAware = (h: number) => atHour(h).toISOString();
const key = (n: number) => `sub_${String(n).padStart(32, 'a')}`;

const detect: Extract<BreachCommand, { type: 'DetectBreach' }> = {
  type: 'DetectBreach',
  breachId: id,
  awareAt: aware,
  source: 'internal_monitoring',
  description: 'Unauthorised export from the CRM database',
  reporterRole: 'security_operations',
  systems: ['crm'],
  knownSystems: ['crm', 'shop'],
  windowFrom: '2026-03-01T00:00:00.000Z',
  windowTo: '2026-03-02T07:00:00.000Z',
  now: new Date(detectedAt),
};

const detected: BreachEvent = {
  type: 'breach.detected',
  data: {
    breach_id: id,
    aware_at: aware,
    detected_at: detectedAt,
    source: 'internal_monitoring',
    description: 'Unauthorised export from the CRM database',
    reporter_role: 'security_operations',
    systems: ['crm'],
    window_from: '2026-03-01T00:00:00.000Z',
    window_to: '2026-03-02T07:00:00.000Z',
  },
};

const credentials: RiskFactors = {
  confidentiality: true,
  integrity: false,
  availability: false,
  categories: ['user.contact.email', 'user.account.credentials'],
  special_categories: [],
  subjects_count: 900,
  records_count: 1800,
  identifiability: 'maximum',
  encrypted: false,
  keys_safe: false,
  backup_available: true,
  vulnerable_subjects: false,
  likely_consequences: ['account takeover', 'phishing'],
};

const assessCmd = (over: Partial<Extract<BreachCommand, { type: 'AssessBreach' }>> = {}): Extract<BreachCommand, { type: 'AssessBreach' }> => ({
  type: 'AssessBreach',
  factors: credentials,
  subjectJurisdictions: { DE: 300, FR: 100, 'US-CA': 500 },
  mainEstablishment: null,
  measuresTaken: ['credentials reset'],
  measuresProposed: ['MFA for all accounts'],
  contactPoint: 'dpo@example.com',
  now: atHour(3),
  ...over,
});

function assessedEvent(cmd = assessCmd()): BreachEvent {
  const [e] = breachDecider.decide(cmd, [detected].reduce(evolveBreach, initialBreachState()));
  return e;
}

const notified = (authority: string, h: number, late = false, reason: string | null = null): BreachEvent => ({
  type: 'breach.authority_notified',
  data: { breach_id: id, authority, phase: 'initial', notified_at: hoursAfterAware(h), reference: null, hours_since_awareness: h, late, delay_reason: reason },
});

const fold = (events: BreachEvent[]) => events.reduce(evolveBreach, initialBreachState());

describe('breach decider: detection', () => {
  it('records the detection', () => spec(breachDecider).given([]).when(detect).then([detected]));

  it('refuses an awareness time in the future', () =>
    spec(breachDecider).given([]).when({ ...detect, awareAt: '2026-03-02T10:00:00.000Z' }).thenThrows('invalid', /future/));

  it('refuses unknown systems', () => {
    let err: any;
    try {
      breachDecider.decide({ ...detect, systems: ['crm', 'ghost'] }, initialBreachState());
    } catch (e) {
      err = e;
    }
    expect(err.code).toBe('invalid');
    expect(err.details.unknown_indices).toEqual([1]);
    expect(JSON.stringify(err)).not.toContain('ghost');
  });

  it('refuses a breach recorded twice, an empty description, an inverted window, a bad timestamp', () => {
    spec(breachDecider).given([detected]).when(detect).thenThrows('conflict');
    spec(breachDecider).given([]).when({ ...detect, description: '  ' }).thenThrows('invalid', /description/);
    spec(breachDecider).given([]).when({ ...detect, windowFrom: detect.windowTo, windowTo: detect.windowFrom }).thenThrows('invalid', /window/);
    spec(breachDecider).given([]).when({ ...detect, awareAt: 'yesterday' }).thenThrows('invalid', /aware_at/);
    spec(breachDecider).given([]).when({ ...detect, systems: [] }).thenThrows('invalid', /system/);
    spec(breachDecider).given([]).when({ ...detect, description: 'mailbox of jane.doe@example.com leaked' }).thenThrows('invalid', /personal data/);
  });

  it('refuses a command whose time is not a valid Date (DomainError invalid, field now)', () => {
    // An ISO string is not a Date (the old command shape), an invalid Date is not a time.
    spec(breachDecider).given([]).when({ ...detect, now: detectedAt as unknown as Date }).thenThrows('invalid', /now/);
    spec(breachDecider).given([]).when({ ...detect, now: new Date('not a time') }).thenThrows('invalid', /now/);
    spec(breachDecider).given([detected]).when(assessCmd({ now: new Date(NaN) })).thenThrows('invalid', /now/);
    spec(breachDecider).given([detected, assessedEvent()]).when({ type: 'NotifyAuthority', authority: 'DE', phase: 'initial', now: new Date(NaN) }).thenThrows('invalid', /now/);
    spec(breachDecider).given([detected]).when({ type: 'CheckClocks', now: new Date(NaN) }).thenThrows('invalid', /now/);
  });
});

describe('breach decider: assessment', () => {
  it('records the risk with its factors, the authorities and the California duty', () =>
    spec(breachDecider)
      .given([detected])
      .when(assessCmd())
      .thenMatches(([e]) => {
        expect(e.type).toBe('breach.assessed');
        if (e.type !== 'breach.assessed') return;
        expect(e.data.risk).toEqual(assessRisk(credentials));
        expect(e.data.risk.level).toBe('high');
        expect(e.data.factors).toEqual(credentials);
        // EDPB Guidelines 9/2022: no EU establishment -> every authority where subjects live
        expect(e.data.authorities).toEqual(['DE', 'FR']);
        expect(e.data.ca_residents).toBe(500);
        expect(e.data.ca_notice_required).toBe(true);
        expect(e.data.assessment_no).toBe(1);
      }));

  it('an EU-established controller notifies its lead authority only (Art. 56)', () =>
    spec(breachDecider)
      .given([detected])
      .when(assessCmd({ mainEstablishment: 'IE' }))
      .thenMatches(([e]) => expect(e.type === 'breach.assessed' && e.data.authorities).toEqual(['IE'])));

  it('encrypted data with a safe key: no California notice (Civ. § 1798.82(a))', () =>
    spec(breachDecider)
      .given([detected])
      .when(assessCmd({ factors: { ...credentials, encrypted: true, keys_safe: true } }))
      .thenMatches(([e]) => expect(e.type === 'breach.assessed' && e.data.ca_notice_required).toBe(false)));

  it('can be repeated as information arrives (phases)', () =>
    spec(breachDecider)
      .given([detected, assessedEvent()])
      .when(assessCmd())
      .thenMatches(([e]) => expect(e.type === 'breach.assessed' && e.data.assessment_no).toBe(2)));

  it('documents an assessor override with its reason', () => {
    spec(breachDecider)
      .given([detected])
      .when(assessCmd({ factors: { ...credentials, categories: ['user.contact.email'] }, override: { level: 'high', reason: 'subjects are journalists at risk' } }))
      .thenMatches(([e]) => {
        if (e.type !== 'breach.assessed') throw new Error(e.type);
        expect([e.data.risk.level, e.data.risk.computed_level, e.data.risk.notify_subjects]).toEqual(['high', 'risk', true]);
        expect(e.data.risk.reasons.at(-1)).toMatch(/journalists/);
      });
    spec(breachDecider).given([detected]).when(assessCmd({ override: { level: 'unlikely', reason: ' ' } })).thenThrows('invalid', /override.reason/);
  });

  it('refuses bad factors and unknown breaches', () => {
    spec(breachDecider).given([]).when(assessCmd()).thenThrows('not_found');
    spec(breachDecider).given([detected]).when(assessCmd({ factors: { ...credentials, subjects_count: -1 } })).thenThrows('invalid');
    spec(breachDecider).given([detected]).when(assessCmd({ subjectJurisdictions: { germany: 3 } })).thenThrows('invalid', /ISO 3166/);
    spec(breachDecider).given([detected]).when(assessCmd({ mainEstablishment: 'US' })).thenThrows('invalid', /main_establishment/);
  });
});

describe('breach decider: notifications', () => {
  it('refuses notification before assessment', () => {
    spec(breachDecider).given([detected]).when({ type: 'NotifyAuthority', authority: 'DE', phase: 'initial', now: atHour(5) }).thenThrows('precondition', /assessment/);
    spec(breachDecider)
      .given([detected])
      .when({ type: 'NotifySubjects', jurisdiction: 'EU', noticeId: 'n1', channel: 'email', subjectsCount: 1, subjectKeys: [], now: atHour(5) })
      .thenThrows('precondition', /assessment/);
  });

  it('notifies an authority within 72 hours', () =>
    spec(breachDecider)
      .given([detected, assessedEvent()])
      .when({ type: 'NotifyAuthority', authority: 'DE', phase: 'initial', reference: 'BfDI-1', now: atHour(20) })
      .then([
        {
          type: 'breach.authority_notified',
          data: { breach_id: id, authority: 'DE', phase: 'initial', notified_at: hoursAfterAware(20), reference: 'BfDI-1', hours_since_awareness: 20, late: false, delay_reason: null },
        },
      ]));

  it('after 72 hours requires the reasons for the delay (Art. 33(1))', () => {
    spec(breachDecider).given([detected, assessedEvent()]).when({ type: 'NotifyAuthority', authority: 'DE', phase: 'initial', now: atHour(80) }).thenThrows('precondition', /reasons/);
    spec(breachDecider)
      .given([detected, assessedEvent()])
      .when({ type: 'NotifyAuthority', authority: 'DE', phase: 'initial', delayReason: 'forensics needed to confirm scope', now: atHour(80) })
      .thenMatches(([e]) => expect(e.type === 'breach.authority_notified' && [e.data.late, e.data.delay_reason]).toEqual([true, 'forensics needed to confirm scope']));
  });

  it('a voluntary notification after 72 hours needs no reasons', () => {
    const unlikely = assessedEvent(assessCmd({ factors: { ...credentials, confidentiality: false, availability: true, backup_available: true } }));
    spec(breachDecider)
      .given([detected, unlikely])
      .when({ type: 'NotifyAuthority', authority: 'DE', phase: 'initial', now: atHour(80) })
      .thenMatches(([e]) => expect(e.type === 'breach.authority_notified' && e.data.delay_reason).toBeNull());
  });

  it('accepts additional phases only after the initial one (Art. 33(4))', () => {
    spec(breachDecider).given([detected, assessedEvent()]).when({ type: 'NotifyAuthority', authority: 'DE', phase: 'additional', now: atHour(30) }).thenThrows('precondition', /initial/);
    spec(breachDecider).given([detected, assessedEvent(), notified('DE', 10)]).when({ type: 'NotifyAuthority', authority: 'DE', phase: 'initial', now: atHour(30) }).thenThrows('conflict');
    spec(breachDecider)
      .given([detected, assessedEvent(), notified('DE', 10)])
      .when({ type: 'NotifyAuthority', authority: 'DE', phase: 'additional', now: atHour(100) })
      .thenMatches(([e]) => expect(e.type === 'breach.authority_notified' && [e.data.phase, e.data.late]).toEqual(['additional', false]));
    spec(breachDecider).given([detected, assessedEvent()]).when({ type: 'NotifyAuthority', authority: 'XX', phase: 'initial', now: atHour(30) }).thenThrows('invalid');
  });

  it('fans subject notices out as PII-free events keyed by pseudonym', () =>
    spec(breachDecider)
      .given([detected, assessedEvent()])
      .when({ type: 'NotifySubjects', jurisdiction: 'EU', noticeId: 'n1', channel: 'email', subjectsCount: 2, subjectKeys: [key(1), key(2), key(1)], now: atHour(30) })
      .thenMatches((events) => {
        expect(events.map((e) => e.type)).toEqual(['breach.subjects_notified', 'breach.subject_notice_prepared', 'breach.subject_notice_prepared']);
        expect(events.slice(1).map((e) => e.type === 'breach.subject_notice_prepared' && e.data.subject_key)).toEqual([key(1), key(2)]);
      }));

  it('refuses raw identifiers instead of pseudonyms', () =>
    spec(breachDecider)
      .given([detected, assessedEvent()])
      .when({ type: 'NotifySubjects', jurisdiction: 'EU', noticeId: 'n1', channel: 'email', subjectsCount: 1, subjectKeys: ['alice@example.com'], now: atHour(30) })
      .thenThrows('invalid', /pseudonymous/));

  it('records an Art. 34(3) exemption; (c) requires a public communication', () => {
    spec(breachDecider)
      .given([detected, assessedEvent()])
      .when({ type: 'RecordSubjectExemption', ground: 'c', justification: 'no contact details', now: atHour(30) })
      .thenThrows('invalid', /public communication/);
    spec(breachDecider)
      .given([detected, assessedEvent()])
      .when({ type: 'RecordSubjectExemption', ground: 'a', justification: 'AES-256 at rest, keys in HSM', now: atHour(30) })
      .then([
        {
          type: 'breach.subject_notice_exemption_recorded',
          data: { breach_id: id, ground: 'a', justification: 'AES-256 at rest, keys in HSM', public_communication: null, source: 'GDPR Art. 34(3)(a)', recorded_at: hoursAfterAware(30) },
        },
      ]);
  });

  it('Attorney General sample notice only after notifying California residents', () =>
    spec(breachDecider).given([detected, assessedEvent()]).when({ type: 'NotifyAttorneyGeneral', now: atHour(30) }).thenThrows('precondition', /California residents/));
});

describe('breach decider: clocks', () => {
  const caNotified = (count: number, h: number): BreachEvent => ({
    type: 'breach.subjects_notified',
    data: { breach_id: id, notice_id: 'ca1', jurisdiction: 'US-CA', channel: 'letter', subjects_count: count, notified_at: hoursAfterAware(h), late: false, delay_reason: null },
  });

  it('derives the 72 h, 30 day and 15 day deadlines from law/breach.ts', () => {
    const s = fold([detected, assessedEvent(), notified('DE', 10), caNotified(600, 24 * 10)]);
    const d = Object.fromEntries(breachDeadlines(s).map((x) => [x.id, x]));
    expect(d.gdpr_art33_authority.due_at).toBe(hoursAfterAware(72));
    expect(d.gdpr_art33_authority.met_at).toBeNull(); // FR still pending
    // Civ. § 1798.82: 30 calendar days ending at the end of the day in California, not 720 hours from the instant
    expect(d.ca_residents.due_at).toBe('2026-04-02T06:59:59.999Z');
    expect(d.ca_residents.met_at).toBe(hoursAfterAware(240));
    expect(d.ca_attorney_general.due_at).toBe('2026-03-28T06:59:59.999Z');
    expect(timeLeftMs(d.gdpr_art33_authority, new Date(hoursAfterAware(70)))).toBe(2 * 3_600_000);
    const met = fold([detected, assessedEvent(), notified('DE', 10), notified('FR', 12)]);
    expect(breachDeadlines(met).find((x) => x.id === 'gdpr_art33_authority')!.met_at).toBe(hoursAfterAware(12));
  });

  it('no Attorney General clock for 500 or fewer California residents', () => {
    const s = fold([detected, assessedEvent(), caNotified(500, 24)]);
    expect(breachDeadlines(s).map((x) => x.id)).not.toContain('ca_attorney_general');
  });

  it('no California 30-day clock for a breach discovered before SB 446 took effect', () => {
    const old = { ...detected, data: { ...(detected.data as any), aware_at: '2025-12-20T08:00:00.000Z' } } as BreachEvent;
    const s = fold([old, assessedEvent()]);
    expect(breachDeadlines(s).map((x) => x.id)).toEqual(['gdpr_art33_authority']);
  });

  it('no 72 h clock once assessed as unlikely to result in a risk', () => {
    const unlikely = assessedEvent(assessCmd({ factors: { ...credentials, confidentiality: false, availability: true, backup_available: true } }));
    expect(breachDeadlines(fold([detected, unlikely]))).toEqual([]);
  });

  it('warns 24 h and 6 h before the 72 h deadline, then overdue, each once', () => {
    const given = [detected];
    const at = (h: number) => ({ type: 'CheckClocks' as const, now: atHour(h) });
    spec(breachDecider).given(given).when(at(40)).then([]);
    const w24: BreachEvent = {
      type: 'breach.deadline_warning',
      data: { breach_id: id, deadline: 'gdpr_art33_authority', due_at: hoursAfterAware(72), threshold_hours: 24, hours_left: 23, source: 'GDPR Art. 33(1)' },
    };
    spec(breachDecider).given(given).when(at(49)).then([w24]);
    spec(breachDecider).given([...given, w24]).when(at(50)).then([]);
    const w6 = breachDecider.decide(at(67), fold([...given, w24]));
    expect(w6).toHaveLength(1);
    expect(w6[0].type === 'breach.deadline_warning' && w6[0].data.threshold_hours).toBe(6);
    spec(breachDecider).given([...given, w24, ...w6]).when(at(68)).then([]);
    const overdue: BreachEvent = { type: 'breach.deadline_overdue', data: { breach_id: id, deadline: 'gdpr_art33_authority', due_at: hoursAfterAware(72), source: 'GDPR Art. 33(1)' } };
    spec(breachDecider).given([...given, w24, ...w6]).when(at(73)).then([overdue]);
    spec(breachDecider).given([...given, w24, ...w6, overdue]).when(at(90)).then([]);
  });

  it('a worker that was down emits only the tightest warning it crossed', () =>
    spec(breachDecider)
      .given([detected])
      .when({ type: 'CheckClocks', now: atHour(68) })
      .thenMatches((events) => expect(events.map((e) => e.type === 'breach.deadline_warning' && e.data.threshold_hours)).toEqual([6])));

  it('no warnings once met or closed', () => {
    const s = [detected, assessedEvent(assessCmd({ subjectJurisdictions: { DE: 10 } })), notified('DE', 10)];
    spec(breachDecider).given(s).when({ type: 'CheckClocks', now: atHour(71) }).then([]);
  });
});

describe('breach decider: closing and reopening', () => {
  const closed: BreachEvent = { type: 'breach.closed', data: { breach_id: id, closed_at: hoursAfterAware(100), summary: 'done', not_notified_reasons: [] } };

  it('refuses closing with notifications pending', () =>
    spec(breachDecider).given([detected, assessedEvent()]).when({ type: 'CloseBreach', summary: 'done', now: atHour(100) }).thenThrows('precondition', /pending/));

  it('refuses closing an unassessed breach', () =>
    spec(breachDecider).given([detected]).when({ type: 'CloseBreach', summary: 'done', now: atHour(100) }).thenThrows('precondition', /assessment/));

  it('documents a breach that needed no notification, with the reasons (Art. 33(5))', () => {
    const unlikely = assessedEvent(assessCmd({ factors: { ...credentials, confidentiality: false, availability: true, backup_available: true } }));
    spec(breachDecider)
      .given([detected, unlikely])
      .when({ type: 'CloseBreach', summary: 'restored from backup', now: atHour(10) })
      .thenMatches(([e]) => {
        expect(e.type).toBe('breach.closed');
        const reasons = e.type === 'breach.closed' ? e.data.not_notified_reasons.join(' ') : '';
        expect(reasons).toMatch(/authority not notified: .*backup/);
        expect(reasons).toMatch(/subjects not notified: risk level unlikely/);
      });
  });

  it('closes once every authority, the subjects and California are done', () => {
    const assessed = assessedEvent(assessCmd({ subjectJurisdictions: { DE: 10, 'US-CA': 5 } }));
    const subjects = (j: 'EU' | 'US-CA'): BreachEvent => ({
      type: 'breach.subjects_notified',
      data: { breach_id: id, notice_id: 'n', jurisdiction: j, channel: 'email', subjects_count: 5, notified_at: hoursAfterAware(30), late: false, delay_reason: null },
    });
    spec(breachDecider)
      .given([detected, assessed, notified('DE', 10), subjects('EU'), subjects('US-CA')])
      .when({ type: 'CloseBreach', summary: 'done', now: atHour(100) })
      .thenMatches(([e]) => expect(e.type).toBe('breach.closed'));
    expect(breachStage(fold([detected, assessed, notified('DE', 10)]))).toBe('authority_notified');
  });

  it('a high-risk breach of California residents only closes without an Art. 34 notice, with the reason', () => {
    const caOnly = assessedEvent(assessCmd({ subjectJurisdictions: { 'US-CA': 40 } }));
    const ca: BreachEvent = {
      type: 'breach.subjects_notified',
      data: { breach_id: id, notice_id: 'n', jurisdiction: 'US-CA', channel: 'letter', subjects_count: 40, notified_at: hoursAfterAware(30), late: false, delay_reason: null },
    };
    spec(breachDecider)
      .given([detected, caOnly, ca])
      .when({ type: 'CloseBreach', summary: 'done', now: atHour(100) })
      .thenMatches(([e]) => expect(e.type === 'breach.closed' && e.data.not_notified_reasons.join(' ')).toMatch(/no subjects in an EEA member state/));
  });

  it('reopens a closed breach only with a reason', () => {
    const unlikely = assessedEvent(assessCmd({ factors: { ...credentials, confidentiality: false, availability: true, backup_available: true } }));
    spec(breachDecider).given([detected, unlikely, closed]).when({ type: 'ReopenBreach', reason: ' ', now: atHour(120) }).thenThrows('invalid', /reason/);
    spec(breachDecider).given([detected, unlikely]).when({ type: 'ReopenBreach', reason: 'new facts', now: atHour(120) }).thenThrows('conflict');
    spec(breachDecider)
      .given([detected, unlikely, closed])
      .when({ type: 'ReopenBreach', reason: 'exfiltration found in logs', now: atHour(120) })
      .then([{ type: 'breach.reopened', data: { breach_id: id, reopened_at: hoursAfterAware(120), reason: 'exfiltration found in logs' } }]);
    spec(breachDecider).given([detected, unlikely, closed]).when(assessCmd()).thenThrows('conflict', /closed/);
    spec(breachDecider).given([detected, unlikely, closed]).when({ type: 'CheckClocks', now: atHour(130) }).then([]);
  });
});
