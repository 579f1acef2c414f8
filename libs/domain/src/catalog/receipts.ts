import { isSubjectKey } from '../shared/subject-key';
import { endOfDayIn, isoDayIn } from '../law/deadlines';
import { deadlineBasis, establishmentFromControllers, type Establishment } from '../law/establishment';
import { invalid, type Decider, type DomainEvent } from '../shared';
import { catalogId, isoTime, parseDuration } from './common';
import { resolveCategory, resolvePurpose } from './taxonomy';

/**
 * Processing receipts: a service reports that system X stored category C of subject S for purpose P
 * at time T. Stream `receipts-<subjectKey>` (pseudonymous key only), appended with expected revision
 * `any`: receipts never conflict with each other.
 */
export type ReceiptData = {
  readonly receipt_id: string;
  readonly subject_key: string;
  readonly system_id: string;
  readonly category: string;
  readonly purpose: string;
  readonly stored_at: string;
};

export type RetentionExpiredData = {
  readonly subject_key: string;
  readonly system_id: string;
  readonly category: string;
  readonly purpose: string;
  readonly activity_id: string;
  readonly last_stored_at: string;
  readonly period: string;
  readonly due_at: string;
};

/**
 * A holding kept after the subject's erasure under a legal exception (Art. 17(3)(b); CCPA
 * § 1798.105(d)(8)) whose obligation ended: the system must now erase or anonymise it. Carries the
 * reason and statute the erasure kept it under and the last day it was kept (`retained_until`).
 */
export type RetentionObligationEndedData = {
  readonly subject_key: string;
  readonly system_id: string;
  readonly category: string;
  readonly purpose: string;
  readonly reason_code: string;
  readonly source: string;
  readonly retained_until: string;
  readonly retained_since: string;
  /** IANA zone of the controller's establishment whose days counted `retained_until`; absent (older events): UTC. */
  readonly time_zone?: string;
  readonly due_at: string;
};

export type ReceiptEvent =
  | DomainEvent<'catalog.processing_recorded', ReceiptData>
  | DomainEvent<'catalog.retention_expired', RetentionExpiredData>
  | DomainEvent<'catalog.retention_obligation_ended', RetentionObligationEndedData>;

export const receiptsStream = (subjectKey: string) => `receipts-${subjectKey}`;

/** Receipts may be reported late, never from the future beyond this clock skew. */
export const RECEIPT_CLOCK_SKEW_MS = 5 * 60_000;

export interface ReceiptInput {
  receipt_id: string;
  system_id: string;
  category: string;
  purpose: string;
  stored_at: string;
}

/** Validates receipts of one subject and turns them into events (pure; the caller appends). */
export function receiptEvents(subjectKey: string, inputs: readonly ReceiptInput[], knownSystems: ReadonlySet<string>, now: Date): ReceiptEvent[] {
  if (!isSubjectKey(subjectKey)) throw invalid('receipts must carry a pseudonymous subject key');
  return inputs.map((r, i) => {
    const system = catalogId(r.system_id, `receipts[${i}].system_id`);
    if (!knownSystems.has(system)) throw invalid(`receipts[${i}].system_id is not a registered system`, { field: 'system_id' });
    const storedAt = isoTime(r.stored_at, `receipts[${i}].stored_at`);
    if (Date.parse(storedAt) > now.getTime() + RECEIPT_CLOCK_SKEW_MS) throw invalid(`receipts[${i}].stored_at is in the future`, { field: 'stored_at' });
    return {
      type: 'catalog.processing_recorded' as const,
      data: {
        receipt_id: r.receipt_id,
        subject_key: subjectKey,
        system_id: system,
        category: resolveCategory(r.category),
        purpose: resolvePurpose(r.purpose),
        stored_at: storedAt,
      },
    };
  });
}

const holdingKey = (d: { system_id: string; category: string; purpose: string }) => `${d.system_id}|${d.category}|${d.purpose}`;

export interface SubjectHoldingsState {
  /** holding -> latest stored_at */
  readonly last: Readonly<Record<string, string>>;
  /** holding -> last_stored_at for which retention expiry was already recorded */
  readonly expired: Readonly<Record<string, string>>;
  /** holding -> retained_since (the erasure) whose retention obligation was already recorded as ended */
  readonly obligation_ended?: Readonly<Record<string, string>>;
}

export type RetentionCommand =
  | { readonly type: 'MarkRetentionExpired'; readonly expiry: RetentionExpiredData; readonly now: Date }
  | { readonly type: 'MarkObligationEnded'; readonly ended: RetentionObligationEndedData; readonly now: Date };

/**
 * The first instant after `retained_until`, the last day kept, counted in `timeZone`: the day of
 * the controller's establishment, as its request deadlines are (a period in years ends with the
 * last hour of its last day, Reg. 1182/71 Art. 3(2)(c)).
 */
export function obligationEndsAt(retainedUntil: string, timeZone = 'UTC'): string {
  const day = retainedUntil.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00.000Z`))) throw invalid('retained_until is not an ISO date');
  return new Date(endOfDayIn(day, timeZone).getTime() + 1).toISOString();
}

/** The zone whose days count a retention obligation: the establishment of the catalog's controllers (establishment.ts). */
export function obligationTimeZone(activities: ReadonlyArray<{ readonly controller?: { readonly establishment?: Establishment | null } | null }>): string {
  return deadlineBasis('GDPR', establishmentFromControllers(activities.map((a) => a.controller?.establishment)).establishment).calendar.timezone;
}

/** The date in `timeZone` at `now`: an obligation whose last day kept is before it has ended. */
export const obligationToday = (now: Date, timeZone: string): string => isoDayIn(now, timeZone);

/**
 * Emits `catalog.retention_expired` once per holding and last receipt, and only while no newer receipt
 * exists; `catalog.retention_obligation_ended` once per retained holding and erasure, once the day
 * after `retained_until` has begun.
 */
export const subjectRetentionDecider: Decider<RetentionCommand, ReceiptEvent, SubjectHoldingsState> = {
  initialState: () => ({ last: {}, expired: {} }),
  evolve(state, event) {
    switch (event.type) {
      case 'catalog.processing_recorded': {
        const k = holdingKey(event.data);
        const prev = state.last[k];
        return prev && prev >= event.data.stored_at ? state : { ...state, last: { ...state.last, [k]: event.data.stored_at } };
      }
      case 'catalog.retention_expired':
        return { ...state, expired: { ...state.expired, [holdingKey(event.data)]: event.data.last_stored_at } };
      case 'catalog.retention_obligation_ended':
        return { ...state, obligation_ended: { ...state.obligation_ended, [holdingKey(event.data)]: event.data.retained_since } };
      default:
        return state;
    }
  },
  decide(cmd, state) {
    if (cmd.type === 'MarkObligationEnded') return obligationEnded(cmd.ended, cmd.now, state);
    const e = cmd.expiry;
    parseDuration(e.period, 'period');
    const k = holdingKey(e);
    const last = state.last[k];
    if (!last || last !== e.last_stored_at) return [];
    if (state.expired[k] === last) return [];
    if (Date.parse(e.due_at) > cmd.now.getTime()) throw invalid('retention has not expired yet');
    return [{ type: 'catalog.retention_expired', data: e }];
  },
};

function obligationEnded(e: RetentionObligationEndedData, now: Date, state: SubjectHoldingsState): ReceiptEvent[] {
  const k = holdingKey(e);
  if (!state.last[k]) return [];
  if (state.obligation_ended?.[k] === e.retained_since) return [];
  if (e.due_at !== obligationEndsAt(e.retained_until, e.time_zone)) throw invalid('due_at must be the day after retained_until');
  if (Date.parse(e.due_at) > now.getTime()) throw invalid('retention obligation has not ended yet');
  return [{ type: 'catalog.retention_obligation_ended', data: e }];
}
