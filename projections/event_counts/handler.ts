import type { RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

/**
 * Counts events per type. Idempotent: an event at or before the type's last (tx, pos) is ignored.
 * The global order is (transaction id, position), never the bare position (invariant 4).
 */
export async function handleEventCounts(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    await tx.query(
      `INSERT INTO event_counts (type, count, last_tx, last_pos) VALUES ($1, 1, $2, $3)
       ON CONFLICT (type) DO UPDATE SET count = event_counts.count + 1, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos
       WHERE (event_counts.last_tx, event_counts.last_pos) < (EXCLUDED.last_tx, EXCLUDED.last_pos)`,
      [e.type, e.position.tx.toString(), e.position.pos.toString()],
    );
  }
}
