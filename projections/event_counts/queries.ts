import type { SqlExecutor } from '@pl/eventstore';

export async function eventCounts(db: SqlExecutor): Promise<Array<{ type: string; count: number }>> {
  const r = await db.query<{ type: string; count: string }>('SELECT type, count::text AS count FROM rm_event_counts.event_counts ORDER BY type');
  return r.rows.map((row) => ({ type: row.type, count: Number(row.count) }));
}
