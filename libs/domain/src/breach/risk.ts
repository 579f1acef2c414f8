import { DATA_SENSITIVITY_SOURCE, RISK_POLICY, type Art34Exemption, type Sensitivity } from '../law/breach';
import { sensitivityOf, type Cause, type Exfiltration, type Identifiability, type RecipientTrust, type SubjectSubset, type UnavailabilityImpact } from './risk-factors';

export * from './risk-factors';

/** Art. 33(1) "unlikely to result in a risk" < "risk" (notify the authority) < "high risk" (Art. 34: notify subjects). */
export type RiskLevel = 'unlikely' | 'risk' | 'high';
export const RISK_LEVELS: readonly RiskLevel[] = ['unlikely', 'risk', 'high'];

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
  /** A complete, recent backup lets the controller restore the data. */
  readonly backup_available: boolean;
  /** Children or other vulnerable subjects concerned. */
  readonly vulnerable_subjects: boolean;
  /** PII-free description of likely consequences (identity theft, fraud, discrimination, ...). */
  readonly likely_consequences: readonly string[];
  // Optional factors (EDPB Guidelines 01/2021). Absent where it matters = unknown: err toward notifying.
  readonly cause?: Cause;
  /** Whether data left the controller in an attack on availability (ransomware). */
  readonly exfiltration?: Exfiltration;
  /** Accidental disclosure: is the recipient trusted (bound to confidentiality)? */
  readonly recipient_trust?: RecipientTrust;
  /** The recipient confirmed deletion or returned the data. */
  readonly data_recovered?: boolean;
  /** Number of unintended recipients of a misdirected disclosure. */
  readonly wrong_recipients?: number;
  /** Misuse of the data has already been observed (fraud, publication, phishing). */
  readonly misuse_observed?: boolean;
  /** How long the data was (or will be) unavailable, backup or not. */
  readonly unavailability_hours?: number;
  readonly unavailability_impact?: UnavailabilityImpact;
  readonly subsets?: readonly SubjectSubset[];
}

export interface SubsetAssessment {
  readonly label: string;
  readonly subjects_count: number;
  readonly level: RiskLevel;
  readonly notify_subjects: boolean;
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
  /** Factors that were not known and were assumed toward notifying (each also explained in reasons). */
  readonly assumptions?: readonly string[];
  /** Per subset of subjects when given: only subsets at high risk are told (Art. 34(1)). */
  readonly subsets?: readonly SubsetAssessment[];
  readonly source: string;
  /** Present when the assessor overrode the computed level (the computed one). */
  readonly computed_level?: RiskLevel;
}

const rank = (l: RiskLevel) => RISK_LEVELS.indexOf(l);
const clamp = (i: number): RiskLevel => RISK_LEVELS[Math.max(0, Math.min(RISK_LEVELS.length - 1, i))];
const maxLevel = (ls: readonly RiskLevel[]): RiskLevel => ls.reduce<RiskLevel>((a, b) => (rank(b) > rank(a) ? b : a), 'unlikely');
const GRADES: readonly Sensitivity[] = ['basic', 'elevated', 'high'];

interface DataSet {
  readonly categories: readonly string[];
  readonly special_categories: readonly string[];
  readonly subjects_count: number;
}

class Notes {
  readonly reasons: string[] = [];
  readonly assumptions: string[] = [];
  add(r: string) {
    if (!this.reasons.includes(r)) this.reasons.push(r);
  }
  assume(a: string) {
    if (!this.assumptions.includes(a)) this.assumptions.push(a);
    this.add(`${a} (unknown: assumed toward notifying)`);
  }
}

function gradeOf(d: DataSet, n: Notes): Sensitivity {
  if (d.special_categories.length) {
    n.add(`special categories concerned (${d.special_categories.join(', ')}): high sensitivity`);
    return 'high';
  }
  let g = 0;
  for (const c of d.categories) {
    const s = sensitivityOf(c);
    const i = GRADES.indexOf(s.grade);
    if (i > 0) n.add(`${c}: ${s.grade} sensitivity (${s.why})`);
    g = Math.max(g, i);
  }
  return GRADES[g];
}

/** Severity if the data is readable by someone not entitled to it, from its grade and aggravating factors. */
function severity(f: RiskFactors, d: DataSet, hostile: boolean, n: Notes): number {
  const grade = gradeOf(d, n);
  let i = grade === 'high' ? rank('high') : rank('risk');
  if (grade === 'elevated' && hostile) {
    i += 1;
    n.add('elevated-sensitivity data in the hands of an attacker or of someone not known to be harmless');
  }
  const aggravated = hostile || grade !== 'basic' || f.vulnerable_subjects;
  if (d.subjects_count >= RISK_POLICY.large_scale_subjects) {
    // A subject count alone does not decide (EDPB 9/2022: volume is one factor among others).
    if (aggravated) {
      i += 1;
      n.add(`large scale: ${d.subjects_count} subjects (policy threshold ${RISK_POLICY.large_scale_subjects}) with another aggravating factor`);
    } else n.add(`large scale (${d.subjects_count} subjects) without another aggravating factor does not by itself raise the risk`);
  }
  if (f.vulnerable_subjects) {
    i += 1;
    n.add('vulnerable subjects concerned');
  }
  if (f.identifiability === 'negligible') {
    i -= 1;
    n.add('subjects can hardly be identified from the data');
  }
  return i;
}

function confidentialityOf(f: RiskFactors, d: DataSet & { encrypted: boolean; keys_safe: boolean; misuse: boolean }, n: Notes): { level: RiskLevel; exemption: boolean } {
  const cause = f.cause ?? 'unknown';
  if (cause === 'unknown') n.assume('cause of the disclosure: treated as malicious');
  const hostile = cause !== 'accidental';
  if (d.misuse) {
    n.add('misuse of the data has already been observed: high risk');
    return { level: 'high', exemption: false };
  }
  const inherent = severity(f, d, hostile, n);
  if (d.encrypted && d.keys_safe) {
    n.add('disclosed data was encrypted (or hashed with a state-of-the-art salted algorithm) and the key is safe: unintelligible to the recipient');
    return { level: 'unlikely', exemption: clamp(inherent) === 'high' };
  }
  if (d.encrypted) n.add('data was encrypted but the key may be compromised');
  let i = inherent;
  const few = f.wrong_recipients !== undefined && f.wrong_recipients <= RISK_POLICY.few_wrong_recipients;
  if (!hostile) {
    const trust = f.recipient_trust ?? 'unknown';
    if (trust === 'trusted' && f.data_recovered === true) {
      i -= 1;
      n.add('sent by mistake to a trusted recipient who confirmed deletion or returned the data (EDPB 01/2021 case 09)');
    } else if (few && gradeOf(d, new Notes()) === 'basic') {
      i -= 1;
      n.add(`basic data sent by mistake to ${f.wrong_recipients} recipient(s) (EDPB 01/2021 case 13)`);
    } else if (f.wrong_recipients === undefined) n.assume('number of wrong recipients: not treated as contained');
  }
  if (f.wrong_recipients !== undefined && f.wrong_recipients >= RISK_POLICY.many_wrong_recipients) {
    i += 1;
    n.add(`disclosed to ${f.wrong_recipients} unintended recipients (policy threshold ${RISK_POLICY.many_wrong_recipients}; EDPB 01/2021 case 15)`);
  }
  return { level: clamp(i), exemption: false };
}

function availabilityOf(f: RiskFactors, n: Notes): RiskLevel {
  const sensitive = f.special_categories.length > 0 || f.vulnerable_subjects;
  const hours = f.unavailability_hours;
  const impact = f.unavailability_impact;
  let level: RiskLevel;
  if (impact === 'negligible' || impact === 'minor' || impact === 'serious') {
    level = impact === 'serious' ? 'high' : impact === 'minor' ? 'risk' : 'unlikely';
    n.add(`unavailability${hours === undefined ? '' : ` of ${hours} h`} with ${impact} impact on the subjects${impact === 'serious' ? ' (e.g. care or payments disrupted: EDPB 01/2021 case 03)' : ''}`);
  } else if (impact === undefined && f.backup_available && (hours === undefined || hours <= RISK_POLICY.restore_hours_without_impact)) {
    n.add('data restored from a backup in time');
    return 'unlikely';
  } else {
    // A backup does not end the analysis when the unavailability lasts (EDPB 01/2021 case 03).
    level = sensitive ? 'high' : 'risk';
    if (impact === 'unknown' || (impact === undefined && f.backup_available)) n.assume('impact of the unavailability on the subjects');
    n.add(f.backup_available ? `data unavailable for ${hours} h despite a backup` : 'data lost or unavailable without a usable backup');
    if (sensitive) n.add('special categories or vulnerable subjects concerned by the unavailability');
  }
  if (!f.backup_available && level === 'unlikely') {
    n.add('no usable backup: the data may not come back');
    return 'risk';
  }
  return level;
}

/**
 * Pure risk assessment (EDPB Guidelines 9/2022 factors, calibrated on every EDPB Guidelines 01/2021
 * case: libs/domain/src/law/cases/risk.cases.spec.ts). Each breach type is assessed separately, each
 * subset of subjects on its own data and protection; the breach's level is the highest.
 */
export function assessRisk(f: RiskFactors): RiskAssessment {
  if (!f.confidentiality && !f.integrity && !f.availability) throw new RangeError('a breach affects confidentiality, integrity or availability');
  const n = new Notes();
  let disclosed = f.confidentiality;
  if (!disclosed && f.exfiltration && f.exfiltration !== 'none') {
    disclosed = true;
    if (f.exfiltration === 'confirmed') n.add('data was exfiltrated: confidentiality breached');
    else n.assume(`exfiltration ${f.exfiltration === 'possible' ? 'cannot be ruled out' : 'not established'}: assessed as a disclosure`);
  }

  let confidentiality: RiskLevel | null = null;
  let exemption = false;
  let subsets: SubsetAssessment[] | undefined;
  if (disclosed) {
    const whole = { categories: f.categories, special_categories: f.special_categories, subjects_count: f.subjects_count, encrypted: f.encrypted, keys_safe: f.keys_safe, misuse: f.misuse_observed === true };
    if (f.subsets?.length) {
      subsets = f.subsets.map((s) => {
        if (s.exposed === false) {
          n.add(`subset ${s.label}: data not reached`);
          return { label: s.label, subjects_count: s.subjects_count, level: 'unlikely' as RiskLevel, notify_subjects: false };
        }
        const r = confidentialityOf(
          f,
          {
            categories: s.categories ?? f.categories,
            special_categories: s.special_categories ?? f.special_categories,
            subjects_count: s.subjects_count,
            encrypted: s.encrypted ?? f.encrypted,
            keys_safe: s.keys_safe ?? f.keys_safe,
            misuse: s.misuse_observed ?? whole.misuse,
          },
          n,
        );
        exemption ||= r.exemption;
        n.add(`subset ${s.label} (${s.subjects_count} subjects): ${r.level}`);
        return { label: s.label, subjects_count: s.subjects_count, level: r.level, notify_subjects: r.level === 'high' };
      });
      confidentiality = maxLevel(subsets.map((s) => s.level));
    } else {
      const r = confidentialityOf(f, whole, n);
      confidentiality = r.level;
      exemption = r.exemption;
    }
  }
  const integrity: RiskLevel | null = f.integrity ? clamp(severity(f, f, f.cause !== 'accidental', n)) : null;
  const availability: RiskLevel | null = f.availability ? availabilityOf(f, n) : null;
  const level = maxLevel([confidentiality, integrity, availability].filter((x): x is RiskLevel => x !== null));
  const subjectExemption: Art34Exemption | null = exemption && level !== 'high' ? 'a' : null;
  if (level === 'unlikely') n.add('unlikely to result in a risk: document only (Art. 33(5)), no notification (Art. 33(1))');
  else if (level === 'risk') n.add('risk: notify the supervisory authority (Art. 33(1)); no high risk, so no communication to subjects (Art. 34(1))');
  else n.add(`high risk: notify the supervisory authority (Art. 33(1)) and the subjects (Art. 34(1))${subsets ? `: subsets ${subsets.filter((s) => s.notify_subjects).map((s) => s.label).join(', ')}` : ''}`);
  if (subjectExemption) n.add('communication to subjects not required: Art. 34(3)(a)');
  return {
    level,
    dimensions: { confidentiality, integrity, availability },
    notify_authority: level !== 'unlikely',
    notify_subjects: level === 'high',
    subject_exemption: subjectExemption,
    reasons: n.reasons,
    ...(n.assumptions.length ? { assumptions: n.assumptions } : {}),
    ...(subsets ? { subsets } : {}),
    source: `${RISK_POLICY.source}; sensitivity grades: ${DATA_SENSITIVITY_SOURCE.source}`,
  };
}
