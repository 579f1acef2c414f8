/**
 * Events are plain data with a stable `type` string and a schema version. Deciders emit
 * `DomainEvent`s; the application layer adds metadata (who, when, correlation) before appending.
 */
export interface DomainEvent<T extends string = string, D = Record<string, unknown>> {
  readonly type: T;
  readonly data: D;
  /** Version of the `data` shape for this type; defaults to 1. Upcasters lift older versions on read. */
  readonly schemaVersion?: number;
}

export interface EventMetadata {
  /** UUID, unique across the log; consumers de-duplicate on it. */
  readonly event_id: string;
  /** When the fact happened in the domain (the command's time). ISO-8601. */
  readonly occurred_at: string;
  /** When the store recorded it; set by the application layer just before appending. ISO-8601. */
  readonly recorded_at: string;
  /** Who caused it: `apikey:<id>`, `service:<name>`, `worker:<process-manager>`, `cli:<command>`. Never a person's name or email. */
  readonly actor: string;
  readonly correlation_id: string;
  readonly causation_id: string | null;
  /** Free-form, PII-free extras (e.g. request id, reason code). */
  readonly [key: string]: unknown;
}

/** An event with everything the log knows about it. */
export interface RecordedEvent<D = any> {
  readonly streamId: string;
  /** 0-based revision within the stream. */
  readonly revision: bigint;
  /** Ordering key of the global log (see LogPosition). */
  readonly position: LogPosition;
  /** Monotonic global sequence number of the row (PostgreSQL) or commit position (EventStoreDB). */
  readonly globalPosition: bigint;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: D;
  readonly metadata: EventMetadata;
  /** The exact stored bytes of data and metadata (what the audit hash chain covers). */
  readonly raw?: { readonly data: string; readonly metadata: string; /** The stored schema version (before upcasting). */ readonly schemaVersion?: number };
}

/**
 * Total order of the global log as a subscriber sees it.
 * PostgreSQL/PGlite: (transaction id, global position), read only below the oldest in-flight
 * transaction, so out-of-order commits are never skipped (ARCHITECTURE invariant 4).
 * EventStoreDB: (commit position, prepare position).
 */
export interface LogPosition {
  readonly tx: bigint;
  readonly pos: bigint;
}

export const LOG_START: LogPosition = Object.freeze({ tx: -1n, pos: -1n });

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.tx !== b.tx) return a.tx < b.tx ? -1 : 1;
  if (a.pos !== b.pos) return a.pos < b.pos ? -1 : 1;
  return 0;
}

export function positionToString(p: LogPosition): string {
  return `${p.tx}:${p.pos}`;
}

export function positionFromString(s: string): LogPosition {
  const m = /^(-?\d+):(-?\d+)$/.exec(s);
  if (!m) throw new Error(`invalid log position: ${s}`);
  return { tx: BigInt(m[1]), pos: BigInt(m[2]) };
}
