import { isSubjectKey } from '../shared/subject-key';
import { conflict, invalid, notFound, precondition, type Decider } from '../shared';
import {
  ART34_EXEMPTIONS,
  AUTHORITY_SELECTION,
  competentAuthorities,
  deadlineRule,
  dueAt,
  isEeaState,
  CA_ENCRYPTION_SAFE_HARBOR,
  type Art34Exemption,
} from '../law/breach';
import {
  BREACH_SOURCES,
  CALIFORNIA,
  JURISDICTION_RE,
  type AuthorityPhase,
  type BreachEvent,
  type BreachSource,
  type SubjectNoticeJurisdiction,
} from './breach.events';
import { evolveBreach, initialBreachState, type BreachState } from './breach.state';
import { breachDeadlines } from './deadlines';
import { assessRisk, IDENTIFIABILITY, RISK_LEVELS, validateOptionalFactors, type RiskAssessment, type RiskFactors, type RiskLevel } from './risk';
import type { BreachScope } from './scope';

export type BreachCommand =
  | {
      type: 'DetectBreach';
      breachId: string;
      awareAt: string;
      source: BreachSource;
      description: string;
      reporterRole: string;
      systems: string[];
      /** Systems registered in the catalog (lookup done by the caller). */
      knownSystems: readonly string[];
      windowFrom?: string | null;
      windowTo?: string | null;
      now: Date;
    }
  | {
      type: 'AssessBreach';
      factors: RiskFactors;
      subjectJurisdictions: Record<string, number>;
      /** Member state of the controller's main establishment in the EEA; null when established outside. */
      mainEstablishment: string | null;
      scope?: BreachScope | null;
      /** The assessor's own judgement when it differs from the computed level; the reason is documented (Art. 33(5)). */
      override?: { level: RiskLevel; reason: string } | null;
      measuresTaken: string[];
      measuresProposed: string[];
      contactPoint: string;
      now: Date;
    }
  | { type: 'NotifyAuthority'; authority: string; phase: AuthorityPhase; reference?: string | null; delayReason?: string | null; now: Date }
  | {
      type: 'NotifySubjects';
      jurisdiction: SubjectNoticeJurisdiction;
      noticeId: string;
      channel: string;
      subjectsCount: number;
      /** Pseudonymous keys of the subjects to receive the notice (fan-out); may be empty for a public communication. */
      subjectKeys: readonly string[];
      delayReason?: string | null;
      now: Date;
    }
  | { type: 'RecordSubjectExemption'; ground: Art34Exemption; justification: string; publicCommunication?: string | null; now: Date }
  | { type: 'NotifyAttorneyGeneral'; reference?: string | null; now: Date }
  | { type: 'CheckClocks'; now: Date }
  | { type: 'CloseBreach'; summary: string; now: Date }
  | { type: 'ReopenBreach'; reason: string; now: Date };

export const MAX_SUBJECT_KEYS_PER_COMMAND = 5000;
const HOUR = 3_600_000;

/** The command's time: a valid Date, refused otherwise. */
function at(now: Date): number {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw invalid('now must be a valid time', { field: 'now' });
  return now.getTime();
}

function instant(value: string | null | undefined, field: string): number {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(t)) throw invalid(`${field} must be an ISO-8601 timestamp`, { field });
  return t;
}

const EMAIL_RE = /[^\s@]+@[^\s@]+\.[a-z]{2,}/i;

/**
 * Free text goes into the log unencrypted and can never be erased: refuse obvious personal data
 * (e-mail addresses) in it. Describe subjects by category and number, never by identity.
 */
function text(value: string | null | undefined, field: string, allowEmail = false): string {
  const v = (value ?? '').trim();
  if (!v) throw invalid(`${field} must not be empty`, { field });
  if (!allowEmail && EMAIL_RE.test(v)) throw invalid(`${field} must not contain e-mail addresses or other personal data`, { field });
  return v;
}

function optionalText(value: string | null | undefined, field: string): string | null {
  return value?.trim() ? text(value, field) : null;
}

function requireExists(s: BreachState): void {
  if (s.status === 'none') throw notFound('breach not found');
}

function requireOpen(s: BreachState): void {
  requireExists(s);
  if (s.status === 'closed') throw conflict('breach is closed; reopen it with a reason first');
}

function requireAssessed(s: BreachState, what: string) {
  requireOpen(s);
  if (!s.assessment) throw precondition(`${what} requires a risk assessment first`);
  return s.assessment;
}

const nonNegativeInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;

function validateFactors(f: RiskFactors): void {
  if (!f || typeof f !== 'object') throw invalid('factors are required');
  if (!f.confidentiality && !f.integrity && !f.availability) throw invalid('a breach affects confidentiality, integrity or availability');
  if (!nonNegativeInt(f.subjects_count) || !nonNegativeInt(f.records_count)) throw invalid('subjects_count and records_count must be non-negative integers');
  if (!IDENTIFIABILITY.includes(f.identifiability)) throw invalid('identifiability is not one of negligible, limited, significant, maximum');
  validateOptionalFactors(f);
}

function detect(c: Extract<BreachCommand, { type: 'DetectBreach' }>, s: BreachState): BreachEvent[] {
  if (s.status !== 'none') throw conflict('breach already recorded');
  const now = at(c.now);
  const aware = instant(c.awareAt, 'aware_at');
  if (aware > now) throw invalid('awareness time is in the future', { field: 'aware_at' });
  if (!BREACH_SOURCES.includes(c.source)) throw invalid(`source must be one of ${BREACH_SOURCES.join(', ')}`, { field: 'source' });
  const systems = [...new Set(c.systems ?? [])];
  if (!systems.length) throw invalid('at least one affected system is required', { field: 'systems' });
  const known = new Set(c.knownSystems);
  // Indices into the request's list, never the ids themselves: an error body does not echo input.
  const unknown = (c.systems ?? []).flatMap((x, i) => (known.has(x) ? [] : [i]));
  if (unknown.length) throw invalid('unknown systems', { field: 'systems', unknown_indices: unknown });
  const from = c.windowFrom ? instant(c.windowFrom, 'window_from') : null;
  const to = c.windowTo ? instant(c.windowTo, 'window_to') : null;
  if (from !== null && to !== null && from > to) throw invalid('window_from is after window_to', { field: 'window_from' });
  return [
    {
      type: 'breach.detected',
      data: {
        breach_id: c.breachId,
        aware_at: new Date(aware).toISOString(),
        detected_at: new Date(now).toISOString(),
        source: c.source,
        description: text(c.description, 'description'),
        reporter_role: text(c.reporterRole, 'reporter_role'),
        systems: systems.sort(),
        window_from: from === null ? null : new Date(from).toISOString(),
        window_to: to === null ? null : new Date(to).toISOString(),
      },
    },
  ];
}

function withOverride(computed: RiskAssessment, override: { level: RiskLevel; reason: string } | null): RiskAssessment {
  if (!override || override.level === computed.level) return computed;
  if (!RISK_LEVELS.includes(override.level)) throw invalid('override.level must be unlikely, risk or high', { field: 'override.level' });
  const reason = text(override.reason, 'override.reason');
  const level = override.level;
  const exemption = level === 'high' ? null : computed.subject_exemption;
  return {
    ...computed,
    level,
    notify_authority: level !== 'unlikely',
    notify_subjects: level === 'high',
    subject_exemption: exemption,
    reasons: [...computed.reasons, `assessor set the level to ${level} instead of the computed ${computed.level}: ${reason}`],
    computed_level: computed.level,
  };
}

function assess(c: Extract<BreachCommand, { type: 'AssessBreach' }>, s: BreachState): BreachEvent[] {
  requireOpen(s);
  const now = at(c.now);
  validateFactors(c.factors);
  const jurisdictions = c.subjectJurisdictions ?? {};
  for (const [j, n] of Object.entries(jurisdictions)) {
    if (!JURISDICTION_RE.test(j)) throw invalid('subject_jurisdictions keys must be ISO 3166 codes (e.g. DE, US-CA)', { field: 'subject_jurisdictions' });
    if (!nonNegativeInt(n)) throw invalid('subject_jurisdictions values must be non-negative integers', { field: 'subject_jurisdictions' });
  }
  if (c.mainEstablishment !== null && !isEeaState(c.mainEstablishment)) throw invalid('main_establishment must be an EEA member state code or null', { field: 'main_establishment' });
  for (const x of c.factors.likely_consequences ?? []) text(x, 'likely_consequences');
  const risk = withOverride(assessRisk(c.factors), c.override ?? null);
  const countries = Object.entries(jurisdictions).filter(([, n]) => n > 0).map(([j]) => j.slice(0, 2));
  const authorities = risk.notify_authority ? competentAuthorities(c.mainEstablishment, countries) : [];
  const caResidents = jurisdictions[CALIFORNIA] ?? 0;
  // Civ. § 1798.82(a): unauthorised acquisition of unencrypted PI, or encrypted PI with the key acquired.
  const caRequired = caResidents > 0 && c.factors.confidentiality && !(c.factors.encrypted && c.factors.keys_safe);
  return [
    {
      type: 'breach.assessed',
      data: {
        breach_id: s.breach_id,
        assessment_no: (s.assessment?.assessment_no ?? 0) + 1,
        assessed_at: new Date(now).toISOString(),
        factors: c.factors,
        risk,
        subject_jurisdictions: jurisdictions,
        main_establishment: c.mainEstablishment,
        authorities,
        authority_selection_source: c.mainEstablishment ? AUTHORITY_SELECTION.eu_established.source : AUTHORITY_SELECTION.non_eu.source,
        ca_residents: caResidents,
        ca_notice_required: caRequired,
        scope: c.scope ?? null,
        measures_taken: (c.measuresTaken ?? []).map((m) => text(m, 'measures_taken')),
        measures_proposed: (c.measuresProposed ?? []).map((m) => text(m, 'measures_proposed')),
        contact_point: text(c.contactPoint, 'contact_point', true),
      },
    },
  ];
}

function notifyAuthority(c: Extract<BreachCommand, { type: 'NotifyAuthority' }>, s: BreachState): BreachEvent[] {
  const a = requireAssessed(s, 'notifying a supervisory authority');
  const now = at(c.now);
  if (!isEeaState(c.authority)) throw invalid('authority must be an EEA member state code', { field: 'authority' });
  if (c.phase !== 'initial' && c.phase !== 'additional') throw invalid('phase must be initial or additional', { field: 'phase' });
  const prev = s.authorities_notified[c.authority];
  if (c.phase === 'additional' && !prev) throw precondition('an additional phase (Art. 33(4)) requires the initial notification to that authority');
  if (c.phase === 'initial' && prev) throw conflict('the initial notification to that authority was already recorded; send an additional phase');
  const due = Date.parse(dueAt(deadlineRule('gdpr_art33_authority'), s.aware_at));
  const late = c.phase === 'initial' && now > due;
  const reason = optionalText(c.delayReason, 'delay_reason');
  // Reasons are owed only for a notification that was due (a voluntary one cannot be late).
  if (late && !reason && a.risk.notify_authority) throw precondition('notification later than 72 hours after awareness: Art. 33(1) requires the reasons for the delay', { field: 'delay_reason' });
  return [
    {
      type: 'breach.authority_notified',
      data: {
        breach_id: s.breach_id,
        authority: c.authority,
        phase: c.phase,
        notified_at: new Date(now).toISOString(),
        reference: c.reference?.trim() || null,
        hours_since_awareness: Math.round(((now - Date.parse(s.aware_at)) / HOUR) * 100) / 100,
        late,
        delay_reason: reason,
      },
    },
  ];
}

function notifySubjects(c: Extract<BreachCommand, { type: 'NotifySubjects' }>, s: BreachState): BreachEvent[] {
  requireAssessed(s, 'notifying subjects');
  const now = at(c.now);
  if (c.jurisdiction !== 'EU' && c.jurisdiction !== 'US-CA') throw invalid('jurisdiction must be EU or US-CA', { field: 'jurisdiction' });
  if (c.jurisdiction === 'EU' && s.exemption) throw conflict(`an Art. 34(3)(${s.exemption.ground}) exemption is recorded for this breach`);
  const keys = [...new Set(c.subjectKeys ?? [])];
  if (keys.length > MAX_SUBJECT_KEYS_PER_COMMAND) throw invalid(`at most ${MAX_SUBJECT_KEYS_PER_COMMAND} subject keys per command`, { field: 'subject_keys' });
  if (keys.some((k) => !isSubjectKey(k))) throw invalid('subject_keys must be pseudonymous subject keys (sub_...)', { field: 'subject_keys' });
  if (!nonNegativeInt(c.subjectsCount) || c.subjectsCount < 1 || c.subjectsCount < keys.length)
    throw invalid('subjects_count must be a positive integer, at least the number of subject keys', { field: 'subjects_count' });
  const noticeId = text(c.noticeId, 'notice_id');
  const channel = text(c.channel, 'channel');
  const deadline = breachDeadlines(s).find((d) => d.id === 'ca_residents');
  const late = c.jurisdiction === 'US-CA' && !!deadline && !deadline.met_at && now > Date.parse(deadline.due_at);
  return [
    {
      type: 'breach.subjects_notified',
      data: {
        breach_id: s.breach_id,
        notice_id: noticeId,
        jurisdiction: c.jurisdiction,
        channel,
        subjects_count: c.subjectsCount,
        notified_at: new Date(now).toISOString(),
        late,
        delay_reason: optionalText(c.delayReason, 'delay_reason'),
      },
    },
    ...keys.map(
      (subject_key): BreachEvent => ({
        type: 'breach.subject_notice_prepared',
        data: { breach_id: s.breach_id, notice_id: noticeId, subject_key, jurisdiction: c.jurisdiction, channel },
      }),
    ),
  ];
}

function recordExemption(c: Extract<BreachCommand, { type: 'RecordSubjectExemption' }>, s: BreachState): BreachEvent[] {
  requireAssessed(s, 'recording an Art. 34(3) exemption');
  const now = at(c.now);
  if (!(c.ground in ART34_EXEMPTIONS)) throw invalid('ground must be a, b or c (Art. 34(3))', { field: 'ground' });
  if (s.subjects_notified.EU) throw conflict('the subjects were already notified');
  if (s.exemption) throw conflict('an exemption is already recorded');
  const publicCommunication = optionalText(c.publicCommunication, 'public_communication');
  if (c.ground === 'c' && !publicCommunication) throw invalid('Art. 34(3)(c) requires a public communication instead', { field: 'public_communication' });
  return [
    {
      type: 'breach.subject_notice_exemption_recorded',
      data: {
        breach_id: s.breach_id,
        ground: c.ground,
        justification: text(c.justification, 'justification'),
        public_communication: publicCommunication,
        source: ART34_EXEMPTIONS[c.ground].source,
        recorded_at: new Date(now).toISOString(),
      },
    },
  ];
}

function notifyAttorneyGeneral(c: Extract<BreachCommand, { type: 'NotifyAttorneyGeneral' }>, s: BreachState): BreachEvent[] {
  requireAssessed(s, 'notifying the Attorney General');
  const now = at(c.now);
  if (!s.subjects_notified['US-CA']) throw precondition('the sample notice goes to the Attorney General after notifying California residents');
  if (s.attorney_general_notified_at) throw conflict('the Attorney General was already notified');
  const deadline = breachDeadlines(s).find((d) => d.id === 'ca_attorney_general');
  return [
    {
      type: 'breach.attorney_general_notified',
      data: {
        breach_id: s.breach_id,
        notified_at: new Date(now).toISOString(),
        reference: c.reference?.trim() || null,
        late: !!deadline && now > Date.parse(deadline.due_at),
      },
    },
  ];
}

/** Idempotent: each warning threshold and each overdue fact is emitted once; skipped thresholds are not replayed. */
function checkClocks(c: Extract<BreachCommand, { type: 'CheckClocks' }>, s: BreachState): BreachEvent[] {
  requireExists(s);
  if (s.status === 'closed') return [];
  const now = at(c.now);
  const out: BreachEvent[] = [];
  for (const d of breachDeadlines(s)) {
    if (d.met_at) continue;
    const due = Date.parse(d.due_at);
    if (now >= due) {
      if (!s.overdue.includes(d.id)) out.push({ type: 'breach.deadline_overdue', data: { breach_id: s.breach_id, deadline: d.id, due_at: d.due_at, source: d.source } });
      continue;
    }
    const crossed = d.warn_before_hours.filter((h) => now >= due - h * HOUR);
    if (!crossed.length) continue;
    const threshold = Math.min(...crossed);
    const warned = s.warned[d.id];
    if (warned !== undefined && warned <= threshold) continue;
    out.push({
      type: 'breach.deadline_warning',
      data: { breach_id: s.breach_id, deadline: d.id, due_at: d.due_at, threshold_hours: threshold, hours_left: Math.round(((due - now) / HOUR) * 100) / 100, source: d.source },
    });
  }
  return out;
}

function close(c: Extract<BreachCommand, { type: 'CloseBreach' }>, s: BreachState): BreachEvent[] {
  requireExists(s);
  if (s.status === 'closed') throw conflict('breach is already closed');
  const a = requireAssessed(s, 'closing a breach (Art. 33(5) documentation)');
  const now = at(c.now);
  const summary = text(c.summary, 'summary');
  const pending: string[] = [];
  if (a.risk.notify_authority) for (const x of a.authorities) if (!s.authorities_notified[x]) pending.push(`supervisory authority ${x}`);
  const gdprApplies = a.authorities.length > 0;
  if (a.risk.notify_subjects && gdprApplies && !s.subjects_notified.EU && !s.exemption) pending.push('subjects (Art. 34) or an Art. 34(3) exemption');
  if (a.ca_notice_required && !s.subjects_notified['US-CA']) pending.push('California residents (Civ. § 1798.82)');
  const ag = breachDeadlines(s).find((d) => d.id === 'ca_attorney_general');
  if (ag && !ag.met_at) pending.push('California Attorney General sample notice');
  if (pending.length) throw precondition('notifications still pending', { pending });
  const reasons: string[] = [];
  if (!a.risk.notify_authority) reasons.push(`authority not notified: ${a.risk.reasons.join('; ')}`);
  else if (!a.authorities.length) reasons.push('authority not notified: no subjects in an EEA member state and no EEA establishment');
  if (a.risk.notify_subjects && !gdprApplies && !s.subjects_notified.EU) reasons.push('subjects not notified under Art. 34: no subjects in an EEA member state and no EEA establishment');
  if (!a.risk.notify_subjects && !s.subjects_notified.EU) reasons.push(`subjects not notified: risk level ${a.risk.level}, not high (Art. 34(1))`);
  if (s.exemption) reasons.push(`subjects not notified: ${ART34_EXEMPTIONS[s.exemption.ground].source}`);
  if (a.ca_residents > 0 && !a.ca_notice_required) reasons.push(`California residents not notified: data encrypted with the key not acquired (${CA_ENCRYPTION_SAFE_HARBOR.source})`);
  return [{ type: 'breach.closed', data: { breach_id: s.breach_id, closed_at: new Date(now).toISOString(), summary, not_notified_reasons: reasons } }];
}

function reopen(c: Extract<BreachCommand, { type: 'ReopenBreach' }>, s: BreachState): BreachEvent[] {
  requireExists(s);
  if (s.status !== 'closed') throw conflict('only a closed breach can be reopened');
  const now = at(c.now);
  return [{ type: 'breach.reopened', data: { breach_id: s.breach_id, reopened_at: new Date(now).toISOString(), reason: text(c.reason, 'reason') } }];
}

export const breachDecider: Decider<BreachCommand, BreachEvent, BreachState> = {
  initialState: initialBreachState,
  evolve: evolveBreach,
  decide(command, state) {
    switch (command.type) {
      case 'DetectBreach':
        return detect(command, state);
      case 'AssessBreach':
        return assess(command, state);
      case 'NotifyAuthority':
        return notifyAuthority(command, state);
      case 'NotifySubjects':
        return notifySubjects(command, state);
      case 'RecordSubjectExemption':
        return recordExemption(command, state);
      case 'NotifyAttorneyGeneral':
        return notifyAttorneyGeneral(command, state);
      case 'CheckClocks':
        return checkClocks(command, state);
      case 'CloseBreach':
        return close(command, state);
      case 'ReopenBreach':
        return reopen(command, state);
      default: {
        const exhaustive: never = command;
        return exhaustive;
      }
    }
  },
};
