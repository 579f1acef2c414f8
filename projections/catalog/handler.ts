import type { RecordedEvent } from '@pl/domain';
import type { catalog } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';
import { isHistory } from './from-log';

type Kind = 'system' | 'element' | 'activity' | 'processor_record' | 'flow';

interface Change {
  readonly kind: Kind;
  readonly id: string;
  readonly parentId: string | null;
  /** New snapshot; null keeps the current one (status change only). */
  readonly snapshot: unknown | null;
  readonly status: 'active' | 'retired' | 'removed';
}

function changeOf(e: RecordedEvent): Change | null {
  const d = e.data as any;
  switch (e.type) {
    case 'catalog.system_registered':
    case 'catalog.system_updated':
      return { kind: 'system', id: d.system.system_id, parentId: null, snapshot: d.system, status: 'active' };
    case 'catalog.system_retired':
      return { kind: 'system', id: d.system_id, parentId: null, snapshot: null, status: 'retired' };
    case 'catalog.data_element_registered':
    case 'catalog.data_element_updated':
      return { kind: 'element', id: `${d.system_id}/${d.element.element_id}`, parentId: d.system_id, snapshot: { ...d.element, system_id: d.system_id, suggestion: d.suggestion }, status: 'active' };
    case 'catalog.data_element_removed':
      return { kind: 'element', id: `${d.system_id}/${d.element_id}`, parentId: d.system_id, snapshot: null, status: 'removed' };
    case 'catalog.activity_registered':
    case 'catalog.activity_updated':
      return { kind: 'activity', id: d.activity.activity_id, parentId: null, snapshot: d.activity, status: 'active' };
    case 'catalog.activity_retired':
      return { kind: 'activity', id: d.activity_id, parentId: null, snapshot: null, status: 'retired' };
    case 'catalog.processor_record_registered':
    case 'catalog.processor_record_updated':
      return { kind: 'processor_record', id: d.record.record_id, parentId: null, snapshot: d.record, status: 'active' };
    case 'catalog.processor_record_retired':
      return { kind: 'processor_record', id: d.record_id, parentId: null, snapshot: null, status: 'retired' };
    case 'catalog.flow_registered':
    case 'catalog.flow_updated':
      return { kind: 'flow', id: d.flow.flow_id, parentId: null, snapshot: d.flow, status: 'active' };
    case 'catalog.flow_retired':
      return { kind: 'flow', id: d.flow_id, parentId: null, snapshot: null, status: 'retired' };
    default:
      return null;
  }
}

async function replaceBases(tx: SqlExecutor, activityId: string, activity: catalog.ActivitySnapshot | null): Promise<void> {
  await tx.query('DELETE FROM activity_bases WHERE activity_id = $1', [activityId]);
  if (!activity) return;
  for (const p of activity.purposes) {
    const categories = p.categories.length ? p.categories : activity.data_categories;
    for (const c of categories) {
      await tx.query(
        `INSERT INTO activity_bases (activity_id, purpose, category, lawful_basis, basis_detail) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (activity_id, purpose, category) DO UPDATE SET lawful_basis = EXCLUDED.lawful_basis, basis_detail = EXCLUDED.basis_detail`,
        [activityId, p.purpose, c, p.lawful_basis, p.basis_detail],
      );
    }
  }
}

/** Idempotent: an event at or before an entity's last (tx, pos) is skipped; history keeps each event once. */
export async function handleCatalog(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const kept = events.filter((e) => isHistory(e.streamId));
  if (kept.length) {
    // the catalog's events as the log holds them (data as text: the fold sees the same objects), for answers as of a date
    await tx.query(
      `INSERT INTO history (tx, pos, stream_id, type, data, occurred_at)
       SELECT * FROM unnest($1::numeric[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       ON CONFLICT (tx, pos) DO NOTHING`,
      [
        kept.map((e) => e.position.tx.toString()),
        kept.map((e) => e.position.pos.toString()),
        kept.map((e) => e.streamId),
        kept.map((e) => e.type),
        kept.map((e) => JSON.stringify(e.data)),
        kept.map((e) => e.metadata.occurred_at),
      ],
    );
  }
  for (const e of events) {
    const c = changeOf(e);
    if (!c) continue;
    const at = e.metadata.occurred_at;
    const txs = e.position.tx.toString();
    const pos = e.position.pos.toString();
    const cur = await tx.query<{ snapshot: unknown; newer: boolean }>(
      'SELECT snapshot, (last_tx, last_pos) >= ($3::numeric, $4::bigint) AS newer FROM entities WHERE kind = $1 AND id = $2',
      [c.kind, c.id, txs, pos],
    );
    if (cur.rows[0]?.newer) continue;
    const snapshot = c.snapshot ?? cur.rows[0]?.snapshot;
    if (snapshot === undefined) continue;
    const json = JSON.stringify(snapshot);
    await tx.query(
      `INSERT INTO entities (kind, id, parent_id, snapshot, status, created_at, updated_at, last_tx, last_pos)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6, $7, $8)
       ON CONFLICT (kind, id) DO UPDATE SET snapshot = EXCLUDED.snapshot, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at,
         last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
      [c.kind, c.id, c.parentId, json, c.status, at, txs, pos],
    );
    if (c.kind === 'activity') await replaceBases(tx, c.id, c.status === 'active' ? (snapshot as catalog.ActivitySnapshot) : null);
  }
}
