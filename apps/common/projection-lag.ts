import type { SqlExecutor } from '@pl/eventstore';
import type { LogPosition } from '@pl/domain';

export interface ProjectionLag {
  readonly projection: string;
  readonly behind: number;
  readonly updated_at: string | null;
}

/**
 * Lag of each projection in global positions behind the head (approximate under concurrent commits;
 * exact when idle). `names` null: every projection with a checkpoint (the API without an in-process
 * worker sees the checkpoints the worker processes write).
 */
export async function projectionLags(db: SqlExecutor, head: LogPosition, names: readonly string[] | null): Promise<ProjectionLag[]> {
  type Row = { name: string; pos: string; updated_at: Date | string };
  const r = await (names
    ? db.query<Row>('SELECT name, pos::text AS pos, updated_at FROM projection_checkpoints WHERE name = ANY($1)', [names])
    : db.query<Row>(`SELECT name, pos::text AS pos, updated_at FROM projection_checkpoints WHERE name NOT LIKE '%\\_\\_rebuild' ORDER BY name`)
  ).catch(() => ({ rows: [] as Row[], rowCount: 0 }));
  const byName = new Map(r.rows.map((row) => [row.name, row]));
  return (names ?? r.rows.map((row) => row.name)).map((name) => {
    const row = byName.get(name);
    const pos = row ? BigInt(row.pos) : -1n;
    const behind = head.pos > pos ? Number(head.pos - pos) : 0;
    return { projection: name, behind, updated_at: row ? new Date(row.updated_at).toISOString() : null };
  });
}
