import type { RecordedEvent } from '@pl/domain';
import { breachDeadlines, breachStage, type BreachState } from '@pl/domain/breach';
import { deadlineTimezone } from '@pl/domain/law/breach';

/** The API's view of a breach (from the folded stream): stage, risk, clocks with the time left at `now`. */
export function breachView(s: BreachState, now: Date) {
  const a = s.assessment;
  return {
    breach_id: s.breach_id,
    status: s.status,
    stage: breachStage(s),
    aware_at: s.aware_at,
    detected_at: s.detected_at,
    source: s.source,
    reporter_role: s.reporter_role,
    description: s.description,
    systems: s.systems,
    window: { from: s.window_from, to: s.window_to },
    assessment: a
      ? {
          assessment_no: a.assessment_no,
          assessed_at: a.assessed_at,
          risk_level: a.risk.level,
          computed_level: a.risk.computed_level ?? a.risk.level,
          notify_authority: a.risk.notify_authority,
          notify_subjects: a.risk.notify_subjects,
          subject_exemption: a.risk.subject_exemption,
          reasons: a.risk.reasons,
          assumptions: a.risk.assumptions ?? [],
          subsets: a.risk.subsets ?? null,
          factors: a.factors,
          authorities: a.authorities,
          subject_jurisdictions: a.subject_jurisdictions,
          ca_residents: a.ca_residents,
          ca_notice_required: a.ca_notice_required,
          scope: a.scope,
        }
      : null,
    authorities_notified: s.authorities_notified,
    subjects_notified: s.subjects_notified,
    exemption: s.exemption,
    attorney_general_notified_at: s.attorney_general_notified_at,
    deadlines: breachDeadlines(s).map((d) => {
      const left = d.met_at ? null : Date.parse(d.due_at) - now.getTime();
      return { ...d, deadline_timezone: deadlineTimezone(d.id), time_left_ms: left, time_left_hours: left === null ? null : Math.round(left / 36_000) / 100, overdue: left !== null && left < 0 };
    }),
    closed_at: s.closed_at,
    reopen_count: s.reopen_count,
  };
}

export function timelineOf(events: readonly RecordedEvent[]) {
  return events
    .filter((e) => e.type !== 'breach.subject_notice_prepared')
    .map((e) => ({ type: e.type, occurred_at: e.metadata.occurred_at, actor: e.metadata.actor, data: e.data }));
}
