import { assessRisk, validateOptionalFactors, type RiskFactors, type RiskLevel } from './risk';
import { NO_BREACH } from '../law/cases/fixtures';

const base: RiskFactors = NO_BREACH;

type Row = [string, Partial<RiskFactors>, RiskLevel, boolean, boolean, 'a' | null];

// [case, factors, level, notify authority, notify subjects, Art. 34(3) exemption]
const table: Row[] = [
  ['EDPB 01/2021 case 1: ransomware, backup available, no exfiltration', { availability: true, backup_available: true }, 'unlikely', false, false, null],
  ['EDPB 01/2021 case 2: ransomware, no backup, no exfiltration', { availability: true, backup_available: false }, 'risk', true, false, null],
  ['ransomware without backup on health data', { availability: true, special_categories: ['user.health'] }, 'high', true, true, null],
  ['ransomware with exfiltration (confidentiality and availability)', { availability: true, confidentiality: true, backup_available: true }, 'risk', true, false, null],
  [
    'exfiltrated credentials (EDPB 01/2021 credential cases)',
    { confidentiality: true, categories: ['user.contact.email', 'user.account.credentials'] },
    'high',
    true,
    true,
    null,
  ],
  ['exfiltrated payment data', { confidentiality: true, categories: ['user.financial.card'] }, 'high', true, true, null],
  [
    'EDPB 01/2021: stolen device, state-of-the-art encryption, key safe, backup',
    { confidentiality: true, availability: true, encrypted: true, keys_safe: true, backup_available: true },
    'unlikely',
    false,
    false,
    null,
  ],
  [
    'encrypted financial data with the key safe, only copy lost: authority, no subject notice (34(3)(a))',
    { confidentiality: true, availability: true, encrypted: true, keys_safe: true, backup_available: false, categories: ['user.financial.account'] },
    'risk',
    true,
    false,
    'a',
  ],
  [
    'encrypted data but the key was stolen too',
    { confidentiality: true, encrypted: true, keys_safe: false, categories: ['user.financial.account'] },
    'high',
    true,
    true,
    null,
  ],
  ['small disclosure of contact data', { confidentiality: true }, 'risk', true, false, null],
  ['special categories raise the risk', { confidentiality: true, special_categories: ['user.health'] }, 'high', true, true, null],
  ['large scale with an unknown (so possibly malicious) cause raises the risk', { confidentiality: true, subjects_count: 250_000, records_count: 250_000 }, 'high', true, true, null],
  ['large scale alone does not decide: accidental disclosure of contact data', { confidentiality: true, cause: 'accidental', subjects_count: 250_000, records_count: 250_000 }, 'risk', true, false, null],
  ['graded sensitivity: wages disclosed by mistake', { confidentiality: true, cause: 'accidental', categories: ['user.financial'] }, 'risk', true, false, null],
  ['graded sensitivity: wages taken by an attacker', { confidentiality: true, cause: 'malicious', categories: ['user.financial'] }, 'high', true, true, null],
  ['graded sensitivity: call records, cause unknown', { confidentiality: true, categories: ['user.communications'] }, 'high', true, true, null],
  ['trusted recipient, data deleted', { confidentiality: true, cause: 'accidental', recipient_trust: 'trusted', data_recovered: true }, 'unlikely', false, false, null],
  ['trusted recipient, deletion not confirmed', { confidentiality: true, cause: 'accidental', recipient_trust: 'trusted' }, 'risk', true, false, null],
  ['one wrong recipient of basic data', { confidentiality: true, cause: 'accidental', wrong_recipients: 1 }, 'unlikely', false, false, null],
  ['many wrong recipients of basic data', { confidentiality: true, cause: 'accidental', wrong_recipients: 50 }, 'high', true, true, null],
  ['misuse already observed overrides encryption claims', { confidentiality: true, encrypted: true, keys_safe: true, misuse_observed: true }, 'high', true, true, null],
  ['ransomware, exfiltration possible: assessed as a disclosure', { availability: true, backup_available: true, exfiltration: 'possible', categories: ['user.financial.card'] }, 'high', true, true, null],
  ['ransomware, exfiltration ruled out', { availability: true, backup_available: true, exfiltration: 'none', categories: ['user.financial.card'] }, 'unlikely', false, false, null],
  ['backup, but 3 days unavailable, impact not stated', { availability: true, backup_available: true, unavailability_hours: 72 }, 'risk', true, false, null],
  ['backup, serious impact (payments blocked)', { availability: true, backup_available: true, unavailability_hours: 10, unavailability_impact: 'serious' }, 'high', true, true, null],
  ['backup, impact unknown: toward notifying', { availability: true, backup_available: true, unavailability_impact: 'unknown' }, 'risk', true, false, null],
  ['no backup, impact stated negligible: the data may not come back', { availability: true, unavailability_impact: 'negligible' }, 'risk', true, false, null],
  ['vulnerable subjects raise the risk', { confidentiality: true, vulnerable_subjects: true }, 'high', true, true, null],
  ['negligible identifiability lowers the risk', { confidentiality: true, identifiability: 'negligible' }, 'unlikely', false, false, null],
  ['integrity: altered ordinary records', { integrity: true }, 'risk', true, false, null],
];

describe('assessRisk (EDPB Guidelines 01/2021 and 9/2022)', () => {
  it.each(table)('%s', (_name, factors, level, authority, subjects, exemption) => {
    const r = assessRisk({ ...base, ...factors });
    expect(r.level).toBe(level);
    expect(r.notify_authority).toBe(authority);
    expect(r.notify_subjects).toBe(subjects);
    expect(r.subject_exemption).toBe(exemption);
    expect(r.reasons.length).toBeGreaterThan(0);
  });

  it('records a reason for every raising factor', () => {
    const r = assessRisk({ ...base, confidentiality: true, special_categories: ['user.health'], subjects_count: 50_000 });
    expect(r.reasons.join(' ')).toMatch(/special categories/);
    expect(r.reasons.join(' ')).toMatch(/large scale/);
    expect(r.source).toMatch(/EDPB Guidelines 01\/2021.*ENISA/);
  });

  it('says which unknown factors were assumed toward notifying', () => {
    const r = assessRisk({ ...base, confidentiality: true });
    expect(r.assumptions).toEqual(['cause of the disclosure: treated as malicious']);
    expect(r.reasons.join(' ')).toMatch(/unknown: assumed toward notifying/);
    expect(assessRisk({ ...base, confidentiality: true, cause: 'malicious' }).assumptions).toBeUndefined();
  });

  it('assesses each subset on its own data and protection; only high-risk subsets are told', () => {
    const r = assessRisk({
      ...base,
      confidentiality: true,
      cause: 'malicious',
      categories: ['user.contact.email', 'user.financial.card'],
      subsets: [
        { label: 'cards_encrypted', subjects_count: 900, encrypted: true, keys_safe: true },
        { label: 'cards_in_clear', subjects_count: 100 },
      ],
    });
    expect(r.subsets).toEqual([
      { label: 'cards_encrypted', subjects_count: 900, level: 'unlikely', notify_subjects: false },
      { label: 'cards_in_clear', subjects_count: 100, level: 'high', notify_subjects: true },
    ]);
    expect(r.notify_subjects).toBe(true);
  });

  it('refuses a breach that affects nothing', () => {
    expect(() => assessRisk(base)).toThrow(RangeError);
  });
});

describe('validateOptionalFactors', () => {
  it.each([
    [{ cause: 'hackers' }, 'factors.cause'],
    [{ exfiltration: 'maybe' }, 'factors.exfiltration'],
    [{ wrong_recipients: -1 }, 'factors.wrong_recipients'],
    [{ unavailability_hours: Number.NaN }, 'factors.unavailability_hours'],
    [{ subsets: [{ label: 'Jane Doe', subjects_count: 1 }] }, 'factors.subsets[0].label'],
    [{ subsets: [{ label: 'a', subjects_count: 1 }, { label: 'a', subjects_count: 2 }] }, 'factors.subsets[1].label'],
  ])('refuses %j without echoing it', (input, field) => {
    let err: any;
    try {
      validateOptionalFactors(input as never);
    } catch (e) {
      err = e;
    }
    expect(err.details.field).toBe(field);
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toMatch(/hackers|maybe|Jane/);
  });
});
