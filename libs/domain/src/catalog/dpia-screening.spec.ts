import type { RiskProfile } from './activity';
import { screenDpia } from './dpia-screening';
import { NO_RISK_PROFILE } from '../law/cases/fixtures';

const noRisk = NO_RISK_PROFILE;

const activity = (data: string[], subjects: string[], risk: Partial<RiskProfile> = {}) => ({ data_categories: data, subject_categories: subjects, risk: { ...noRisk, ...risk } });
const at = new Date('2026-06-01T00:00:00Z');

describe('DPIA screening (Art. 35, WP248 rev.01)', () => {
  it.each([
    ['newsletter to customers', activity(['user.contact.email'], ['customer']), 'not_indicated', [], []],
    ['large-scale web analytics (one criterion)', activity(['user.behavior.browsing_history'], ['visitor'], { large_scale: true }), 'consider', [5], []],
    ['innovative technology alone (one criterion)', activity(['user.contact.email'], ['customer'], { innovative_technology: true }), 'consider', [8], []],
    ['any financial data alone (one criterion)', activity(['user.financial.transaction'], ['customer']), 'consider', [4], []],
    ['employee data (vulnerable, one criterion)', activity(['user.contact.email'], ['employee']), 'consider', [7], []],
    ['tracking + matching datasets (two criteria)', activity(['user.device.cookie_id'], ['visitor'], { systematic_monitoring: true, matching_datasets: true }), 'likely_required', [3, 6], []],
    ['credit scoring with automated refusal: Art. 35(3)(a)', activity(['user.financial.credit'], ['customer'], { evaluation_scoring: true, automated_decision_legal_effect: true }), 'required', [1, 2, 4], ['a']],
    ['large-scale health data: Art. 35(3)(b)', activity(['user.health.medical'], ['patient'], { large_scale: true }), 'required', [4, 5, 7], ['b']],
    ['large-scale criminal data: Art. 35(3)(b)', activity(['user.criminal'], ['customer'], { large_scale: true }), 'required', [4, 5], ['b']],
    ['CCTV in a mall: Art. 35(3)(c)', activity(['user.biometric.face'], ['visitor'], { large_scale: true, public_area_monitoring: true }), 'required', [3, 4, 5], ['b', 'c']],
    ['small-scale health data (one criterion)', activity(['user.health'], ['customer']), 'consider', [4], []],
    ['precise location is highly personal', activity(['user.location.precise'], ['customer']), 'consider', [4], []],
  ] as const)('%s -> %s', (_name, input, outcome, criteria, cases) => {
    const r = screenDpia(input, at);
    expect(r.outcome).toBe(outcome);
    expect(r.criteria_met.map((c) => c.number)).toEqual(criteria);
    expect(r.art35_3.map((c) => c.case)).toEqual(cases);
    expect(r.national_list).toEqual([]);
    expect(r.reasons.length).toBeGreaterThan(0);
    expect(r.outcome_rule.source).toMatch(/Art\. 35|WP248/);
    expect(r.prior_consultation_required).toBe(false);
  });

  it('an Art. 35(4) national list entry makes it required, only for the declared member states and from its date', () => {
    const monitoring = activity(['user.contact.email'], ['employee'], { systematic_monitoring: true, member_states: ['FR'] });
    const r = screenDpia(monitoring, at);
    expect(r.outcome).toBe('required');
    expect(r.national_list.map((n) => n.id)).toEqual(['fr-employee-monitoring']);
    expect(r.reasons.join(' ')).toMatch(/Art\. 35\(4\).*CNIL/);
    expect(screenDpia({ ...monitoring, risk: { ...monitoring.risk, member_states: ['DE'] } }, at).outcome).toBe('likely_required');
    expect(screenDpia(monitoring, new Date('2018-06-01T00:00:00Z')).outcome).toBe('likely_required');
  });

  it('declared high residual risk flags Art. 36 prior consultation', () => {
    const r = screenDpia(activity(['user.health'], ['patient'], { large_scale: true, residual_risk: 'high' }), at);
    expect(r.prior_consultation_required).toBe(true);
    expect(r.reasons.join(' ')).toMatch(/Art\. 36.*8 weeks/);
    expect(screenDpia(activity(['user.health'], ['patient'], { residual_risk: 'medium' }), at).prior_consultation_required).toBe(false);
  });
});
