import type { SqlExecutor } from '@pl/eventstore';
import type { LogPosition } from '@pl/domain';

export interface ProjectionLag {
  readonly projection: string;
  readonly behind: number;
  readonly updated_at: string | null;
}

/** Lag of each projection in global positions behind the head (approximate under concurrent commits; exact when idle). */
export async function projectionLags(db: SqlExecutor, head: LogPosition, names: readonly string[]): Promise<ProjectionLag[]> {
  const r = await db.query<{ name: string; pos: string; updated_at: Date | string }>(
    'SELECT name, pos::text AS pos, updated_at FROM projection_checkpoints WHERE name = ANY($1)',
    [names],
  ).catch(() => ({ rows: [] as Array<{ name: string; pos: string; updated_at: Date | string }>, rowCount: 0 }));
  const byName = new Map(r.rows.map((row) => [row.name, row]));
  return names.map((name) => {
    const row = byName.get(name);
    const pos = row ? BigInt(row.pos) : -1n;
    const behind = head.pos > pos ? Number(head.pos - pos) : 0;
    return { projection: name, behind, updated_at: row ? new Date(row.updated_at).toISOString() : null };
  });
}
