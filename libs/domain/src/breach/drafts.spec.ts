import { breachDecider, type BreachCommand } from './breach.decider';
import type { BreachEvent } from './breach.events';
import { evolveBreach, initialBreachState, type BreachState } from './breach.state';
import { authorityDraft, californiaNoticeDraft, subjectNoticeDraft } from './drafts';

const aware = '2026-03-02T08:00:00.000Z';
const atHour = (n: number) => new Date(Date.parse(aware) + n * 3_600_000);
const h = (n: number) => atHour(n).toISOString();

function build(commands: BreachCommand[]): BreachState {
  return commands.reduce((s, c) => breachDecider.decide(c, s).reduce(evolveBreach, s), initialBreachState());
}

const state = build([
  {
    type: 'DetectBreach',
    breachId: 'b1',
    awareAt: aware,
    source: 'external_report',
    description: 'A copy of the customer database was offered for sale online.',
    reporterRole: 'security_operations',
    systems: ['shop'],
    knownSystems: ['shop'],
    windowFrom: '2026-02-27T00:00:00.000Z',
    windowTo: '2026-03-01T00:00:00.000Z',
    now: atHour(1),
  },
  {
    type: 'AssessBreach',
    factors: {
      confidentiality: true,
      integrity: false,
      availability: false,
      categories: ['user.contact.email', 'user.account.credentials', 'user.government_id.ssn'],
      special_categories: ['user.health'],
      subjects_count: 1200,
      records_count: 5000,
      identifiability: 'maximum',
      encrypted: false,
      keys_safe: false,
      backup_available: true,
      vulnerable_subjects: false,
      likely_consequences: ['identity theft', 'account takeover'],
    },
    subjectJurisdictions: { DE: 400, FR: 100, 'US-CA': 700 },
    mainEstablishment: null,
    measuresTaken: ['passwords reset', 'database access revoked'],
    measuresProposed: ['credit monitoring offered'],
    contactPoint: 'privacy@shop.example',
    now: atHour(5),
  },
]);

describe('notification drafts', () => {
  it('authority draft carries Art. 33(3)(a)-(d) and flags lateness', () => {
    const d = authorityDraft(state, { controller: 'Example Shop GmbH', notice_date: h(10) });
    expect(d.json.authorities).toEqual(['DE', 'FR']);
    expect(d.json.nature).toMatchObject({ approximate_subjects: 1200, approximate_records: 5000, special_categories: ['user.health'] });
    expect(d.json.contact_point).toBe('privacy@shop.example');
    expect(d.json.likely_consequences).toEqual(['identity theft', 'account takeover']);
    expect(d.json.measures_taken).toEqual(['passwords reset', 'database access revoked']);
    expect(d.json.late).toBe(false);
    for (const part of ['(a) Nature', '(b) Contact point', '(c) Likely consequences', '(d) Measures taken']) expect(d.text).toContain(part);
    const late = authorityDraft(state, { controller: 'Example Shop GmbH', notice_date: h(80) });
    expect(late.json.delay_reason_required).toBe(true);
    expect(late.text).toMatch(/LATER THAN 72 HOURS/);
  });

  it('subject notice is plain language with advice per category', () => {
    const d = subjectNoticeDraft(state, { controller: 'Example Shop', notice_date: h(10) });
    expect(d.text).toMatch(/Change your password/);
    expect(d.text).toMatch(/privacy@shop.example/);
    expect(d.json.data_concerned).toContain('user.health');
  });

  it('California notice uses the Civ. § 1798.82(d)(1) headings in order', () => {
    const d = californiaNoticeDraft(state, { controller: 'Example Shop Inc.', notice_date: h(48) });
    expect(d.text.startsWith('Notice of Data Breach')).toBe(true);
    const positions = ['What Happened', 'What Information Was Involved', 'What We Are Doing', 'What You Can Do', 'For More Information'].map((x) => d.text.indexOf(x));
    expect(positions.every((p, i) => p > 0 && (i === 0 || p > positions[i - 1]))).toBe(true);
    expect(d.json.ssn_or_id_number_involved).toBe(true);
    expect(d.json.attorney_general_sample_required).toBe(true);
    expect(d.json.sections['What You Can Do']).toMatch(/credit reporting agencies/);
  });

  it('needs an assessment', () => {
    const detectedOnly: BreachEvent[] = [];
    expect(() => authorityDraft(detectedOnly.reduce(evolveBreach, initialBreachState()), { controller: 'x', notice_date: h(1) })).toThrow(/assessment/);
  });
});
