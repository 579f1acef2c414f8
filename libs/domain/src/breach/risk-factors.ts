import { categoryCovers } from '../catalog/taxonomy';
import { DATA_SENSITIVITY, type Sensitivity } from '../law/breach';
import { invalid } from '../shared';

/** Ease of identifying subjects from the breached data (ENISA scale, referred to by EDPB 9/2022). */
export type Identifiability = 'negligible' | 'limited' | 'significant' | 'maximum';
export const IDENTIFIABILITY: readonly Identifiability[] = ['negligible', 'limited', 'significant', 'maximum'];

/** Optional factors (EDPB 01/2021 weighs them); `unknown` or absent errs toward notifying, with a reason. */
export const CAUSES = ['malicious', 'accidental', 'unknown'] as const;
export type Cause = (typeof CAUSES)[number];
export const EXFILTRATION = ['none', 'possible', 'confirmed', 'unknown'] as const;
export type Exfiltration = (typeof EXFILTRATION)[number];
export const RECIPIENT_TRUST = ['trusted', 'untrusted', 'unknown'] as const;
export type RecipientTrust = (typeof RECIPIENT_TRUST)[number];
/** serious: care, payments or other essential services are disrupted (EDPB 01/2021 case 03). */
export const UNAVAILABILITY_IMPACT = ['negligible', 'minor', 'serious', 'unknown'] as const;
export type UnavailabilityImpact = (typeof UNAVAILABILITY_IMPACT)[number];

/** Subjects whose data or protection differs from the rest (some fields encrypted, some accounts entered). */
export interface SubjectSubset {
  /** A slug such as `accounts_entered`, never personal data. */
  readonly label: string;
  readonly subjects_count: number;
  readonly categories?: readonly string[];
  readonly special_categories?: readonly string[];
  readonly encrypted?: boolean;
  readonly keys_safe?: boolean;
  /** false: the attacker did not reach this subset's data (e.g. failed log-in attempts). */
  readonly exposed?: boolean;
  readonly misuse_observed?: boolean;
}

export function sensitivityOf(category: string): { grade: Sensitivity; why: string } {
  const hits = DATA_SENSITIVITY.filter((s) => categoryCovers(s.prefix, category));
  const best = hits.sort((a, b) => b.prefix.length - a.prefix.length)[0];
  return best ? { grade: best.grade, why: best.why } : { grade: 'basic', why: 'identity and contact data' };
}

const LABEL = /^[a-z][a-z0-9_]{0,59}$/;
const nonNegativeInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const oneOf = (v: unknown, values: readonly string[], field: string) => {
  if (v !== undefined && !values.includes(v as string)) throw invalid(`${field} must be one of ${values.join(', ')}`, { field });
};
const bool = (v: unknown, field: string) => {
  if (v !== undefined && typeof v !== 'boolean') throw invalid(`${field} must be true or false`, { field });
};

/** Checks the optional factors; never echoes the rejected value. */
export function validateOptionalFactors(f: {
  cause?: unknown;
  exfiltration?: unknown;
  recipient_trust?: unknown;
  data_recovered?: unknown;
  wrong_recipients?: unknown;
  misuse_observed?: unknown;
  unavailability_hours?: unknown;
  unavailability_impact?: unknown;
  subsets?: unknown;
}): void {
  oneOf(f.cause, CAUSES, 'factors.cause');
  oneOf(f.exfiltration, EXFILTRATION, 'factors.exfiltration');
  oneOf(f.recipient_trust, RECIPIENT_TRUST, 'factors.recipient_trust');
  oneOf(f.unavailability_impact, UNAVAILABILITY_IMPACT, 'factors.unavailability_impact');
  bool(f.data_recovered, 'factors.data_recovered');
  bool(f.misuse_observed, 'factors.misuse_observed');
  if (f.wrong_recipients !== undefined && !nonNegativeInt(f.wrong_recipients)) throw invalid('factors.wrong_recipients must be a non-negative integer', { field: 'factors.wrong_recipients' });
  if (f.unavailability_hours !== undefined && !(typeof f.unavailability_hours === 'number' && f.unavailability_hours >= 0 && Number.isFinite(f.unavailability_hours))) {
    throw invalid('factors.unavailability_hours must be a non-negative number', { field: 'factors.unavailability_hours' });
  }
  if (f.subsets === undefined) return;
  if (!Array.isArray(f.subsets) || f.subsets.length > 20) throw invalid('factors.subsets must be a list of at most 20 subsets', { field: 'factors.subsets' });
  const labels = new Set<string>();
  f.subsets.forEach((s: SubjectSubset, i) => {
    const field = `factors.subsets[${i}]`;
    if (!s || typeof s !== 'object') throw invalid(`${field} must be an object`, { field });
    if (typeof s.label !== 'string' || !LABEL.test(s.label)) throw invalid(`${field}.label must be a snake_case label, not personal data`, { field: `${field}.label` });
    if (labels.has(s.label)) throw invalid(`${field}.label is used twice`, { field: `${field}.label` });
    labels.add(s.label);
    if (!nonNegativeInt(s.subjects_count)) throw invalid(`${field}.subjects_count must be a non-negative integer`, { field: `${field}.subjects_count` });
    for (const k of ['categories', 'special_categories'] as const) {
      const v = s[k];
      if (v !== undefined && !(Array.isArray(v) && v.length <= 200 && v.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 120))) throw invalid(`${field}.${k} must be a list of category keys`, { field: `${field}.${k}` });
    }
    for (const k of ['encrypted', 'keys_safe', 'exposed', 'misuse_observed'] as const) bool(s[k], `${field}.${k}`);
  });
}
