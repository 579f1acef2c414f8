import { CA_ATTORNEY_GENERAL_THRESHOLD, deadlineRule, dueAt, ruleInForce, type DeadlineRuleId } from '../law/breach';
import type { BreachState } from './breach.state';

export interface BreachDeadline {
  readonly id: DeadlineRuleId;
  readonly recipient: 'supervisory_authority' | 'subjects' | 'attorney_general';
  readonly due_at: string;
  /** When the obligation was fulfilled; null while pending. */
  readonly met_at: string | null;
  readonly warn_before_hours: readonly number[];
  readonly source: string;
}

/**
 * The clocks that apply to a breach, derived from its state and the rules in law/breach.ts.
 * GDPR Art. 33(1) runs from awareness until the assessment says the breach is unlikely to result in
 * a risk; it is met when every competent authority has had an initial notification.
 */
export function breachDeadlines(s: BreachState): BreachDeadline[] {
  if (s.status === 'none') return [];
  const out: BreachDeadline[] = [];
  const a = s.assessment;

  const gdpr = deadlineRule('gdpr_art33_authority');
  const euSubjects = a ? a.authorities.length > 0 : true;
  if (ruleInForce(gdpr, s.aware_at) && euSubjects && (!a || a.risk.notify_authority)) {
    const required = a?.authorities ?? [];
    const initials = required.map((x) => s.authorities_notified[x]?.initial_at ?? null);
    const met = required.length > 0 && initials.every((x) => x !== null) ? (initials as string[]).sort().at(-1)! : null;
    out.push({ id: gdpr.id, recipient: gdpr.recipient, due_at: dueAt(gdpr, s.aware_at), met_at: met, warn_before_hours: gdpr.warn_before_hours, source: gdpr.source });
  }

  const ca = deadlineRule('ca_residents');
  if (a && a.ca_notice_required && ruleInForce(ca, s.aware_at)) {
    out.push({
      id: ca.id,
      recipient: ca.recipient,
      due_at: dueAt(ca, s.aware_at),
      met_at: s.subjects_notified['US-CA']?.first_at ?? null,
      warn_before_hours: ca.warn_before_hours,
      source: ca.source,
    });
  }

  const ag = deadlineRule('ca_attorney_general');
  const caNotified = s.subjects_notified['US-CA'];
  if (caNotified && caNotified.count > CA_ATTORNEY_GENERAL_THRESHOLD.more_than && ruleInForce(ag, caNotified.first_at)) {
    out.push({
      id: ag.id,
      recipient: ag.recipient,
      due_at: dueAt(ag, caNotified.first_at),
      met_at: s.attorney_general_notified_at,
      warn_before_hours: ag.warn_before_hours,
      source: `${ag.source}; threshold ${CA_ATTORNEY_GENERAL_THRESHOLD.source}`,
    });
  }
  return out;
}

/** Milliseconds left until the deadline (negative when overdue); null when met. */
export function timeLeftMs(d: BreachDeadline, now: Date): number | null {
  return d.met_at ? null : Date.parse(d.due_at) - now.getTime();
}
