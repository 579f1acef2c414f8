import { invalid, type DomainEvent } from '../shared';
import { declarePersonalFields } from '../shared/personal-fields';
import { isSubjectKey } from '../shared/subject-key';
import { resolveCategory, resolvePurpose } from '../catalog/taxonomy';

/**
 * Privacy events as the earlier event processor's producers send them (issue 16): one shape for
 * consent changes, processing of a subject's data, breaches and retention. The edge checks the
 * shape against the committed JSON Schema (libs/application/src/intake/privacy-event.schema.json);
 * this file says what each type becomes in the ledger.
 */
export const PRIVACY_EVENT_TYPES = [
  'consent_given',
  'consent_withdrawn',
  'consent_expired',
  'data_accessed',
  'data_modified',
  'data_deleted',
  'data_exported',
  'breach_detected',
  'retention_expired',
] as const;
export type PrivacyEventType = (typeof PRIVACY_EVENT_TYPES)[number];

export interface PrivacyEvent {
  readonly event_id: string;
  readonly event_type: PrivacyEventType;
  readonly user_id: string;
  readonly timestamp: string;
  readonly service_name: string;
  readonly data_categories: readonly string[];
  readonly processing_purposes: readonly string[];
  readonly legal_basis: string;
  readonly event_data: Readonly<Record<string, unknown>>;
  readonly correlation_id?: string | null;
}

/** Processing of a subject's data by a service (Art. 15(1)(a)-(c): who processed what, when, for what). */
export const PROCESSING_ACTIONS = {
  data_accessed: 'accessed',
  data_modified: 'modified',
  data_deleted: 'deleted',
  data_exported: 'exported',
  // the service reports that its retention of the data ran out (Art. 5(1)(e)); the retention process decides what follows
  retention_expired: 'retention_expired',
} as const satisfies Partial<Record<PrivacyEventType, string>>;
export type ProcessingAction = (typeof PROCESSING_ACTIONS)[keyof typeof PROCESSING_ACTIONS];

export type IntakeRoute = 'consent' | 'processing' | 'breach';

/** Which part of the ledger records an event of this type. */
export function routeOf(type: PrivacyEventType): IntakeRoute {
  if (type.startsWith('consent_')) return 'consent';
  if (type === 'breach_detected') return 'breach';
  return 'processing';
}

export type ProcessingLoggedData = {
  /** The producer's event id: a repeat of it is never a second fact. */
  readonly source_event_id: string;
  readonly subject_key: string;
  readonly action: ProcessingAction;
  /** The service that processed the data (as it names itself; a registered system id where it is one). */
  readonly service_name: string;
  readonly categories: readonly string[];
  readonly purposes: readonly string[];
  readonly legal_basis: string;
  readonly occurred_at: string;
  readonly correlation_id: string | null;
  /** The producer's `event_data`: personal (encrypted with the subject's key), null when it sent none. */
  readonly details: Readonly<Record<string, unknown>> | null;
};

export type IntakeEvent = DomainEvent<'intake.processing_logged', ProcessingLoggedData>;

/** One stream per subject, appended with expected revision `any` (entries never conflict). */
export const processingStream = (subjectKey: string) => `processing-${subjectKey}`;

export const INTAKE_PERSONAL_FIELDS = declarePersonalFields<IntakeEvent['type']>({
  'intake.processing_logged': ['details'],
});

/** Taxonomy keys of the event's categories and purposes (coarse values map without widening: taxonomy.ts). */
export function resolvedScope(e: Pick<PrivacyEvent, 'data_categories' | 'processing_purposes'>): { categories: string[]; purposes: string[] } {
  const each = <T>(list: readonly string[], field: string, f: (v: string) => T): T[] =>
    list.map((v, i) => {
      try {
        return f(v);
      } catch (err) {
        throw invalid(`${field}[${i}]: ${(err as Error).message}`, { field: `${field}[${i}]` });
      }
    });
  return {
    categories: [...new Set(each(e.data_categories, 'data_categories', resolveCategory))],
    purposes: [...new Set(each(e.processing_purposes, 'processing_purposes', resolvePurpose))],
  };
}

/** The processing-log fact of a data_* or retention_expired event (pure; the caller appends it under an id derived from the producer's `event_id`). */
export function processingLogged(subjectKey: string, e: PrivacyEvent, now: Date): IntakeEvent {
  if (!isSubjectKey(subjectKey)) throw invalid('a processing log entry must carry a pseudonymous subject key');
  const action = (PROCESSING_ACTIONS as Record<string, ProcessingAction | undefined>)[e.event_type];
  if (!action) throw invalid(`event_type ${e.event_type} is not a processing event`, { field: 'event_type' });
  const at = Date.parse(e.timestamp);
  if (Number.isNaN(at)) throw invalid('timestamp must be an ISO 8601 date-time', { field: 'timestamp' });
  if (at > now.getTime() + INTAKE_CLOCK_SKEW_MS) throw invalid('timestamp is in the future', { field: 'timestamp' });
  const { categories, purposes } = resolvedScope(e);
  return {
    type: 'intake.processing_logged',
    data: {
      source_event_id: e.event_id,
      subject_key: subjectKey,
      action,
      service_name: e.service_name,
      categories,
      purposes,
      legal_basis: e.legal_basis,
      occurred_at: new Date(at).toISOString(),
      correlation_id: e.correlation_id ?? null,
      details: Object.keys(e.event_data ?? {}).length ? e.event_data : null,
    },
  };
}

/** Events may be reported late, never from the future beyond this clock skew (as receipts). */
export const INTAKE_CLOCK_SKEW_MS = 5 * 60_000;
