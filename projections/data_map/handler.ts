import type { RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

/**
 * Idempotent: a receipt is inserted once per log position (ON CONFLICT DO NOTHING) and the holding
 * only counts it when the insert happened; erasure purges the subject's rows.
 */
export async function handleDataMap(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    const d = e.data as any;
    switch (e.type) {
      case 'catalog.processing_recorded': {
        const inserted = await tx.query(
          `INSERT INTO receipts (tx, pos, subject_key, system_id, category, purpose, stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT DO NOTHING RETURNING pos`,
          [e.position.tx.toString(), e.position.pos.toString(), d.subject_key, d.system_id, d.category, d.purpose, d.stored_at],
        );
        if (!inserted.rows.length) break;
        await tx.query(
          `INSERT INTO holdings (subject_key, system_id, category, purpose, first_stored_at, last_stored_at, receipts) VALUES ($1, $2, $3, $4, $5, $5, 1)
           ON CONFLICT (subject_key, system_id, category, purpose) DO UPDATE SET
             first_stored_at = LEAST(holdings.first_stored_at, EXCLUDED.first_stored_at),
             last_stored_at = GREATEST(holdings.last_stored_at, EXCLUDED.last_stored_at),
             receipts = holdings.receipts + 1`,
          [d.subject_key, d.system_id, d.category, d.purpose, d.stored_at],
        );
        break;
      }
      case 'catalog.retention_expired':
        await tx.query(
          `UPDATE holdings SET expired_for = $5, expired_recorded_at = $6
           WHERE subject_key = $1 AND system_id = $2 AND category = $3 AND purpose = $4 AND (expired_for IS NULL OR expired_for < $5)`,
          [d.subject_key, d.system_id, d.category, d.purpose, d.last_stored_at, e.metadata.occurred_at],
        );
        break;
      case 'rights.subject_erased':
        await tx.query('DELETE FROM holdings WHERE subject_key = $1', [d.subject_key]);
        await tx.query('DELETE FROM receipts WHERE subject_key = $1', [d.subject_key]);
        break;
      default:
        break;
    }
  }
}
