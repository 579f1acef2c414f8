import { ART33_3_CONTENTS, CA_ATTORNEY_GENERAL_THRESHOLD, CA_NOTICE } from '../law/breach';
import type { BreachState } from './breach.state';
import { breachDeadlines } from './deadlines';

/**
 * Notification drafts from the breach's state: the Art. 33(3)(a)-(d) contents for the supervisory
 * authority, a plain-language Art. 34 notice for subjects, and the California notice (Civ. § 1798.82(d)).
 * Drafts for people to review and send; they contain no personal data about subjects.
 */
export interface DraftOptions {
  /** Name of the controller (the business) as it should appear in the notices. */
  readonly controller: string;
  /** Date of the notice (Civ. § 1798.82(d)(2)(C)); defaults to the draft time given by the caller. */
  readonly notice_date: string;
}

export interface Draft<J> {
  readonly json: J;
  readonly text: string;
}

const list = (xs: readonly string[], empty = 'not yet determined') => (xs.length ? xs.join(', ') : empty);
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : 'unknown');

function requireAssessment(s: BreachState) {
  if (!s.assessment) throw new Error('a draft needs an assessment');
  return s.assessment;
}

export interface AuthorityDraftJson {
  readonly breach_id: string;
  readonly controller: string;
  readonly aware_at: string;
  readonly hours_since_awareness_at_draft: number;
  readonly late: boolean;
  readonly delay_reason_required: boolean;
  readonly authorities: string[];
  /** Art. 33(3)(a) */
  readonly nature: {
    readonly description: string;
    readonly breach_types: string[];
    readonly categories_of_data: string[];
    readonly special_categories: string[];
    readonly approximate_subjects: number;
    readonly approximate_records: number;
    readonly period: { from: string | null; to: string | null };
  };
  /** Art. 33(3)(b) */
  readonly contact_point: string;
  /** Art. 33(3)(c) */
  readonly likely_consequences: string[];
  /** Art. 33(3)(d) */
  readonly measures_taken: string[];
  readonly measures_proposed: string[];
  readonly risk_level: string;
  readonly risk_reasons: readonly string[];
  readonly phased: string;
  readonly sources: string[];
}

export function authorityDraft(s: BreachState, o: DraftOptions): Draft<AuthorityDraftJson> {
  const a = requireAssessment(s);
  const f = a.factors;
  const hours = Math.round(((Date.parse(o.notice_date) - Date.parse(s.aware_at)) / 3_600_000) * 10) / 10;
  const gdpr = breachDeadlines(s).find((d) => d.id === 'gdpr_art33_authority');
  const late = !!gdpr && Date.parse(o.notice_date) > Date.parse(gdpr.due_at);
  const types = [f.confidentiality && 'confidentiality', f.integrity && 'integrity', f.availability && 'availability'].filter((x): x is string => !!x);
  const json: AuthorityDraftJson = {
    breach_id: s.breach_id,
    controller: o.controller,
    aware_at: s.aware_at,
    hours_since_awareness_at_draft: hours,
    late,
    delay_reason_required: late,
    authorities: a.authorities,
    nature: {
      description: s.description,
      breach_types: types,
      categories_of_data: [...f.categories],
      special_categories: [...f.special_categories],
      approximate_subjects: f.subjects_count,
      approximate_records: f.records_count,
      period: { from: s.window_from, to: s.window_to },
    },
    contact_point: a.contact_point,
    likely_consequences: [...f.likely_consequences],
    measures_taken: a.measures_taken,
    measures_proposed: a.measures_proposed,
    risk_level: a.risk.level,
    risk_reasons: a.risk.reasons,
    phased: 'Information not yet available may be provided in phases without undue further delay (Art. 33(4)).',
    sources: ART33_3_CONTENTS.map((c) => c.source),
  };
  const text = [
    `Personal data breach notification (GDPR Art. 33) - ${o.controller}`,
    `Reference: ${s.breach_id}`,
    `To: supervisory authorit${a.authorities.length === 1 ? 'y' : 'ies'} ${list(a.authorities, 'none required')}`,
    `Became aware: ${s.aware_at} (${hours} hours before this draft)${late ? ' - LATER THAN 72 HOURS: state the reasons for the delay (Art. 33(1))' : ''}`,
    '',
    '(a) Nature of the breach',
    `    ${s.description}`,
    `    Type: ${list(types)}; period: ${day(s.window_from)} to ${day(s.window_to)}`,
    `    Categories of personal data: ${list(f.categories)}`,
    `    Special categories: ${list(f.special_categories, 'none')}`,
    `    Approximate number of data subjects: ${f.subjects_count}; of records: ${f.records_count}`,
    `(b) Contact point: ${a.contact_point}`,
    `(c) Likely consequences: ${list(f.likely_consequences)}`,
    `(d) Measures taken: ${list(a.measures_taken, 'none yet')}`,
    `    Measures proposed: ${list(a.measures_proposed, 'none yet')}`,
    '',
    `Risk assessment: ${a.risk.level}. ${a.risk.reasons.join('; ')}.`,
    json.phased,
  ].join('\n');
  return { json, text };
}

export interface SubjectNoticeJson {
  readonly breach_id: string;
  readonly controller: string;
  readonly what_happened: string;
  readonly data_concerned: string[];
  readonly likely_consequences: string[];
  readonly measures_taken: string[];
  readonly what_you_can_do: string[];
  readonly contact_point: string;
  readonly source: string;
}

const ADVICE: ReadonlyArray<[RegExp, string]> = [
  [/^user\.account\.credentials/, 'Change your password for our service and anywhere else you used the same password.'],
  [/^user\.financial/, 'Check your bank and card statements and tell your bank about any payment you do not recognise.'],
  [/^user\.government_id/, 'Watch for attempts to open accounts in your name; you can ask credit agencies for a fraud alert.'],
  [/^user\.contact/, 'Be careful with messages that claim to come from us and ask for passwords or payments.'],
];

function adviceFor(categories: readonly string[]): string[] {
  const out = ADVICE.filter(([re]) => categories.some((c) => re.test(c))).map(([, t]) => t);
  return out.length ? out : ['Be alert to unexpected messages about your account.'];
}

/** Art. 34(2): clear and plain language, with at least the information of Art. 33(3)(b), (c) and (d). */
export function subjectNoticeDraft(s: BreachState, o: DraftOptions): Draft<SubjectNoticeJson> {
  const a = requireAssessment(s);
  const json: SubjectNoticeJson = {
    breach_id: s.breach_id,
    controller: o.controller,
    what_happened: s.description,
    data_concerned: [...a.factors.categories, ...a.factors.special_categories.filter((c) => !a.factors.categories.includes(c))],
    likely_consequences: [...a.factors.likely_consequences],
    measures_taken: [...a.measures_taken, ...a.measures_proposed],
    what_you_can_do: adviceFor([...a.factors.categories]),
    contact_point: a.contact_point,
    source: 'GDPR Art. 34(2)',
  };
  const text = [
    `Important: a security incident affecting your personal data at ${o.controller}`,
    '',
    `What happened: ${s.description} We found out on ${day(s.aware_at)}.`,
    `Which of your data was involved: ${list(json.data_concerned)}.`,
    `What this could mean for you: ${list(json.likely_consequences, 'we are still assessing this')}.`,
    `What we have done and will do: ${list(json.measures_taken, 'we are investigating')}.`,
    `What you can do: ${json.what_you_can_do.join(' ')}`,
    `Questions: contact ${a.contact_point}.`,
  ].join('\n');
  return { json, text };
}

export interface CaliforniaNoticeJson {
  readonly title: string;
  readonly sections: Record<(typeof CA_NOTICE.headings)[number], string>;
  /** Civ. § 1798.82(d)(2) items. */
  readonly business_name: string;
  readonly types_of_personal_information: string[];
  readonly breach_date_or_range: { from: string | null; to: string | null };
  readonly notice_date: string;
  readonly delayed_by_law_enforcement: boolean;
  readonly ssn_or_id_number_involved: boolean;
  readonly residents_concerned: number;
  readonly attorney_general_sample_required: boolean;
  readonly source: string;
}

export function californiaNoticeDraft(s: BreachState, o: DraftOptions & { delayed_by_law_enforcement?: boolean }): Draft<CaliforniaNoticeJson> {
  const a = requireAssessment(s);
  const types = [...a.factors.categories, ...a.factors.special_categories.filter((c) => !a.factors.categories.includes(c))];
  const idNumbers = types.some((c) => /^user\.government_id/.test(c));
  const [happened, involved, doing, youCanDo, more] = CA_NOTICE.headings;
  const sections = {
    [happened]: `${s.description} The breach occurred between ${day(s.window_from)} and ${day(s.window_to)} and was discovered on ${day(s.aware_at)}.`,
    [involved]: list(types),
    [doing]: list([...a.measures_taken, ...a.measures_proposed], 'We are investigating.'),
    [youCanDo]:
      adviceFor(types).join(' ') +
      (idNumbers ? ' You may contact the major credit reporting agencies to place a fraud alert or security freeze.' : ''),
    [more]: `Contact ${a.contact_point}.`,
  } as CaliforniaNoticeJson['sections'];
  const json: CaliforniaNoticeJson = {
    title: CA_NOTICE.title,
    sections,
    business_name: o.controller,
    types_of_personal_information: types,
    breach_date_or_range: { from: s.window_from, to: s.window_to },
    notice_date: day(o.notice_date),
    delayed_by_law_enforcement: o.delayed_by_law_enforcement ?? false,
    ssn_or_id_number_involved: idNumbers,
    residents_concerned: a.ca_residents,
    attorney_general_sample_required: a.ca_residents > CA_ATTORNEY_GENERAL_THRESHOLD.more_than,
    source: CA_NOTICE.source,
  };
  const text = [
    `${CA_NOTICE.title}`,
    `${o.controller} - ${day(o.notice_date)}`,
    '',
    ...CA_NOTICE.headings.flatMap((h) => [h, sections[h], '']),
    json.delayed_by_law_enforcement ? 'Notification was delayed at the request of law enforcement.' : '',
  ]
    .join('\n')
    .trimEnd();
  return { json, text };
}
