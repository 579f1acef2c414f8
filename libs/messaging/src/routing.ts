import { isSubjectKey, subjectKeysIn } from '@pl/domain';
import { positionToString, type RecordedEvent } from '@pl/domain';
import { traceparentOf } from '@pl/application';
import { HEADERS, TOPICS } from './topics';

/** A message ready for the broker (and for webhooks, which carry the same value and headers). */
export interface OutboundMessage {
  readonly topic: string;
  readonly key: string;
  /** JSON; null = tombstone (compacted topics only). */
  readonly value: string | null;
  readonly headers: Record<string, string>;
  readonly eventId: string;
}

/** Value of the event topics: the stored form of the event plus PII-free metadata. */
export interface EventEnvelopeV1 {
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
  /** As stored in the log: personal fields stay encrypted, never decrypted for Kafka. */
  readonly data: unknown;
}


/** The pseudonymous subject key of an event: `data.subject_key`, else the `sub_...` part of its stream id. */
export function subjectKeyOf(e: RecordedEvent): string | null {
  const fromData = (e.data as { subject_key?: unknown } | null)?.subject_key;
  if (isSubjectKey(fromData)) return fromData;
  return subjectKeysIn(e.streamId)[0] ?? null;
}

function idAfterPrefix(streamId: string): string {
  const i = streamId.indexOf('-');
  return i >= 0 ? streamId.slice(i + 1) : streamId;
}

export interface Route {
  /** Exact type, or a prefix ending in `.`. */
  readonly match: string;
  readonly topic: string;
  /** Message key (per-key order); null = do not publish (logged as skipped). */
  readonly key: (e: RecordedEvent) => string | null;
}

/**
 * What the relay publishes, first match wins. Keys are pseudonymous subject keys, system ids or
 * generated ids, never a user id, email or name.
 */
export const ROUTES: readonly Route[] = [
  { match: 'consent.', topic: TOPICS.consentEvents, key: subjectKeyOf },
  // rights tasks go to the system that must act: keyed by system id so each system reads its partition in order
  { match: 'rights.task_dispatched', topic: TOPICS.rightsTasks, key: (e) => str((e.data as any)?.system_id) },
  // Art. 19: recipients told of rectification, erasure and restriction, keyed by recipient
  { match: 'rights.recipient_notified', topic: TOPICS.rightsTasks, key: (e) => str((e.data as any)?.recipient_id) },
  // retention ended (Art. 5(1)(e); a kept holding's Art. 17(3)(b) obligation over): the system must erase or anonymise
  { match: 'catalog.retention_expired', topic: TOPICS.rightsTasks, key: (e) => str((e.data as any)?.system_id) },
  { match: 'catalog.retention_obligation_ended', topic: TOPICS.rightsTasks, key: (e) => str((e.data as any)?.system_id) },
  { match: 'breach.', topic: TOPICS.breachNotices, key: (e) => idAfterPrefix(e.streamId) },
];

/**
 * Events that erase a subject: the compacted consent-state topic gets a tombstone for
 * `data.subject_key` (or the stream's subject key).
 */
export const ERASURE_EVENT_TYPES: ReadonlySet<string> = new Set(['rights.subject_erased', 'consent.subject_erased']);

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

export function matches(route: { match: string }, type: string): boolean {
  return route.match.endsWith('.') ? type.startsWith(route.match) : type === route.match;
}

export function routeOf(type: string, routes: readonly Route[] = ROUTES): Route | null {
  return routes.find((r) => matches(r, type)) ?? null;
}

export function envelopeOf(e: RecordedEvent): EventEnvelopeV1 {
  return {
    event_id: e.metadata.event_id,
    type: e.type,
    schema_version: e.schemaVersion,
    stream_id: e.streamId,
    subject_key: subjectKeyOf(e),
    revision: e.revision.toString(),
    position: positionToString(e.position),
    occurred_at: e.metadata.occurred_at,
    recorded_at: e.metadata.recorded_at,
    correlation_id: e.metadata.correlation_id,
    causation_id: e.metadata.causation_id ?? null,
    data: e.data,
  };
}

export function headersOf(e: RecordedEvent, schemaVersion = e.schemaVersion): Record<string, string> {
  return {
    [HEADERS.eventId]: e.metadata.event_id,
    [HEADERS.eventType]: e.type,
    [HEADERS.schemaVersion]: String(schemaVersion),
    [HEADERS.correlationId]: e.metadata.correlation_id,
    [HEADERS.contentType]: 'application/json',
    ...withTraceparent(e),
  };
}

function withTraceparent(e: RecordedEvent): Record<string, string> {
  const traceparent = traceparentOf(e);
  return traceparent ? { [HEADERS.traceparent]: traceparent } : {};
}

/** The event-topic message for `e`, or null when no route publishes it. */
export function eventMessageOf(e: RecordedEvent, routes: readonly Route[] = ROUTES): OutboundMessage | null {
  const route = routeOf(e.type, routes);
  if (!route) return null;
  const key = route.key(e);
  if (!key) return null;
  return { topic: route.topic, key, value: JSON.stringify(envelopeOf(e)), headers: headersOf(e), eventId: e.metadata.event_id };
}
