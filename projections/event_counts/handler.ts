import { comparePositions, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

/**
 * Counts events per type, one statement per batch (a rebuild over a million events is a few hundred
 * statements, not a million). Idempotent: a type's batch is skipped when the type's stored last
 * (tx, pos) is not before the batch's first event of that type. The global order is
 * (transaction id, position), never the bare position (invariant 4).
 */
export async function handleEventCounts(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const byType = new Map<string, { n: number; first: LogPosition; last: LogPosition }>();
  for (const e of events) {
    const t = byType.get(e.type);
    if (!t) byType.set(e.type, { n: 1, first: e.position, last: e.position });
    else {
      t.n += 1;
      if (comparePositions(e.position, t.first) < 0) t.first = e.position;
      if (comparePositions(e.position, t.last) > 0) t.last = e.position;
    }
  }
  if (!byType.size) return;
  const rows = [...byType.entries()];
  await tx.query(
    `INSERT INTO event_counts AS c (type, count, last_tx, last_pos)
     SELECT type, n, last_tx, last_pos FROM unnest($1::text[], $2::bigint[], $3::numeric[], $4::bigint[], $5::numeric[], $6::bigint[])
       AS b(type, n, first_tx, first_pos, last_tx, last_pos)
     ON CONFLICT (type) DO UPDATE SET count = c.count + EXCLUDED.count, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos
     WHERE (c.last_tx, c.last_pos) < (
       SELECT b2.first_tx, b2.first_pos FROM unnest($1::text[], $3::numeric[], $4::bigint[]) AS b2(type, first_tx, first_pos) WHERE b2.type = EXCLUDED.type
     )`,
    [
      rows.map(([type]) => type),
      rows.map(([, t]) => t.n),
      rows.map(([, t]) => t.first.tx.toString()),
      rows.map(([, t]) => t.first.pos.toString()),
      rows.map(([, t]) => t.last.tx.toString()),
      rows.map(([, t]) => t.last.pos.toString()),
    ],
  );
}
