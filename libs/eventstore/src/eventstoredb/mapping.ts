import { jsonEvent, START, type EventData, type JSONType, type Position, type ReadPosition, type RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { LOG_START, type EventMetadata, type LogPosition, type RecordedEvent, type UpcasterRegistry } from '@pl/domain';
import type { NewEvent } from '../port';

/** EventStoreDB has no schema-version field: it travels in the stored metadata under this key. */
export const SCHEMA_VERSION_KEY = 'schema_version';

export function toEventData(e: NewEvent): EventData {
  return jsonEvent({
    id: e.metadata.event_id,
    type: e.type,
    data: e.data as JSONType,
    metadata: { ...e.metadata, [SCHEMA_VERSION_KEY]: e.schemaVersion ?? 1 },
  });
}

/** Commit/prepare position as the port's LogPosition (`tx` = commit, `pos` = prepare). */
export function fromEsdbPosition(p: Position): LogPosition {
  return { tx: p.commit, pos: p.prepare };
}

export function toReadPosition(p: LogPosition): ReadPosition {
  return p.tx < 0n || p.pos < 0n ? START : { commit: p.tx, prepare: p.pos };
}

/** Only the service's own events: no system streams or `$` types, no links, JSON only. */
export function isServiceEvent(e: EsdbRecordedEvent | undefined): e is EsdbRecordedEvent & { isJson: true } {
  return !!e && e.isJson && !e.type.startsWith('$') && !e.streamId.startsWith('$');
}

export function matchesPrefixes(type: string, prefixes?: readonly string[]): boolean {
  return !prefixes?.length || prefixes.some((p) => type.startsWith(p));
}

export function fromEsdbEvent(e: EsdbRecordedEvent & { isJson: true }, upcasters: UpcasterRegistry): RecordedEvent {
  const stored = (e.metadata ?? {}) as Record<string, unknown>;
  const { [SCHEMA_VERSION_KEY]: version, ...metadata } = stored;
  const up = upcasters.apply(e.type, typeof version === 'number' ? version : 1, e.data, metadata);
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
    // The client sends JSON.stringify(data) and parses it back; re-serialising gives the stored text.
    raw: { data: JSON.stringify(e.data), metadata: JSON.stringify(stored), schemaVersion: typeof version === 'number' ? version : 1 },
  };
}
