import { isSubjectKey } from '../shared/subject-key';
import { conflict, invalid, notFound, precondition, type Decider } from '../shared';
import { findCalendar, WEEKENDS_ONLY } from '../law/holidays';
import { deadlineBasis, MONTH_COUNTING, type DeadlineBasis } from '../law/establishment';
import { CLOCK_RESTARTS_ON_IDENTITY_INFO, computeDeadline, DEADLINE_ALERTS, DEADLINE_RULES } from '../law/deadlines';
import type { RightsCommand } from './commands';
import { SUBJECT_ERASED_SCHEMA_VERSION, type Integration, type RejectionReason, type RequestReceivedData, type RetainedItem, type RightsEvent, type TaskOutcome } from './events';
import { NOTIFY_RECIPIENTS, RELEASES_DATA, rightDefinition, type RightDefinition } from './request-types';
import { checkVerification, verificationRequirement, type VerificationLevel, type VerificationMethod } from './verification';

export type RequestStatus = 'none' | 'received' | 'verified' | 'in_progress' | 'completed' | 'partially_completed' | 'rejected';

export interface TaskState {
  readonly task_id: string;
  readonly system_id: string;
  readonly integration: Integration;
  readonly categories: string[];
  readonly retained: RetainedItem[];
  readonly status: 'dispatched' | TaskOutcome;
  readonly reason: string | null;
  readonly attempt: number;
  readonly escalated: boolean;
  /** Time of the last dispatch (a retry dispatches again). */
  readonly dispatched_at: string;
  /** Time of the last result recorded, null while none. */
  readonly result_at: string | null;
}

export interface RequestState {
  readonly status: RequestStatus;
  readonly request: RequestReceivedData | null;
  readonly verified: boolean;
  readonly identityInfoRequested: boolean;
  readonly receiptConfirmed: boolean;
  /** Day the clock counts from (receipt, or for GDPR the receipt of identity information). */
  readonly clockStart: string | null;
  readonly dueAt: string | null;
  /** The due date before any extension: extension notices must come before it. */
  readonly firstDueAt: string | null;
  readonly extended: boolean;
  readonly tasks: Readonly<Record<string, TaskState>>;
  readonly recipientsNotified: readonly string[];
  /** `<threshold>@<due_at>` already flagged (idempotent alerts). */
  readonly alerts: readonly string[];
  readonly restriction: 'none' | 'lift_notified' | 'lifted';
  readonly objectionOverridden: boolean;
  readonly ledgerErased: boolean;
  readonly releases: number;
  /** How identity was verified; null while not verified (or not required). */
  readonly verification: { readonly verified_at: string; readonly method: VerificationMethod | 'none'; readonly level: VerificationLevel } | null;
  readonly extensionReason: string | null;
  readonly rejectionReason: RejectionReason | null;
  /** When the request was first closed (completed or rejected). */
  readonly closedAt: string | null;
}

const OPEN: ReadonlySet<RequestStatus> = new Set(['received', 'verified', 'in_progress']);

export const initialRequestState = (): RequestState => ({
  status: 'none',
  request: null,
  verified: false,
  identityInfoRequested: false,
  receiptConfirmed: false,
  clockStart: null,
  dueAt: null,
  firstDueAt: null,
  extended: false,
  tasks: {},
  recipientsNotified: [],
  alerts: [],
  restriction: 'none',
  objectionOverridden: false,
  ledgerErased: false,
  releases: 0,
  verification: null,
  extensionReason: null,
  rejectionReason: null,
  closedAt: null,
});

export function evolveRequest(state: RequestState, event: RightsEvent): RequestState {
  switch (event.type) {
    case 'rights.request_received':
      return {
        ...initialRequestState(),
        status: event.data.verification_required ? 'received' : 'verified',
        request: event.data,
        verified: !event.data.verification_required,
        clockStart: event.data.received_at,
        dueAt: event.data.due_at,
        firstDueAt: event.data.due_at,
      };
    case 'rights.receipt_confirmed':
      return { ...state, receiptConfirmed: true };
    case 'rights.identity_info_requested':
      return { ...state, identityInfoRequested: true };
    case 'rights.identity_verified':
      return {
        ...state,
        status: state.status === 'received' ? 'verified' : state.status,
        verified: true,
        verification: { verified_at: event.data.verified_at, method: event.data.method, level: event.data.level },
        clockStart: event.data.due_at !== state.dueAt ? event.data.verified_at : state.clockStart,
        dueAt: event.data.due_at,
        firstDueAt: event.data.due_at,
      };
    case 'rights.request_extended':
      return { ...state, extended: true, extensionReason: event.data.reason, dueAt: event.data.due_at };
    case 'rights.task_dispatched': {
      const d = event.data;
      const prev = state.tasks[d.task_id];
      const task: TaskState = prev
        ? { ...prev, attempt: d.attempt, dispatched_at: d.dispatched_at }
        : {
            task_id: d.task_id, system_id: d.system_id, integration: d.integration, categories: d.categories, retained: d.retained, status: 'dispatched', reason: null,
            attempt: d.attempt, escalated: false, dispatched_at: d.dispatched_at, result_at: null,
          };
      return { ...state, status: OPEN.has(state.status) ? 'in_progress' : state.status, tasks: { ...state.tasks, [d.task_id]: task } };
    }
    case 'rights.recipient_notified':
      return { ...state, recipientsNotified: [...state.recipientsNotified, event.data.recipient_id] };
    case 'rights.task_result_recorded': {
      const t = state.tasks[event.data.task_id];
      if (!t) return state;
      return {
        ...state,
        tasks: { ...state.tasks, [t.task_id]: { ...t, status: event.data.outcome, reason: event.data.reason, retained: [...t.retained, ...event.data.retained], result_at: event.data.recorded_at } },
      };
    }
    case 'rights.task_escalated': {
      const t = state.tasks[event.data.task_id];
      return t ? { ...state, tasks: { ...state.tasks, [t.task_id]: { ...t, escalated: true } } } : state;
    }
    case 'rights.request_completed':
      return { ...state, status: event.data.outcome, closedAt: state.closedAt ?? event.data.completed_at };
    case 'rights.request_rejected':
      return { ...state, status: 'rejected', rejectionReason: event.data.reason, closedAt: state.closedAt ?? event.data.rejected_at };
    case 'rights.request_due_soon':
      return { ...state, alerts: [...state.alerts, `due_soon@${event.data.due_at}`] };
    case 'rights.request_overdue':
      return { ...state, alerts: [...state.alerts, `overdue@${event.data.due_at}`] };
    case 'rights.restriction_lift_notified':
      return { ...state, restriction: 'lift_notified' };
    case 'rights.restriction_lifted':
      return { ...state, restriction: 'lifted' };
    case 'rights.objection_overridden':
      return { ...state, objectionOverridden: true };
    case 'rights.data_released':
      return { ...state, releases: state.releases + 1 };
    case 'rights.subject_erased':
      return { ...state, ledgerErased: true };
    default:
      return state;
  }
}

export function decideRequest(command: RightsCommand, state: RequestState): RightsEvent[] {
  if (command.type === 'ReceiveRequest') return receive(command, state);
  const req = state.request;
  if (state.status === 'none' || !req) throw notFound('request not found');
  const now = command.now.toISOString();
  const id = req.request_id;
  switch (command.type) {
    case 'ConfirmReceipt':
      requireOpen(state);
      if (!definition(req).confirmReceipt) throw precondition('receipt confirmation applies to CCPA requests to know, delete or correct (11 CCR § 7021(a))');
      return state.receiptConfirmed ? [] : [{ type: 'rights.receipt_confirmed', data: { request_id: id, confirmed_at: now } }];

    case 'RequestIdentityInfo':
      requireOpen(state);
      if (!req.verification_required) throw precondition('this request type needs no verification');
      if (state.verified) throw conflict('identity already verified');
      requireText(command.reason, 'reason');
      return [{ type: 'rights.identity_info_requested', data: { request_id: id, reason: command.reason.trim(), requested_at: now } }];

    case 'VerifyIdentity': {
      requireOpen(state);
      if (state.verified) return [];
      const requirement = verificationRequirement(req.jurisdiction, req.request_type, req.access_scope);
      const check = checkVerification(requirement, command.evidence, { isAccountHolder: req.is_account_holder, agent: req.authorised_agent });
      if (!check.ok) throw precondition(`identity not verified: ${check.reason}`, { required_level: requirement.level, source: requirement.source });
      const restart = state.identityInfoRequested && CLOCK_RESTARTS_ON_IDENTITY_INFO[req.jurisdiction].restarts && !state.extended;
      const dueAt = restart ? deadline(DEADLINE_RULES[definition(req).deadline], command.now, req.calendar) : state.dueAt!;
      return [{
        type: 'rights.identity_verified',
        data: {
          request_id: id,
          method: command.evidence.method,
          level: check.level,
          data_points: command.evidence.dataPointsMatched ?? 0,
          signed_declaration: command.evidence.signedDeclaration ?? false,
          verified_at: now,
          due_at: dueAt,
        },
      }];
    }

    case 'ExtendDeadline': {
      requireOpen(state);
      const def = definition(req);
      if (!def.extendable) throw precondition(`the deadline of this request type cannot be extended (${def.source})`);
      if (state.extended) throw conflict('the deadline was already extended; the law allows one extension');
      requireText(command.reason, 'reason');
      if (command.now.toISOString() > state.firstDueAt!) {
        throw precondition('an extension must be notified to the subject within the first response period (GDPR Art. 12(3); Civ. § 1798.130(a)(2))');
      }
      const rule = req.jurisdiction === 'GDPR' ? DEADLINE_RULES.gdpr_extension : DEADLINE_RULES.ccpa_extension;
      return [{
        type: 'rights.request_extended',
        data: { request_id: id, reason: command.reason.trim(), previous_due_at: state.dueAt!, due_at: deadline(rule, state.clockStart!, req.calendar), notified_at: now, source: req.month_counting ? `${rule.source}; ${MONTH_COUNTING[req.month_counting].source}` : rule.source },
      }];
    }

    case 'DispatchTasks': {
      requireOpen(state);
      requireVerified(state, 'tasks are dispatched only after identity verification');
      const events: RightsEvent[] = [];
      const systems = new Set(Object.values(state.tasks).map((t) => t.system_id));
      for (const t of command.tasks) {
        if (!t.taskId || !t.systemId) throw invalid('each task needs a task id and a system id');
        if (state.tasks[t.taskId] || systems.has(t.systemId)) continue;
        systems.add(t.systemId);
        events.push({
          type: 'rights.task_dispatched',
          data: {
            request_id: id,
            task_id: t.taskId,
            system_id: t.systemId,
            subject_key: req.subject_key,
            request_type: req.request_type,
            jurisdiction: req.jurisdiction,
            integration: t.integration,
            categories: [...t.categories],
            retained: [...(t.retained ?? [])],
            dispatched_at: now,
            due_at: state.dueAt!,
            attempt: 1,
          },
        });
      }
      if (NOTIFY_RECIPIENTS.has(req.request_type)) {
        for (const r of new Set(command.recipients ?? [])) {
          if (state.recipientsNotified.includes(r)) continue;
          events.push({
            type: 'rights.recipient_notified',
            data: {
              request_id: id,
              recipient_id: r,
              request_type: req.request_type,
              subject_key: req.subject_key,
              categories: req.data_categories ? [...req.data_categories] : [],
              notified_at: now,
              source: req.jurisdiction === 'GDPR' ? 'GDPR Art. 19' : '11 CCR § 7022(b)',
            },
          });
        }
      }
      return events;
    }

    case 'RetryTask': {
      requireOpen(state);
      const t = task(state, command.taskId);
      if (t.status !== 'dispatched') throw precondition('only a task without a result can be retried');
      if (command.seenAttempt !== undefined && t.attempt !== command.seenAttempt) return [];
      return [{
        type: 'rights.task_dispatched',
        data: {
          request_id: id, task_id: t.task_id, system_id: t.system_id, subject_key: req.subject_key, request_type: req.request_type,
          jurisdiction: req.jurisdiction, integration: t.integration, categories: t.categories, retained: [], dispatched_at: now, due_at: state.dueAt!, attempt: t.attempt + 1,
        },
      }];
    }

    case 'EscalateTask': {
      requireOpen(state);
      const t = task(state, command.taskId);
      if (t.status !== 'dispatched' || t.escalated) return [];
      requireText(command.reason, 'reason');
      return [{ type: 'rights.task_escalated', data: { request_id: id, task_id: t.task_id, system_id: t.system_id, reason: command.reason.trim(), escalated_at: now } }];
    }

    case 'RecordTaskResult': {
      const t = task(state, command.taskId);
      if (t.status !== 'dispatched') {
        if (t.status === command.outcome) return [];
        throw conflict('this task already has a different result', { task_id: t.task_id, outcome: t.status });
      }
      requireOpen(state);
      if (command.outcome === 'cannot_comply' && !command.reason?.trim()) throw invalid('a system that cannot comply must give a reason');
      const result: RightsEvent = {
        type: 'rights.task_result_recorded',
        data: {
          request_id: id,
          subject_key: req.subject_key,
          task_id: t.task_id,
          system_id: t.system_id,
          outcome: command.outcome,
          records_affected: command.recordsAffected ?? null,
          reason: command.reason?.trim() || null,
          retained: [...(command.retained ?? [])],
          recorded_at: now,
        },
      };
      const data: RightsEvent[] = [];
      if (command.data && Object.keys(command.data).length) {
        if (!RELEASES_DATA.has(req.request_type)) throw invalid('only access and portability results carry data');
        // A separate event: only it carries personal data, so PII-free results never touch the subject's key.
        data.push({ type: 'rights.task_data_received', data: { request_id: id, subject_key: req.subject_key, task_id: t.task_id, system_id: t.system_id, data: command.data, received_at: now } });
      }
      return [result, ...data, ...completionIfDone(evolveRequest(state, result), now)];
    }

    case 'CompleteRequest': {
      requireOpen(state);
      requireVerified(state, 'an unverified request cannot be completed; reject it instead');
      if (Object.values(state.tasks).some((t) => t.status === 'dispatched')) throw precondition('tasks are still pending');
      if (needsLedgerErasure(state)) throw precondition('the ledger erasure (crypto-shredding) has not been recorded');
      return [completion(state, now)];
    }

    case 'RejectRequest': {
      requireOpen(state);
      requireText(command.explanation, 'explanation');
      if (Object.keys(state.tasks).length) throw precondition('tasks were already dispatched; complete the request with reasons instead');
      // crypto-shredding cannot be undone: a request that already erased the ledger is completed, never rejected
      if (state.ledgerErased) throw precondition('the subject was already erased from the ledger; complete the request instead');
      if (command.reason === 'identity_not_verified') {
        if (!req.verification_required) throw precondition('this request type needs no verification (11 CCR §§ 7026, 7027)');
        if (state.verified) throw conflict('identity already verified');
      }
      const source = command.reason === 'identity_not_verified'
        ? (req.jurisdiction === 'GDPR' ? 'GDPR Art. 12(2), 12(6)' : '11 CCR § 7060-7062')
        : (req.jurisdiction === 'GDPR' ? 'GDPR Art. 12(5) (the controller bears the burden of proof)' : 'Civ. Code § 1798.145 (manifestly unfounded or excessive)');
      return [{
        type: 'rights.request_rejected',
        data: { request_id: id, subject_key: req.subject_key, reason: command.reason, explanation: command.explanation.trim(), source, rejected_at: now },
      }];
    }

    case 'FlagDeadlines': {
      if (!OPEN.has(state.status)) return [];
      const due = state.dueAt!;
      if (now > due) {
        return state.alerts.includes(`overdue@${due}`) ? [] : [{ type: 'rights.request_overdue', data: { request_id: id, due_at: due, flagged_at: now } }];
      }
      const soon = new Date(new Date(due).getTime() - DEADLINE_ALERTS.due_soon_days * 86_400_000).toISOString();
      if (now >= soon && !state.alerts.includes(`due_soon@${due}`)) return [{ type: 'rights.request_due_soon', data: { request_id: id, due_at: due, flagged_at: now } }];
      return [];
    }

    case 'NotifyRestrictionLift':
      if (req.request_type !== 'restriction') throw precondition('only a restriction request can be lifted');
      if (state.status === 'rejected' || !state.verified) throw precondition('no restriction is in force');
      if (state.restriction !== 'none') return [];
      requireText(command.reason, 'reason');
      return [{ type: 'rights.restriction_lift_notified', data: { request_id: id, subject_key: req.subject_key, reason: command.reason.trim(), notified_at: now } }];

    case 'LiftRestriction':
      if (req.request_type !== 'restriction') throw precondition('only a restriction request can be lifted');
      if (state.restriction === 'lifted') return [];
      if (state.restriction !== 'lift_notified') throw precondition('the subject must be told before the restriction is lifted (GDPR Art. 18(3))');
      return [{ type: 'rights.restriction_lifted', data: { request_id: id, subject_key: req.subject_key, lifted_at: now, source: 'GDPR Art. 18(3)' } }];

    case 'OverrideObjection':
      if (req.request_type !== 'objection' || !req.objection) throw precondition('only an objection can be overridden');
      if (req.objection.scope === 'direct_marketing') throw precondition('an objection to direct marketing is absolute (GDPR Art. 21(2)-(3))');
      requireVerified(state, 'identity not verified');
      if (state.status === 'rejected') throw precondition('the request was rejected');
      if (state.objectionOverridden) return [];
      requireText(command.grounds, 'grounds');
      return [{
        type: 'rights.objection_overridden',
        data: { request_id: id, subject_key: req.subject_key, grounds: command.grounds.trim(), overridden_at: now, source: 'GDPR Art. 21(1): compelling legitimate grounds or legal claims' },
      }];

    case 'RecordDataRelease':
      if (!RELEASES_DATA.has(req.request_type) && req.request_type !== 'rectification') throw precondition('only access and portability requests release data (and rectifications their corrections to the systems)');
      if (!state.verified) throw precondition('an unverified request never releases data');
      if (state.status === 'rejected') throw precondition('a rejected request never releases data');
      if (!command.sections.length) throw invalid('a release names what it contains');
      return [{
        type: 'rights.data_released',
        data: { request_id: id, subject_key: req.subject_key, released_to: command.releasedTo, sections: [...command.sections], format: command.format, items: command.items, released_at: now },
      }];

    case 'RecordLedgerErasure': {
      if (req.request_type !== 'erasure') throw precondition('only an erasure request erases the subject');
      if (state.ledgerErased) return [];
      requireOpen(state);
      requireVerified(state, 'identity not verified');
      const erased: RightsEvent = {
        type: 'rights.subject_erased',
        schemaVersion: SUBJECT_ERASED_SCHEMA_VERSION,
        data: {
          request_id: id,
          subject_key: req.subject_key,
          erased: { data_keys_shredded: command.dataKeysShredded, read_models_purged: [...command.readModelsPurged] },
          retained: (command.retained ?? []).map((r) => ({ ...r })),
          ground: command.ground,
          erased_at: now,
        },
      };
      const after = evolveRequest(state, erased);
      return [erased, ...(Object.keys(after.tasks).length ? completionIfDone(after, now) : [])];
    }

    default: {
      const exhaustive: never = command;
      return exhaustive;
    }
  }
}

function receive(c: Extract<RightsCommand, { type: 'ReceiveRequest' }>, state: RequestState): RightsEvent[] {
  if (state.status !== 'none') throw conflict('request already exists');
  if (!isSubjectKey(c.subjectKey)) throw invalid('subject key must be a pseudonym (sub_...)');
  const def = rightDefinition(c.jurisdiction, c.requestType);
  if (!def) throw invalid(`${c.jurisdiction} has no ${c.requestType} request`, { jurisdiction: c.jurisdiction, request_type: c.requestType });
  if (c.requestType === 'objection' && !c.objection) throw invalid('an objection names its scope (direct_marketing or legitimate_interests_public_task)');
  if (c.requestType !== 'objection' && c.objection) throw invalid('objection details belong to objection requests only');
  if (c.accessScope && c.requestType !== 'access') throw invalid('access scope belongs to access requests only');
  const corrections = c.corrections && Object.keys(c.corrections).length ? { ...c.corrections } : null;
  if (c.requestType === 'rectification' && !corrections) throw invalid('a rectification names the corrected values per data category');
  if (c.requestType !== 'rectification' && corrections) throw invalid('corrections belong to rectification requests only');
  const duplicate = c.openRequests.find((r) => r.request_type === c.requestType && r.request_id !== c.requestId);
  if (duplicate) throw conflict('an open request of the same type exists for this subject', { request_id: duplicate.request_id });
  const basis = basisOf(c);
  const calendar = basis.calendar.id;
  const now = c.now.toISOString();
  const requirement = verificationRequirement(c.jurisdiction, c.requestType, c.accessScope ?? null);
  const categories = c.dataCategories?.length ? [...c.dataCategories] : corrections ? Object.keys(corrections).sort() : null;
  const events: RightsEvent[] = [{
    type: 'rights.request_received',
    data: {
      request_id: c.requestId,
      subject_key: c.subjectKey,
      request_type: c.requestType,
      jurisdiction: c.jurisdiction,
      channel: c.channel,
      authorised_agent: c.authorisedAgent ? { kind: c.authorisedAgent.kind } : null,
      is_account_holder: c.isAccountHolder ?? false,
      access_scope: c.requestType === 'access' && c.jurisdiction === 'CCPA' ? (c.accessScope ?? 'categories') : null,
      data_categories: categories,
      objection: c.objection ? { scope: c.objection.scope, purposes: c.objection.purposes?.length ? [...c.objection.purposes] : null } : null,
      received_at: now,
      due_at: deadline(DEADLINE_RULES[def.deadline], c.now, calendar),
      deadline_rule: def.deadline,
      calendar,
      establishment: c.jurisdiction === 'GDPR' ? { country: basis.establishment.country, region: basis.establishment.region ?? null } : null,
      month_counting: c.jurisdiction === 'GDPR' ? basis.month_counting : null,
      calendar_warnings: [...(c.establishmentWarnings ?? []), ...basis.warnings],
      confirm_by: def.confirmReceipt ? deadline(DEADLINE_RULES.ccpa_confirm, c.now, calendar) : null,
      verification_required: requirement.required,
    },
  }];
  if (corrections) events.push({ type: 'rights.corrections_provided', data: { request_id: c.requestId, subject_key: c.subjectKey, corrections, provided_at: now } });
  return events;
}

function completionIfDone(state: RequestState, now: string): RightsEvent[] {
  const tasks = Object.values(state.tasks);
  if (!tasks.length || tasks.some((t) => t.status === 'dispatched')) return [];
  if (needsLedgerErasure(state)) return [];
  return [completion(state, now)];
}

/** A full erasure (no categories named) erases the ledger's own personal fields too, by crypto-shredding. */
function needsLedgerErasure(state: RequestState): boolean {
  return state.request!.request_type === 'erasure' && state.request!.data_categories === null && !state.ledgerErased;
}

function completion(state: RequestState, now: string): RightsEvent {
  const req = state.request!;
  const tasks = Object.values(state.tasks);
  const reasons = tasks.filter((t) => t.status === 'cannot_comply').map((t) => ({ system_id: t.system_id, reason: t.reason ?? 'cannot comply' }));
  const retained = tasks.flatMap((t) => t.retained);
  return {
    type: 'rights.request_completed',
    data: {
      request_id: req.request_id,
      subject_key: req.subject_key,
      request_type: req.request_type,
      outcome: reasons.length || retained.length ? 'partially_completed' : 'completed',
      reasons,
      retained,
      completed_at: now,
    },
  };
}

/** A calendar that is no longer known (e.g. gone from a library upgrade) counts weekends only: a deadline is never refused. */
function deadline(rule: (typeof DEADLINE_RULES)[keyof typeof DEADLINE_RULES], start: Date | string, calendar: string): string {
  return computeDeadline(rule, start, findCalendar(calendar) ?? WEEKENDS_ONLY).toISOString();
}

const COUNTRY = /^[A-Z]{2}$/;
const REGION = /^[A-Z0-9]{1,8}$/;

/** The establishment's calendar (Art. 56; Reg. 1182/71 Art. 3(4)), or an explicit calendar id; unknown ones degrade with a warning. */
function basisOf(c: Extract<RightsCommand, { type: 'ReceiveRequest' }>): DeadlineBasis {
  const e = c.establishment;
  if (e && (!COUNTRY.test(e.country) || (e.region != null && !REGION.test(e.region)))) {
    throw invalid('establishment.country must be an ISO 3166-1 alpha-2 code and establishment.region 1-8 letters or digits', { field: 'establishment' });
  }
  const basis = deadlineBasis(c.jurisdiction, e ?? null);
  if (!c.calendar) return basis;
  const cal = findCalendar(c.calendar);
  return cal ? { ...basis, calendar: cal, warnings: [] } : { ...basis, calendar: WEEKENDS_ONLY, warnings: ['unknown holiday calendar: Saturdays and Sundays only, public holidays not counted'] };
}

function definition(req: RequestReceivedData): RightDefinition {
  return rightDefinition(req.jurisdiction, req.request_type)!;
}

function requireOpen(state: RequestState): void {
  if (!OPEN.has(state.status)) throw conflict(`the request is ${state.status}`, { status: state.status });
}

function requireVerified(state: RequestState, message: string): void {
  if (!state.verified) throw precondition(message);
}

function requireText(value: string | undefined | null, field: string): void {
  if (!value || !value.trim()) throw invalid(`${field} must not be empty`, { field });
}

function task(state: RequestState, taskId: string): TaskState {
  const t = state.tasks[taskId];
  if (!t) throw notFound('task not found', { task_id: taskId });
  return t;
}

export const requestDecider: Decider<RightsCommand, RightsEvent, RequestState> = {
  initialState: initialRequestState,
  evolve: evolveRequest,
  decide: decideRequest,
};
