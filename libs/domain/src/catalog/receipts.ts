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

export type ReceiptEvent =
  | DomainEvent<'catalog.processing_recorded', ReceiptData>
  | DomainEvent<'catalog.retention_expired', RetentionExpiredData>;

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
  if (!/^sub_[A-Za-z0-9_-]{32}$/.test(subjectKey)) throw invalid('receipts must carry a pseudonymous subject key');
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
}

export type RetentionCommand = { type: 'MarkRetentionExpired'; expiry: RetentionExpiredData; now: string };

/** Emits `catalog.retention_expired` once per holding and last receipt, and only while no newer receipt exists. */
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
      default:
        return state;
    }
  },
  decide(cmd, state) {
    const e = cmd.expiry;
    parseDuration(e.period, 'period');
    const k = holdingKey(e);
    const last = state.last[k];
    if (!last || last !== e.last_stored_at) return [];
    if (state.expired[k] === last) return [];
    if (Date.parse(e.due_at) > Date.parse(cmd.now)) throw invalid('retention has not expired yet');
    return [{ type: 'catalog.retention_expired', data: e }];
  },
};
