import { addDays, endOfDayIn, isoDayIn } from './deadlines';

/**
 * Personal data breach rules (LAW.md section 4) as data: each with its source and effective date.
 * A change in the law is a change here (e.g. the EU Digital Omnibus proposal, COM(2025) 837, would
 * change 72 h to 96 h and notify only high risks: it is a proposal, not law, and is NOT encoded).
 */

export interface BreachLegalSource {
  readonly source: string;
  /** ISO date from which the rule applies (inclusive), compared with the clock's anchor event. */
  readonly effective_from: string;
  /** ISO date from which it no longer applies (exclusive), when superseded. */
  readonly effective_to?: string;
}

export type DeadlineRuleId = 'gdpr_art33_authority' | 'ca_residents' | 'ca_attorney_general';

/** What starts a clock. */
export type ClockAnchor = 'awareness' | 'discovery' | 'ca_residents_notified';

export interface DeadlineRule extends BreachLegalSource {
  readonly id: DeadlineRuleId;
  readonly jurisdiction: 'EU' | 'US-CA';
  readonly recipient: 'supervisory_authority' | 'subjects' | 'attorney_general';
  readonly anchor: ClockAnchor;
  /**
   * Duration in hours (72 h from the instant) or calendar days: a day count ends at the end of the
   * last day in `timezone` (the day of the anchor is not counted), not 24-hour blocks from the instant.
   */
  readonly duration: { readonly hours: number } | { readonly calendar_days: number; readonly timezone: string };
  /** Warnings the worker emits before the deadline, in hours before it. */
  readonly warn_before_hours: readonly number[];
  readonly description: string;
}

export const BREACH_DEADLINE_RULES: readonly DeadlineRule[] = [
  {
    id: 'gdpr_art33_authority',
    jurisdiction: 'EU',
    recipient: 'supervisory_authority',
    anchor: 'awareness',
    duration: { hours: 72 },
    warn_before_hours: [24, 6],
    description:
      'Notify the competent supervisory authority without undue delay and, where feasible, not later than 72 hours after becoming aware, unless the breach is unlikely to result in a risk; give reasons when later.',
    source: 'GDPR Art. 33(1)',
    effective_from: '2018-05-25',
  },
  {
    id: 'ca_residents',
    jurisdiction: 'US-CA',
    recipient: 'subjects',
    anchor: 'discovery',
    // California's days: the statute is California's, and "within 30 calendar days" counts days, not hours
    duration: { calendar_days: 30, timezone: 'America/Los_Angeles' },
    warn_before_hours: [7 * 24, 48],
    description: 'Notify affected California residents within 30 calendar days of discovery or notification of the breach.',
    source: 'Cal. Civ. Code § 1798.82 as amended by SB 446 (2025)',
    effective_from: '2026-01-01',
  },
  {
    id: 'ca_attorney_general',
    jurisdiction: 'US-CA',
    recipient: 'attorney_general',
    anchor: 'ca_residents_notified',
    duration: { calendar_days: 15, timezone: 'America/Los_Angeles' },
    warn_before_hours: [5 * 24, 24],
    description:
      'When more than 500 California residents were notified, submit a sample copy of the notice to the Attorney General within 15 days of notifying them.',
    source: 'Cal. Civ. Code § 1798.82(f) as amended by SB 446 (2025)',
    effective_from: '2026-01-01',
  },
];

/** More than this many California residents notified: sample notice to the Attorney General. Civ. § 1798.82(f). */
export const CA_ATTORNEY_GENERAL_THRESHOLD = { more_than: 500, source: 'Cal. Civ. Code § 1798.82(f)', effective_from: '2012-01-01' } as const;

export function ruleInForce(rule: BreachLegalSource, at: string | Date): boolean {
  const day = (typeof at === 'string' ? at : at.toISOString()).slice(0, 10);
  return day >= rule.effective_from && (rule.effective_to === undefined || day < rule.effective_to);
}

export function deadlineRule(id: DeadlineRuleId): DeadlineRule {
  const r = BREACH_DEADLINE_RULES.find((x) => x.id === id);
  if (!r) throw new Error(`unknown breach deadline rule ${id}`);
  return r;
}

/**
 * The zone whose calendar a deadline counts in (a day count ends at the end of a day there), or null
 * for a duration in hours (GDPR Art. 33's 72 hours: the same instant in every zone).
 */
export function deadlineTimezone(id: DeadlineRuleId): string | null {
  const d = deadlineRule(id).duration;
  return 'timezone' in d ? d.timezone : null;
}

export function dueAt(rule: DeadlineRule, anchor: string): string {
  const d = rule.duration;
  if ('hours' in d) return new Date(Date.parse(anchor) + d.hours * 3_600_000).toISOString();
  return endOfDayIn(addDays(isoDayIn(new Date(anchor), d.timezone), d.calendar_days), d.timezone).toISOString();
}

/** Art. 34(3): the subject communication is not required when any of these holds. */
export type Art34Exemption = 'a' | 'b' | 'c';
export const ART34_EXEMPTIONS: Readonly<Record<Art34Exemption, BreachLegalSource & { readonly text: string }>> = {
  a: {
    text: 'Appropriate protection measures were applied to the affected data that render it unintelligible to anyone not authorised (e.g. state-of-the-art encryption, keys not compromised).',
    source: 'GDPR Art. 34(3)(a)',
    effective_from: '2018-05-25',
  },
  b: {
    text: 'Subsequent measures ensure that the high risk to the rights and freedoms of the subjects is no longer likely to materialise.',
    source: 'GDPR Art. 34(3)(b)',
    effective_from: '2018-05-25',
  },
  c: {
    text: 'Individual communication would involve disproportionate effort; a public communication or similar equally effective measure informs the subjects instead.',
    source: 'GDPR Art. 34(3)(c)',
    effective_from: '2018-05-25',
  },
};

/** Contents of the notification to the supervisory authority. */
export const ART33_3_CONTENTS = [
  { key: 'a', text: 'nature of the breach incl. categories and approximate number of subjects and of records concerned', source: 'GDPR Art. 33(3)(a)', effective_from: '2018-05-25' },
  { key: 'b', text: 'name and contact details of the DPO or other contact point', source: 'GDPR Art. 33(3)(b)', effective_from: '2018-05-25' },
  { key: 'c', text: 'likely consequences of the breach', source: 'GDPR Art. 33(3)(c)', effective_from: '2018-05-25' },
  { key: 'd', text: 'measures taken or proposed, incl. to mitigate possible adverse effects', source: 'GDPR Art. 33(3)(d)', effective_from: '2018-05-25' },
] as const;

/** Headings of the California security breach notification, in this order, titled "Notice of Data Breach". */
export const CA_NOTICE = {
  title: 'Notice of Data Breach',
  headings: ['What Happened', 'What Information Was Involved', 'What We Are Doing', 'What You Can Do', 'For More Information'],
  source: 'Cal. Civ. Code § 1798.82(d)(1)',
  effective_from: '2016-01-01',
} as const;

/**
 * Supervisory authorities. An EU-established controller notifies its lead authority (one-stop shop,
 * Art. 56(1), Art. 33(1) "competent in accordance with Article 55"); a controller without an EU
 * establishment notifies the authority of every member state where affected subjects live
 * (EDPB Guidelines 9/2022 on personal data breach notification).
 */
export const EEA_MEMBER_STATES = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
] as const;
export const AUTHORITY_SELECTION = {
  eu_established: { rule: 'lead supervisory authority of the main establishment', source: 'GDPR Art. 33(1), Art. 55, Art. 56(1)', effective_from: '2018-05-25' },
  non_eu: { rule: 'every supervisory authority of a member state where affected subjects reside', source: 'EDPB Guidelines 9/2022 (v2.0, 28 March 2023)', effective_from: '2023-03-28' },
} as const;

export function isEeaState(code: string): boolean {
  return (EEA_MEMBER_STATES as readonly string[]).includes(code);
}

export function competentAuthorities(mainEstablishment: string | null, subjectCountries: readonly string[]): string[] {
  if (mainEstablishment && isEeaState(mainEstablishment)) return [mainEstablishment];
  return [...new Set(subjectCountries.filter(isEeaState))].sort();
}

/**
 * Risk assessment inputs from EDPB Guidelines 01/2021 (examples) and 9/2022 (factors: type of breach,
 * nature/sensitivity/volume of data, ease of identification, severity of consequences, special
 * characteristics of subjects, number of subjects). No statute gives numeric thresholds: the values
 * below are this service's POLICY defaults, kept here so they can be reviewed in one place.
 */
export const RISK_POLICY = {
  /** Subjects from which a breach counts as large scale; raises the risk only together with another aggravating factor (policy, not law). */
  large_scale_subjects: 10_000,
  /** A restore within this many hours counts as timely when the caller states no impact (EDPB 01/2021 case 01: restored within hours). */
  restore_hours_without_impact: 24,
  /** An accidental disclosure of basic data to at most this many wrong recipients can be contained (EDPB 01/2021 case 13). */
  few_wrong_recipients: 1,
  /** From this many unintended recipients the disclosure itself aggravates the risk (EDPB 01/2021 case 15). */
  many_wrong_recipients: 10,
  source: 'EDPB Guidelines 01/2021 on examples regarding personal data breach notification (v2.0, 14 Dec 2021); EDPB Guidelines 9/2022 section on risk assessment',
  effective_from: '2021-12-14',
} as const;

/**
 * Graded sensitivity of what a breach discloses (EDPB 9/2022 "nature, sensitivity and volume";
 * ENISA methodology for breach severity, which it refers to). `high`: disclosure alone is likely to
 * cause serious harm (Art. 9/10 data, identity documents, credentials, payment means, message contents);
 * `elevated`: harmful with another aggravating factor (wages and other financial data, CVs and
 * employment, call records, date of birth with identity, precise location, inferences); the rest `basic`.
 * The longest matching taxonomy prefix wins.
 */
export type Sensitivity = 'basic' | 'elevated' | 'high';
const EDPB_EXAMPLES = 'EDPB Guidelines 01/2021';
export const DATA_SENSITIVITY_SOURCE = {
  source: 'EDPB Guidelines 9/2022 (nature, sensitivity and volume of data); EDPB Guidelines 01/2021 (v2.0) cases; ENISA recommendations for a methodology of the assessment of severity of personal data breaches (2013)',
  effective_from: '2021-12-14',
} as const;
export const DATA_SENSITIVITY: ReadonlyArray<{ readonly prefix: string; readonly grade: Sensitivity; readonly why: string }> = [
  ...['user.health_and_medical', 'user.health_and_medical.genetic', 'user.biometric', 'user.authorization.biometric', 'user.sex_life', 'user.criminal_history', 'user.neural', 'user.sensitive', 'user.demographic.race_ethnicity', 'user.demographic.political_opinion', 'user.demographic.religious_belief', 'user.demographic.sexual_orientation', 'user.demographic.trade_union'].map(
    (prefix) => ({ prefix, grade: 'high' as const, why: 'special category (GDPR Art. 9/10)' }),
  ),
  { prefix: 'user.authorization', grade: 'high', why: `account takeover (${EDPB_EXAMPLES} cases 06, 07)` },
  { prefix: 'user.financial.credit_card', grade: 'high', why: `payment fraud (${EDPB_EXAMPLES} cases 04, 18)` },
  { prefix: 'user.financial.card_with_credentials', grade: 'high', why: 'payment fraud' },
  { prefix: 'user.financial.bank_account', grade: 'high', why: `fraud (${EDPB_EXAMPLES} cases 07, 18)` },
  { prefix: 'user.government_id', grade: 'high', why: `identity theft (${EDPB_EXAMPLES} case 14)` },
  { prefix: 'user.communications.content', grade: 'high', why: 'contents of communications' },
  { prefix: 'user.financial', grade: 'elevated', why: 'financial situation, e.g. wages' },
  { prefix: 'user.employment', grade: 'elevated', why: `employment, CVs (${EDPB_EXAMPLES} case 05)` },
  { prefix: 'user.education', grade: 'elevated', why: `CVs (${EDPB_EXAMPLES} case 05)` },
  { prefix: 'user.communications', grade: 'elevated', why: `call records and communication metadata (${EDPB_EXAMPLES} case 17)` },
  { prefix: 'user.demographic.date_of_birth', grade: 'elevated', why: `enables identity fraud with name and address (${EDPB_EXAMPLES} cases 11, 16)` },
  { prefix: 'user.location.precise', grade: 'elevated', why: 'movements of a person' },
  { prefix: 'user.behavior.inferences', grade: 'elevated', why: 'inferred characteristics' },
];

/** Civ. § 1798.82(a): notice applies to unencrypted PI, or encrypted PI whose key or credential was (believed) acquired. */
export const CA_ENCRYPTION_SAFE_HARBOR = { source: 'Cal. Civ. Code § 1798.82(a)', effective_from: '2003-07-01' } as const;
