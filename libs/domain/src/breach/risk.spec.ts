import { assessRisk, type RiskFactors, type RiskLevel } from './risk';

const base: RiskFactors = {
  confidentiality: false,
  integrity: false,
  availability: false,
  categories: ['user.contact.email', 'user.contact.address'],
  special_categories: [],
  subjects_count: 200,
  records_count: 400,
  identifiability: 'maximum',
  encrypted: false,
  keys_safe: false,
  backup_available: false,
  vulnerable_subjects: false,
  likely_consequences: [],
};

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
  ['large scale raises the risk', { confidentiality: true, subjects_count: 250_000, records_count: 250_000 }, 'high', true, true, null],
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
  });

  it('refuses a breach that affects nothing', () => {
    expect(() => assessRisk(base)).toThrow(RangeError);
  });
});
