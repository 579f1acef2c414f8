/**
 * The wire contract services see (docs/propagation.md). The SDK is installed by services, so it
 * carries its own copy of the names; contract.spec.ts checks they match libs/messaging.
 */
export const TOPICS = {
  consentEvents: 'privacy-ledger.consent.events.v1',
  consentState: 'privacy-ledger.consent.state.v1',
  rightsTasks: 'privacy-ledger.rights.tasks.v1',
  rightsResults: 'privacy-ledger.rights.results.v1',
  breachNotices: 'privacy-ledger.breach.notices.v1',
  deadLetter: 'privacy-ledger.dlq.v1',
  /** Signed audit chain heads (compacted), for auditors keeping heads outside the ledger (docs/audit.md). */
  auditHeads: 'privacy-ledger.audit.heads.v1',
  /** Privacy events services produce for the ledger's intake (docs/propagation.md, issue 16). */
  privacyEvents: 'privacy-ledger.privacy.events.v1',
} as const;

export const HEADERS = {
  eventId: 'pl-event-id',
  eventType: 'pl-event-type',
  schemaVersion: 'pl-schema-version',
  correlationId: 'pl-correlation-id',
  contentType: 'pl-content-type',
  /** W3C trace context of the event's append (optional: only events recorded while tracing was on carry it). */
  traceparent: 'traceparent',
  dlqSourceTopic: 'pl-dlq-source-topic',
  dlqReason: 'pl-dlq-reason',
} as const;

export const WEBHOOK_HEADERS = {
  timestamp: 'x-pl-timestamp',
  signature: 'x-pl-signature',
  deliveryId: 'x-pl-delivery-id',
  eventId: 'x-pl-event-id',
  eventType: 'x-pl-event-type',
  topic: 'x-pl-topic',
  schemaVersion: 'x-pl-schema-version',
  correlationId: 'x-pl-correlation-id',
} as const;

/** The Standard Webhooks headers (https://www.standardwebhooks.com), sent beside the `x-pl-` ones. */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Value of the event topics (consent events, rights tasks, breach notices) and of webhook bodies. */
export interface EventEnvelope<D = Record<string, unknown>> {
  readonly event_id: string;
  readonly type: string;
  readonly schema_version: number;
  readonly stream_id: string;
  readonly subject_key: string | null;
  readonly revision: string;
  readonly position: string;
  readonly occurred_at: string;
  readonly recorded_at: string;
  readonly correlation_id: string;
  readonly causation_id: string | null;
  readonly data: D;
}

/** Value of the compacted consent-state topic (null value = tombstone: the subject was erased). */
export interface StateMessage<S = unknown> {
  readonly subject_key: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly revision: string;
  readonly updated_at: string;
  readonly state: S;
}

/** `data` of a `rights.task_dispatched` message on the tasks topic. */
export interface RightsTask {
  readonly request_id: string;
  readonly task_id: string;
  readonly system_id: string;
  readonly subject_key: string;
  readonly request_type: string;
  readonly jurisdiction: string;
  readonly categories: string[];
  readonly retained: Array<{ system_id: string; category: string; reason_code: string; source: string; explanation: string }>;
  readonly dispatched_at: string;
  readonly due_at: string;
  readonly attempt: number;
}

/** What a system reports back on the results topic (key: system id). */
export interface RightsTaskResult {
  readonly request_id: string;
  readonly task_id: string;
  readonly system_id: string;
  readonly outcome: 'done' | 'no_data' | 'cannot_comply';
  readonly records_affected?: number | null;
  readonly reason?: string | null;
  /** Access/portability: the data found (personal data; travels only on the results topic). */
  readonly data?: Record<string, unknown> | null;
  readonly reported_at: string;
  /** Optional idempotency key; defaults to `<task_id>:<attempt>` on the ledger side. */
  readonly result_id?: string;
}
