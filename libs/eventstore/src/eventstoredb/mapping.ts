import { jsonEvent, type EventData, type JSONType, type Position, type RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { LOG_START, type EventMetadata, type LogPosition, type RecordedEvent, type UpcasterRegistry } from '@pl/domain';
import type { NewEvent } from '../port';
import type { StoredRecord } from './grpc-read';

/** EventStoreDB has no schema-version field: it travels in the stored metadata under this key. */
export const SCHEMA_VERSION_KEY = 'schema_version';
/** The metadata keys KurrentDB's system projections read (`$by_correlation_id`) and its UI shows. */
export const CORRELATION_KEY = '$correlationId';
export const CAUSATION_KEY = '$causationId';
const STORE_KEYS = [SCHEMA_VERSION_KEY, CORRELATION_KEY, CAUSATION_KEY];

export function toEventData(e: NewEvent): EventData {
  const { correlation_id, causation_id } = e.metadata;
  return jsonEvent({
    id: e.metadata.event_id,
    type: e.type,
    data: e.data as JSONType,
    metadata: {
      ...e.metadata,
      [SCHEMA_VERSION_KEY]: e.schemaVersion ?? 1,
      ...(correlation_id ? { [CORRELATION_KEY]: correlation_id } : {}),
      ...(causation_id ? { [CAUSATION_KEY]: causation_id } : {}),
    },
  });
}

/** Commit/prepare position as the port's LogPosition (`tx` = commit, `pos` = prepare). */
export function fromEsdbPosition(p: Position): LogPosition {
  return { tx: p.commit, pos: p.prepare };
}

/** Where a read after `p` starts: the log start for LOG_START. */
export function toReadPosition(p: LogPosition): LogPosition | 'start' {
  return p.tx < 0n || p.pos < 0n ? 'start' : p;
}

/** Only the service's own events: no system streams or `$` types, no links, JSON only. */
export function isServiceEvent(e: EsdbRecordedEvent | undefined): e is EsdbRecordedEvent & { isJson: true } {
  return !!e && e.isJson && !e.type.startsWith('$') && !e.streamId.startsWith('$');
}

export function matchesPrefixes(type: string, prefixes?: readonly string[]): boolean {
  return !prefixes?.length || prefixes.some((p) => type.startsWith(p));
}

/** A stored record as the port's RecordedEvent; `raw` is the data and metadata exactly as stored (what the audit chain hashes). */
export function fromStored(record: StoredRecord, upcasters: UpcasterRegistry): RecordedEvent {
  const e = record.event as EsdbRecordedEvent & { isJson: true };
  const stored = (e.metadata ?? {}) as Record<string, unknown>;
  const metadata = Object.fromEntries(Object.entries(stored).filter(([k]) => !STORE_KEYS.includes(k)));
  const version = typeof stored[SCHEMA_VERSION_KEY] === 'number' ? (stored[SCHEMA_VERSION_KEY] as number) : 1;
  const up = upcasters.apply(e.type, version, e.data, metadata);
  const position = e.position ? fromEsdbPosition(e.position) : LOG_START;
  return {
    streamId: e.streamId,
    revision: e.revision,
    position,
    globalPosition: position.tx,
    type: e.type,
    schemaVersion: up.schemaVersion,
    data: up.data,
    metadata: metadata as unknown as EventMetadata,
    raw: { data: record.rawData, metadata: record.rawMetadata, schemaVersion: version },
  };
}
