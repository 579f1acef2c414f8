import { RISK_POLICY, type Art34Exemption } from '../law/breach';

/** Art. 33(1) "unlikely to result in a risk" < "risk" (notify the authority) < "high risk" (Art. 34: notify subjects). */
export type RiskLevel = 'unlikely' | 'risk' | 'high';
export const RISK_LEVELS: readonly RiskLevel[] = ['unlikely', 'risk', 'high'];

/** Ease of identifying subjects from the breached data (ENISA scale, referred to by EDPB 9/2022). */
export type Identifiability = 'negligible' | 'limited' | 'significant' | 'maximum';
export const IDENTIFIABILITY: readonly Identifiability[] = ['negligible', 'limited', 'significant', 'maximum'];

export interface RiskFactors {
  /** Breach types (WP250/EDPB 9/2022): unauthorised disclosure/access, alteration, loss/unavailability. */
  readonly confidentiality: boolean;
  readonly integrity: boolean;
  readonly availability: boolean;
  /** Taxonomy keys of the data categories concerned (e.g. `user.contact.email`). */
  readonly categories: readonly string[];
  /** Art. 9/10 special categories concerned (taxonomy or Art. 9 kind keys). */
  readonly special_categories: readonly string[];
  readonly subjects_count: number;
  readonly records_count: number;
  readonly identifiability: Identifiability;
  /** Data encrypted (or hashed with a state-of-the-art salted algorithm) at the time of the breach. */
  readonly encrypted: boolean;
  /** The key or secret needed to read the data was not compromised. Meaningless when not encrypted. */
  readonly keys_safe: boolean;
  /** A complete, recent backup lets the controller restore the data in time (availability). */
  readonly backup_available: boolean;
  /** Children or other vulnerable subjects concerned. */
  readonly vulnerable_subjects: boolean;
  /** PII-free description of likely consequences (identity theft, fraud, discrimination, ...). */
  readonly likely_consequences: readonly string[];
}

export interface RiskAssessment {
  readonly level: RiskLevel;
  /** Per breach type, after mitigation. */
  readonly dimensions: { readonly confidentiality: RiskLevel | null; readonly integrity: RiskLevel | null; readonly availability: RiskLevel | null };
  readonly notify_authority: boolean;
  readonly notify_subjects: boolean;
  /** Set when the subjects would otherwise have to be told but an Art. 34(3) ground applies. */
  readonly subject_exemption: Art34Exemption | null;
  /** Why; shown in the register (Art. 33(5) documentation), also for breaches not notified. */
  readonly reasons: readonly string[];
  readonly source: string;
  /** Present when the assessor overrode the computed level (the computed one). */
  readonly computed_level?: RiskLevel;
}

const rank = (l: RiskLevel) => RISK_LEVELS.indexOf(l);
const clamp = (i: number): RiskLevel => RISK_LEVELS[Math.max(0, Math.min(RISK_LEVELS.length - 1, i))];
const maxLevel = (ls: readonly RiskLevel[]): RiskLevel => ls.reduce<RiskLevel>((a, b) => (rank(b) > rank(a) ? b : a), 'unlikely');

export function isHighImpactCategory(key: string): boolean {
  return RISK_POLICY.high_impact_category_prefixes.some((p) => key === p || key.startsWith(`${p}.`));
}

/**
 * The risk a breach of this data causes when the data is readable, before encryption is taken into
 * account. Baseline "risk" for identifiable data; special categories and credentials/financial data
 * go to "high"; large scale and vulnerable subjects raise one step; negligible identifiability lowers one.
 */
function inherentSeverity(f: RiskFactors, reasons: string[]): RiskLevel {
  let i = rank('risk');
  if (f.special_categories.length) {
    i = rank('high');
    reasons.push(`special categories concerned (${f.special_categories.join(', ')})`);
  }
  const high = f.categories.filter(isHighImpactCategory);
  if (high.length) {
    i = rank('high');
    reasons.push(`categories whose disclosure enables fraud or account takeover (${high.join(', ')})`);
  }
  if (f.subjects_count >= RISK_POLICY.large_scale_subjects) {
    i += 1;
    reasons.push(`large scale: ${f.subjects_count} subjects (policy threshold ${RISK_POLICY.large_scale_subjects})`);
  }
  if (f.vulnerable_subjects) {
    i += 1;
    reasons.push('vulnerable subjects concerned');
  }
  if (f.identifiability === 'negligible') {
    i -= 1;
    reasons.push('subjects can hardly be identified from the data');
  }
  return clamp(i);
}

/**
 * Pure risk assessment (EDPB Guidelines 9/2022 factors, calibrated on the EDPB Guidelines 01/2021 cases).
 * Each breach type is assessed separately; the breach's level is the highest.
 */
export function assessRisk(f: RiskFactors): RiskAssessment {
  if (!f.confidentiality && !f.integrity && !f.availability) throw new RangeError('a breach affects confidentiality, integrity or availability');
  const reasons: string[] = [];
  const severity = inherentSeverity(f, reasons);
  const unintelligible = f.encrypted && f.keys_safe;

  let confidentiality: RiskLevel | null = null;
  let exemption: Art34Exemption | null = null;
  if (f.confidentiality) {
    if (unintelligible) {
      confidentiality = 'unlikely';
      reasons.push('disclosed data was encrypted and the key is safe: unintelligible to the recipient');
      if (severity === 'high') exemption = 'a';
    } else {
      confidentiality = severity;
      if (f.encrypted) reasons.push('data was encrypted but the key may be compromised');
    }
  }
  const integrity: RiskLevel | null = f.integrity ? severity : null;
  let availability: RiskLevel | null = null;
  if (f.availability) {
    if (f.backup_available) {
      availability = 'unlikely';
      reasons.push('data can be restored from a backup in time');
    } else {
      // EDPB 01/2021 case 2 (ransomware, no backup, ordinary data): authority only; special categories or vulnerable subjects: high.
      availability = f.special_categories.length || f.vulnerable_subjects ? 'high' : 'risk';
      reasons.push('data lost or unavailable without a usable backup');
    }
  }
  const level = maxLevel([confidentiality, integrity, availability].filter((x): x is RiskLevel => x !== null));
  if (exemption && level === 'high') exemption = null;
  if (level === 'unlikely') reasons.push('unlikely to result in a risk: document only (Art. 33(5)), no notification (Art. 33(1))');
  else if (level === 'risk') reasons.push('risk: notify the supervisory authority (Art. 33(1)); no high risk, so no communication to subjects (Art. 34(1))');
  else reasons.push('high risk: notify the supervisory authority (Art. 33(1)) and the subjects (Art. 34(1))');
  if (exemption) reasons.push('communication to subjects not required: Art. 34(3)(a)');
  return {
    level,
    dimensions: { confidentiality, integrity, availability },
    notify_authority: level !== 'unlikely',
    notify_subjects: level === 'high',
    subject_exemption: exemption,
    reasons,
    source: RISK_POLICY.source,
  };
}
