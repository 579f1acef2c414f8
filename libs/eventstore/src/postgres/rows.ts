import type { EventMetadata, RecordedEvent, UpcasterRegistry } from '@pl/domain';

export const SELECT_COLUMNS =
  'global_position::text AS gp, transaction_id::text AS tx, stream_id, revision::text AS revision, type, schema_version, data, metadata';

export interface EventRow {
  gp: string;
  tx: string;
  stream_id: string;
  revision: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

/** A stored row as the port's RecordedEvent: data upcast to the current version, raw bytes kept as stored. */
export function decodeRow(row: EventRow, upcasters: UpcasterRegistry): RecordedEvent {
  const metadata = JSON.parse(row.metadata) as EventMetadata;
  const up = upcasters.apply(row.type, Number(row.schema_version), JSON.parse(row.data), metadata);
  return {
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: { tx: BigInt(row.tx), pos: BigInt(row.gp) },
    globalPosition: BigInt(row.gp),
    type: row.type,
    schemaVersion: up.schemaVersion,
    data: up.data,
    metadata,
    raw: { data: row.data, metadata: row.metadata, schemaVersion: Number(row.schema_version) },
  };
}
