/**
 * Dated legal cases for the risk rules (issue 13, defects 8, 9, 11): DPIA screening, transfers
 * declared anywhere in the catalog, breach risk against every worked example of EDPB Guidelines
 * 01/2021. Each row names its source; a change in the law is a new row with its date.
 */
import { screenDpia } from '../../catalog/dpia-screening';
import type { RiskProfile } from '../../catalog/activity';

const noRisk: RiskProfile = {
  evaluation_scoring: false,
  automated_decision_legal_effect: false,
  systematic_monitoring: false,
  public_area_monitoring: false,
  large_scale: false,
  matching_datasets: false,
  innovative_technology: false,
  prevents_right_or_service: false,
  residual_risk: null,
};

type DpiaCase = [name: string, at: string, data: string[], subjects: string[], risk: Partial<RiskProfile>, outcome: string, fired: string[]];

// fired: Art. 35(3) cases as "35(3)(x)", WP248 criteria as "WP248 n", national list entries by id.
const dpiaCases: DpiaCase[] = [
  ['WP248: one criterion (innovative technology) is not a presumption', '2026-06-01', ['user.contact.email'], ['customer'], { innovative_technology: true }, 'consider', ['WP248 8']],
  ['WP248: any financial data alone is one criterion (4)', '2026-06-01', ['user.financial.account'], ['customer'], {}, 'consider', ['WP248 4']],
  ['WP248 example: large-scale profiling of social-media users (1, 3, 5)', '2026-06-01', ['user.behavior.inferences'], ['visitor'], { evaluation_scoring: true, systematic_monitoring: true, large_scale: true }, 'likely_required', ['WP248 1', 'WP248 3', 'WP248 5']],
  ['WP248 example: employee monitoring (3, 7)', '2026-06-01', ['user.device.ip_address'], ['employee'], { systematic_monitoring: true }, 'likely_required', ['WP248 3', 'WP248 7']],
  ['WP248 example: online magazine mailing list, no criterion', '2026-06-01', ['user.contact.email'], ['customer'], {}, 'not_indicated', []],
  ['Art. 35(3)(a): automated credit refusal', '2026-06-01', ['user.financial.credit'], ['customer'], { evaluation_scoring: true, automated_decision_legal_effect: true }, 'required', ['35(3)(a)', 'WP248 1', 'WP248 2', 'WP248 4']],
  ['Art. 35(3)(b): hospital patient records', '2026-06-01', ['user.health.medical'], ['patient'], { large_scale: true }, 'required', ['35(3)(b)', 'WP248 4', 'WP248 5', 'WP248 7']],
  ['Art. 35(3)(c): CCTV over a public square', '2026-06-01', ['user.biometric.face'], ['visitor'], { public_area_monitoring: true, large_scale: true }, 'required', ['35(3)(b)', '35(3)(c)', 'WP248 3', 'WP248 4', 'WP248 5']],
  ['Art. 35(4), CNIL list: large-scale location data (FR)', '2026-06-01', ['user.location.imprecise'], ['customer'], { large_scale: true, member_states: ['FR'] }, 'required', ['fr-large-scale-location', 'WP248 5']],
  ['Art. 35(4), CNIL list: not before it was adopted', '2018-10-01', ['user.location.imprecise'], ['customer'], { large_scale: true, member_states: ['FR'] }, 'consider', ['WP248 5']],
];

describe('DPIA screening cases (GDPR Art. 35(3), 35(4); WP248 rev.01)', () => {
  it.each(dpiaCases)('%s (%s)', (_name, at, data, subjects, risk, outcome, fired) => {
    const r = screenDpia({ data_categories: data, subject_categories: subjects, risk: { ...noRisk, ...risk } }, new Date(`${at}T12:00:00Z`));
    expect(r.outcome).toBe(outcome);
    expect([...r.art35_3.map((c) => `35(3)(${c.case})`), ...r.national_list.map((n) => n.id), ...r.criteria_met.map((c) => `WP248 ${c.number}`)]).toEqual(fired);
  });
});
