import { POSITION_IDS_SCHEMA, POSITION_IDS_TABLE, readModelDigest } from '@pl/audit/digest';
import { comparePositions, LOG_START, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, NewEvent, SqlDatabase } from '@pl/eventstore';
import type { ProjectionDefinition } from './projection';
import { rebuildProjection } from './runner';

/**
 * Read models whose rows depend on the log's positions themselves, not only on which event sits
 * there: a replay on another backend cannot give the same digest, by design.
 */
export const POSITION_BOUND_READ_MODELS: Readonly<Record<string, string>> = {
  audit_chain: 'its links hash each event with its log position (tx/pos); verify each log with `cli audit verify`',
};

/**
 * Copies `source` into the empty `target` in global order with the stored bytes (no re-encryption:
 * `target` must be a plain adapter, not the encrypting store), the same streams, revisions and
 * event ids. Events the source committed together (same stream, same `tx`) are appended together.
 * Copies up to `upTo` (default: the source's head when called), so several copies of a log that is
 * still being appended to (or whose newest events another transaction still hides) are the same.
 */
export async function copyLog(source: EventStore, target: EventStore, options: { upTo?: LogPosition; onProgress?: (copied: number) => void } = {}): Promise<number> {
  if (comparePositions(await target.headPosition(), LOG_START) !== 0) throw new Error('the target log is not empty');
  const upTo = options.upTo ?? (await source.headPosition());
  let after = LOG_START;
  let copied = 0;
  let last = LOG_START;
  for (;;) {
    const page = (await source.readAll(after, { maxCount: 1000 })).filter((e) => comparePositions(e.position, upTo) <= 0);
    if (!page.length) break;
    for (const run of runsOf(page)) {
      const first = run[0].revision;
      last = (await target.append(run[0].streamId, run.map(storedForm), first === 0n ? 'no_stream' : first - 1n)).position;
    }
    copied += page.length;
    after = page[page.length - 1].position;
    options.onProgress?.(copied);
  }
  await untilVisible(target, last);
  return copied;
}

/** On PostgreSQL another session's open transaction can hide the copy from readers for a while (invariant 4). */
async function untilVisible(store: EventStore, position: LogPosition, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline) throw new Error('the copied events stay invisible: another transaction on the target server holds its horizon back (see /health event_store_horizon)');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function runsOf(events: readonly RecordedEvent[]): RecordedEvent[][] {
  const runs: RecordedEvent[][] = [];
  for (const e of events) {
    const last = runs[runs.length - 1]?.[runs[runs.length - 1].length - 1];
    if (last && last.streamId === e.streamId && last.position.tx === e.position.tx && last.revision + 1n === e.revision) runs[runs.length - 1].push(e);
    else runs.push([e]);
  }
  return runs;
}

/**
 * The stored data (before upcasting) and the metadata as the port gives it: on EventStoreDB the
 * stored metadata also holds the adapter's own keys (`schema_version`, `$correlationId`,
 * `$causationId`), which `metadata` leaves out and the target adapter adds back its own way.
 */
function storedForm(e: RecordedEvent): NewEvent {
  if (!e.raw) return { type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata };
  return { type: e.type, schemaVersion: e.raw.schemaVersion ?? e.schemaVersion, data: JSON.parse(e.raw.data), metadata: e.metadata };
}

export interface ReplayDigest {
  readonly name: string;
  readonly events: number;
  /** Portable digest (positions replaced by event ids); null for a position-bound read model. */
  readonly digest: string | null;
  readonly skipped?: string;
}

/**
 * Rebuilds every read model of `projections` in `db` from `store` and digests each one portably
 * (`readModelDigest` with positions replaced by event ids), so two backends holding the same log
 * can be compared. `db` is scratch: its read models are replaced.
 */
export async function replayDigests(db: SqlDatabase, store: EventStore, projections: readonly ProjectionDefinition[]): Promise<ReplayDigest[]> {
  await db.exec(`DROP SCHEMA IF EXISTS pl_replay_digest CASCADE; ${POSITION_IDS_SCHEMA}`);
  for (let after = LOG_START; ; ) {
    const page = await store.readAll(after, { maxCount: 5000 });
    if (!page.length) break;
    await db.query(`INSERT INTO ${POSITION_IDS_TABLE} (tx, pos, event_id) SELECT * FROM unnest($1::numeric[], $2::bigint[], $3::text[])`, [
      page.map((e) => e.position.tx.toString()),
      page.map((e) => e.position.pos.toString()),
      page.map((e) => String(e.metadata.event_id)),
    ]);
    after = page[page.length - 1].position;
  }
  const out: ReplayDigest[] = [];
  for (const def of projections) {
    const skipped = POSITION_BOUND_READ_MODELS[def.name];
    if (skipped) {
      out.push({ name: def.name, events: 0, digest: null, skipped });
      continue;
    }
    const { events } = await rebuildProjection(db, store, def, { batchSize: 5000 });
    out.push({ name: def.name, events, digest: (await readModelDigest(db, def.name, { positionIds: POSITION_IDS_TABLE })).digest });
  }
  return out;
}
