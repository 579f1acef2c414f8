/**
 * Dated legal cases for the risk rules (issue 13, defects 8, 9, 11): DPIA screening, transfers
 * declared anywhere in the catalog, breach risk against every worked example of EDPB Guidelines
 * 01/2021. Each row names its source; a change in the law is a new row with its date.
 */
import { screenDpia } from '../../catalog/dpia-screening';
import { NO_BREACH, NO_RISK_PROFILE } from './fixtures';
import type { RiskProfile } from '../../catalog/activity';
import { assessRisk, type RiskFactors } from '../../breach/risk';
import { assessDeclaredTransfer } from '../../catalog/transfer-assessment';
import type { DeclaredTransfer } from '../../catalog/declared-transfer';
import type { TransferMechanism } from '../../catalog/flow';

const noRisk = NO_RISK_PROFILE;

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
  // CNIL list types 1, 2, 3, 10, 11 (checked against Bird & Bird's translation of the JORF text of 6 Nov 2018).
  ['Art. 35(4), CNIL list type 1: patients’ health data for their care (FR)', '2026-06-01', ['user.health.medical'], ['patient'], { member_states: ['FR'] }, 'required', ['fr-health-care', 'WP248 4', 'WP248 7']],
  ['Art. 35(4), CNIL list type 2: genetic data of employees (FR)', '2026-06-01', ['user.genetic'], ['employee'], { member_states: ['FR'] }, 'required', ['fr-genetic-vulnerable', 'WP248 4', 'WP248 7']],
  ['Art. 35(4), CNIL list type 3: profiling job applicants (FR)', '2026-06-01', ['user.employment'], ['job_applicant'], { evaluation_scoring: true, member_states: ['FR'] }, 'required', ['fr-hr-profiling', 'WP248 1', 'WP248 7']],
  ['Art. 35(4), CNIL list type 10: profiling with external data (FR)', '2026-06-01', ['user.behavior.purchase_history'], ['customer'], { evaluation_scoring: true, matching_datasets: true, member_states: ['FR'] }, 'required', ['fr-external-profiling', 'WP248 1', 'WP248 6']],
  ['Art. 35(4), CNIL list type 11: face recognition of pupils (FR)', '2026-06-01', ['user.biometric.face'], ['child'], { member_states: ['FR'] }, 'required', ['fr-biometric-vulnerable', 'WP248 4', 'WP248 7']],
  ['Art. 35(4), CNIL list: not before it was adopted', '2018-10-01', ['user.location.imprecise'], ['customer'], { large_scale: true, member_states: ['FR'] }, 'consider', ['WP248 5']],
];

describe('DPIA screening cases (GDPR Art. 35(3), 35(4); WP248 rev.01)', () => {
  it.each(dpiaCases)('%s (%s)', (_name, at, data, subjects, risk, outcome, fired) => {
    const r = screenDpia({ data_categories: data, subject_categories: subjects, risk: { ...noRisk, ...risk } }, new Date(`${at}T12:00:00Z`));
    expect(r.outcome).toBe(outcome);
    expect([...r.art35_3.map((c) => `35(3)(${c.case})`), ...r.national_list.map((n) => n.id), ...r.criteria_met.map((c) => `WP248 ${c.number}`)]).toEqual(fired);
  });
});

// ---------------------------------------------------------------------------------------------------
// Breach risk: every worked example of EDPB Guidelines 01/2021 on Examples regarding Personal Data
// Breach Notification (v2.0, adopted 14 Dec 2021). Facts are this project's summary of each case, put
// in the assessment's terms; expected = the guidelines' conclusion (notify the SA? the subjects?).
// "sure: false" marks conclusions the guidelines make conditional or that we could not re-check
// against the text; those rows assert what we read, and say so.
// ---------------------------------------------------------------------------------------------------

const none: RiskFactors = { ...NO_BREACH, categories: ['user.name', 'user.contact.email', 'user.contact.address'], subjects_count: 500, records_count: 500 };

type EdpbCase = [caseNo: string, title: string, facts: Partial<RiskFactors>, authority: boolean, subjects: boolean, sure: boolean];

const edpb: EdpbCase[] = [
  ['01', 'ransomware with proper backup, no exfiltration', { availability: true, backup_available: true, cause: 'malicious', exfiltration: 'none', unavailability_hours: 5, unavailability_impact: 'negligible' }, false, false, true],
  ['02', 'ransomware without proper backup (days to rebuild, minor delays)', { availability: true, cause: 'malicious', exfiltration: 'none', unavailability_hours: 120, unavailability_impact: 'minor' }, true, false, true],
  [
    '03',
    'ransomware at a hospital, backup, no exfiltration, two days to restore, care delayed',
    { availability: true, backup_available: true, cause: 'malicious', exfiltration: 'none', special_categories: ['user.health.medical'], vulnerable_subjects: true, unavailability_hours: 48, unavailability_impact: 'serious' },
    true,
    true,
    true,
  ],
  [
    '03',
    'same hospital, impact not stated: the days of unavailability of health data decide',
    { availability: true, backup_available: true, cause: 'malicious', exfiltration: 'none', special_categories: ['user.health.medical'], unavailability_hours: 48 },
    true,
    true,
    true,
  ],
  [
    '04',
    'ransomware without backup, with exfiltration (identity and payment data)',
    { availability: true, cause: 'malicious', exfiltration: 'confirmed', categories: ['user.name', 'user.government_id.national_id', 'user.financial.card'], subjects_count: 12_000 },
    true,
    true,
    false,
  ],
  ['05', 'exfiltration of job application data from a website', { confidentiality: true, cause: 'malicious', categories: ['user.name', 'user.contact.email', 'user.employment', 'user.education'], subjects_count: 213 }, true, true, true],
  ['06', 'exfiltration of passwords hashed with a state-of-the-art salted algorithm', { confidentiality: true, cause: 'malicious', categories: ['user.account.credentials'], encrypted: true, keys_safe: true, subjects_count: 1_200 }, false, false, true],
  [
    '07',
    'credential stuffing on a banking website: only entered accounts are told',
    {
      confidentiality: true,
      cause: 'malicious',
      categories: ['user.name', 'user.financial.account', 'user.financial.transaction'],
      subjects_count: 100_000,
      subsets: [
        { label: 'accounts_entered', subjects_count: 2_000 },
        { label: 'login_failed', subjects_count: 98_000, exposed: false },
      ],
    },
    true,
    true,
    true,
  ],
  ['08', 'business (customer contact) data taken by a departing employee', { confidentiality: true, cause: 'malicious', categories: ['user.name', 'user.contact.phone', 'user.contact.address'], subjects_count: 800 }, true, false, false],
  [
    '09',
    'accidental transmission to a trusted third party that deleted it',
    { confidentiality: true, cause: 'accidental', recipient_trust: 'trusted', data_recovered: true, wrong_recipients: 1, subjects_count: 100 },
    false,
    false,
    true,
  ],
  [
    '10',
    'stolen device with state-of-the-art encryption, key safe, backup',
    { confidentiality: true, availability: true, cause: 'malicious', encrypted: true, keys_safe: true, backup_available: true, subjects_count: 1_000 },
    false,
    false,
    true,
  ],
  [
    '11',
    'stolen device with non-encrypted identity data of many customers',
    { confidentiality: true, availability: true, cause: 'malicious', backup_available: true, categories: ['user.name', 'user.contact.address', 'user.demographic.date_of_birth', 'user.demographic.gender'], subjects_count: 100_000 },
    true,
    true,
    true,
  ],
  [
    '12',
    'stolen paper files of a drug rehabilitation centre',
    { confidentiality: true, availability: true, cause: 'malicious', special_categories: ['user.health'], vulnerable_subjects: true, subjects_count: 50 },
    true,
    true,
    true,
  ],
  [
    '13',
    'mispostal: two shoe orders with invoices swapped',
    { confidentiality: true, cause: 'accidental', recipient_trust: 'untrusted', wrong_recipients: 1, categories: ['user.name', 'user.contact.address', 'user.behavior.purchase_history'], subjects_count: 2 },
    false,
    false,
    true,
  ],
  [
    '14',
    'highly confidential data (social security numbers) e-mailed to all job seekers by mistake',
    { confidentiality: true, cause: 'accidental', categories: ['user.name', 'user.contact.email', 'user.government_id.ssn'], wrong_recipients: 60_000, subjects_count: 60_000 },
    true,
    true,
    true,
  ],
  [
    '15',
    'e-mail with the recipients in CC instead of BCC, many recipients (conditional in the guidelines: many recipients or sensitive content)',
    { confidentiality: true, cause: 'accidental', categories: ['user.name', 'user.contact.email'], wrong_recipients: 400, subjects_count: 400 },
    true,
    true,
    false,
  ],
  [
    '16',
    'mispostal of a motor insurance letter with another policyholder’s data (no sensitive data)',
    {
      confidentiality: true,
      cause: 'accidental',
      recipient_trust: 'untrusted',
      wrong_recipients: 1,
      categories: ['user.name', 'user.contact.address', 'user.demographic.date_of_birth', 'user.financial'],
      subjects_count: 1,
    },
    true,
    false,
    false,
  ],
  ['17', 'identity theft: caller posing as a customer obtains call records', { confidentiality: true, cause: 'malicious', categories: ['user.name', 'user.communications'], subjects_count: 1 }, true, true, true],
  [
    '18',
    'e-mail exfiltration: mails with bank details forwarded to an attacker',
    { confidentiality: true, cause: 'malicious', categories: ['user.name', 'user.contact.email', 'user.financial.account'], subjects_count: 3_000 },
    true,
    true,
    true,
  ],
];

describe('breach risk against EDPB Guidelines 01/2021 (v2.0, 14 Dec 2021), in force from 2021-12-14', () => {
  it('covers all 18 cases', () => {
    expect(new Set(edpb.map((c) => c[0])).size).toBe(18);
  });

  const rows = edpb.map(([no, title, facts, authority, subjects, sure]) => [no, sure ? title : `${title} [conclusion conditional or not re-checked against the text]`, facts, authority, subjects] as const);
  it.each(rows)('case %s: %s', (_no, _title, facts, authority, subjects) => {
    const r = assessRisk({ ...none, ...facts });
    expect({ authority: r.notify_authority, subjects: r.notify_subjects }).toEqual({ authority, subjects });
    expect(r.reasons.length).toBeGreaterThan(0);
  });

  it('case 07: only the subset whose accounts were entered is told', () => {
    const r = assessRisk({ ...none, ...edpb.find((c) => c[0] === '07')![2] });
    expect(r.subsets).toEqual([
      { label: 'accounts_entered', subjects_count: 2_000, level: 'high', notify_subjects: true },
      { label: 'login_failed', subjects_count: 98_000, level: 'unlikely', notify_subjects: false },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Transfers declared in activities (Art. 30(1)(e)) and processor records (Art. 30(2)(c)): the same
// engine as data flows (GDPR Chapter V, LAW.md section 7), on the date given.
// ---------------------------------------------------------------------------------------------------

const noMechanism: TransferMechanism = { type: 'none', scc_module: null, derogation: null, authorisation_ref: null, tia_completed: false, supplementary_measures: [], occasional: false, authority_informed: false };
const declared = (country: string, extra: Partial<DeclaredTransfer> = {}): DeclaredTransfer => ({ country, recipient: 'recipient', safeguard: null, ...extra });

type TransferCase = [name: string, at: string, t: DeclaredTransfer, exporter: 'controller' | 'processor', allowed: boolean, basis: string | null];
const transferCases: TransferCase[] = [
  ['Privacy Shield after Schrems II (C-311/18, 16 Jul 2020)', '2020-07-20', declared('US', { safeguard: 'EU-US Privacy Shield' }), 'controller', false, null],
  ['"trust us" is not a safeguard', '2026-06-01', declared('IN', { safeguard: 'trust us' }), 'controller', false, null],
  ['US recipient certified under the DPF, from 10 Jul 2023 (2023/1795)', '2023-07-10', declared('US', { dpf_certified: true }), 'controller', true, 'adequacy'],
  ['US recipient certified under the DPF, the day before', '2023-07-09', declared('US', { dpf_certified: true }), 'controller', false, null],
  ['Brazil adequate from 26 Jan 2026 (2026/179)', '2026-01-26', declared('BR'), 'controller', true, 'adequacy'],
  ['UK renewal to 27 Dec 2031', '2031-12-27', declared('GB'), 'controller', true, 'adequacy'],
  ['UK after 27 Dec 2031', '2031-12-28', declared('GB'), 'controller', false, null],
  ['SCC module 2 (C2P) to a processor in India, Decision 2021/914', '2026-06-01', declared('IN', { recipient_role: 'processor', mechanism: { ...noMechanism, type: 'scc', scc_module: 'C2P', tia_completed: true } }), 'controller', true, 'art46:scc'],
  ['processor record: SCC module 3 (P2P) to a sub-processor', '2026-06-01', declared('IN', { recipient_role: 'processor', mechanism: { ...noMechanism, type: 'scc', scc_module: 'P2P' } }), 'processor', true, 'art46:scc'],
  ['processor record: C2P module does not fit a processor exporter', '2026-06-01', declared('IN', { recipient_role: 'processor', mechanism: { ...noMechanism, type: 'scc', scc_module: 'C2P' } }), 'processor', false, 'art46:scc'],
  ['Art. 49(1) second subparagraph without informing the authority', '2026-06-01', declared('SG', { mechanism: { ...noMechanism, type: 'derogation', derogation: 'compelling_legitimate_interests', occasional: true } }), 'controller', false, 'art49:compelling_legitimate_interests'],
];

describe('transfers declared in activities and processor records (GDPR Art. 44-49)', () => {
  it.each(transferCases)('%s (%s)', (_name, at, t, exporter, allowed, basis) => {
    const r = assessDeclaredTransfer(t, exporter, new Date(`${at}T12:00:00Z`));
    expect({ allowed: r.allowed, basis: r.basis }).toEqual({ allowed, basis });
  });
});
