import { catalog, type RecordedEvent } from '@pl/domain';
import type { CatalogSnapshot, ScopeReceipt } from '@pl/domain/breach';
import { art19Recipients, holdingsFrom, type Integration, type ReceiptView, type SystemHolding } from '@pl/domain/rights';
import { readCheckpoint, waitForCheckpoint, type ActivityView, type CatalogQueries } from '@pl/application';
import type { EventStore, SqlDatabase, SqlExecutor } from '@pl/eventstore';
import { DATA_MAP_PROJECTION, receiptsInWindow as dataMapReceipts } from '@pl/projections/data_map';
import { catalogFromHistory, catalogFromLog, ropaOf, systemAt } from './from-log';
import { declaredBases, entities, entity, ropa as currentRopa } from './queries';
import { CATALOG_PROJECTION } from './schema';

/** How a system receives tasks: its webhook, Kafka when a broker is configured, else a manual task for a human. */
export type IntegrationOf = (systemId: string) => Integration | Promise<Integration>;

/** Webhook when the system has an active endpoint (libs/messaging webhooks), else Kafka if configured, else manual. */
export function integrationResolver(db: SqlExecutor | null, kafkaConfigured: boolean): IntegrationOf {
  return async (systemId) => {
    if (db) {
      const hooked = await db
        .query('SELECT 1 FROM webhook_endpoints WHERE active AND system_id = $1 LIMIT 1', [systemId])
        .then((r) => r.rows.length > 0)
        .catch(() => false);
      if (hooked) return 'webhook';
    }
    return kafkaConfigured ? 'kafka' : 'manual';
  };
}

export interface CatalogQueryOptions {
  readonly integrationOf: IntegrationOf;
  /** Bound on waiting for the data-map read model to reach the log's head before a window of receipts is read. */
  readonly catchUpTimeoutMs?: number;
  /** How long validate's hot path keeps a declared-bases answer (catalog changes apply within it). */
  readonly basesCacheMs?: number;
}

export const activityView = (a: catalog.ActivitySnapshot): ActivityView => ({
  activity_id: a.activity_id,
  name: a.name,
  controller: a.controller ?? null,
  purposes: (a.purposes ?? []).map((p) => ({ purpose: p.purpose, lawful_basis: p.lawful_basis, categories: p.categories ?? [] })),
  data_categories: a.data_categories ?? [],
  recipients: a.recipients ?? [],
  transfers: a.transfers ?? [],
  retention: a.retention ?? [],
  systems: a.systems ?? [],
  automated_decision: !!a.risk?.automated_decision_legal_effect,
});

/** Each active system's data categories, from its elements and the activities running on it, special ones flagged. */
export function systemCategories(at: Date, systems: readonly catalog.SystemState[], activities: readonly catalog.ActivitySnapshot[]): CatalogSnapshot {
  return {
    as_of: at.toISOString(),
    systems: systems
      .filter((s): s is Extract<catalog.SystemState, { status: 'active' }> => s.status === 'active')
      .map(({ entity: { system_id: id }, elements }) => {
        const cats = new Map<string, boolean>();
        for (const e of Object.values(elements) as catalog.DataElementSnapshot[]) if (e.category) cats.set(e.category, (cats.get(e.category) ?? false) || catalog.isSpecial(e.special));
        for (const a of activities) {
          if (!a.systems.includes(id)) continue;
          for (const k of a.data_categories) cats.set(k, (cats.get(k) ?? false) || catalog.isSpecial(catalog.specialFlagsOf(k)));
        }
        return { system: id, categories: [...cats].sort(([a], [b]) => a.localeCompare(b)).map(([category, special]) => ({ category, special })) };
      }),
  };
}

/**
 * Receipts straight from the log (`catalog.processing_recorded`), for deployments where the data-map
 * projection does not run. Scans every receipt: scoping is rare, the scan is bounded by the log.
 */
async function logReceipts(store: EventStore, systemIds: readonly string[], from: Date, to: Date, pageSize = 5000): Promise<ScopeReceipt[]> {
  const systems = new Set(systemIds);
  const lo = from.getTime();
  const hi = to.getTime();
  const out: ScopeReceipt[] = [];
  let position: RecordedEvent['position'] | undefined;
  for (;;) {
    const batch = await store.readAll(position ?? { tx: -1n, pos: -1n }, { maxCount: pageSize, typePrefixes: ['catalog.processing_recorded'] });
    if (!batch.length) break;
    position = batch[batch.length - 1].position;
    for (const e of batch) {
      const d = e.data as { subject_key?: string; system_id?: string; category?: string; stored_at?: string };
      if (!d.subject_key || !d.system_id || !d.category || !d.stored_at || !systems.has(d.system_id)) continue;
      const t = Date.parse(d.stored_at);
      if (t >= lo && t <= hi) out.push({ subject_key: d.subject_key, system: d.system_id, category: d.category, at: d.stored_at });
    }
  }
  return out;
}

/**
 * The catalog query port over the catalog (rm_catalog) and data-map (rm_data_map) read models where
 * their projections run in this deployment (a checkpoint exists), else folded from the log; answers
 * as of a date are folded with the catalog deciders' own `evolve` from the catalog's events (kept in
 * rm_catalog.history up to the projection's checkpoint, and the log's after it), exact whatever the lag.
 */
export class CatalogReadModels implements CatalogQueries {
  private readonly live = new Set<string>();
  private readonly bases = new Map<string, { bases: Promise<string[]>; until: number }>();

  constructor(
    private readonly store: EventStore,
    private readonly db: SqlDatabase,
    private readonly options: CatalogQueryOptions,
  ) {}

  /** Whether a projection runs (has ever checkpointed) here; once it has, it stays so. */
  private async runs(projection: string): Promise<boolean> {
    if (this.live.has(projection)) return true;
    if (!(await readCheckpoint(this.db, projection).catch(() => null))) return false;
    this.live.add(projection);
    return true;
  }

  /** From the read model's history up to its checkpoint and the log after it where the catalog projection runs, else from the log. */
  async catalogAt(at: Date): Promise<catalog.CatalogAt> {
    const cp = await readCheckpoint(this.db, CATALOG_PROJECTION).catch(() => null);
    return cp ? catalogFromHistory(this.db, this.store, cp.position, at) : catalogFromLog(this.store, at);
  }

  async activities(asOf?: Date): Promise<ActivityView[]> {
    if (!asOf && (await this.runs(CATALOG_PROJECTION))) return (await entities<catalog.ActivitySnapshot>(this.db, 'activity')).map((row) => activityView(row.snapshot));
    return (await this.catalogAt(asOf ?? new Date())).activities.map(activityView);
  }

  async ropa(view: 'controller' | 'processor', at?: Date) {
    if (!at && (await this.runs(CATALOG_PROJECTION))) return currentRopa(this.db, view, new Date());
    return ropaOf(await this.catalogAt(at ?? new Date()), view);
  }

  async knownSystems(systemIds: readonly string[], asOf: Date): Promise<string[]> {
    const out: string[] = [];
    for (const id of systemIds) if ((await systemAt(this.store, id, asOf)).status === 'active') out.push(id);
    return out;
  }

  /** Systems from their own streams (exact and cheap), the activities running on them from the log. */
  async snapshot(systemIds: readonly string[], asOf: Date): Promise<CatalogSnapshot> {
    const [systems, c] = await Promise.all([Promise.all(systemIds.map((id) => systemAt(this.store, id, asOf))), this.catalogAt(asOf)]);
    return systemCategories(asOf, systems, c.activities);
  }

  async receipts(subjectKey: string): Promise<ReceiptView[]> {
    const { events } = await this.store.readStream(catalog.receiptsStream(subjectKey));
    return events
      .filter((e) => e.type === 'catalog.processing_recorded')
      .map((e) => ({ system_id: e.data.system_id, category: e.data.category, purpose: e.data.purpose, stored_at: e.data.stored_at }));
  }

  async holdings(subjectKey: string, current?: readonly ActivityView[]): Promise<SystemHolding[]> {
    const [receipts, activities] = await Promise.all([this.receipts(subjectKey), current ?? this.activities()]);
    const ids = [...new Set(receipts.map((r) => r.system_id))];
    const integrations = new Map<string, Integration>(await Promise.all(ids.map(async (id) => [id, await this.options.integrationOf(id)] as const)));
    return holdingsFrom(receipts, activities, (id) => integrations.get(id) ?? 'manual');
  }

  async recipients(affected: ReadonlyArray<{ readonly system_id: string; readonly categories: readonly string[] }>, current?: readonly ActivityView[]): Promise<string[]> {
    const changed = affected.filter((a) => a.categories.length);
    if (!changed.length) return [];
    const ids = [...new Set(changed.map((a) => a.system_id))];
    const [recipients, activities] = await Promise.all([Promise.all(ids.map((id) => this.systemRecipients(id))), current ?? this.activities()]);
    return art19Recipients(changed, { systemRecipients: new Map(ids.map((id, i) => [id, recipients[i]])), activities });
  }

  private async systemRecipients(systemId: string): Promise<readonly string[]> {
    if (await this.runs(CATALOG_PROJECTION)) return (await entity<catalog.SystemSnapshot>(this.db, 'system', systemId))?.snapshot?.recipients ?? [];
    const s = await systemAt(this.store, systemId, new Date());
    return s.status === 'none' ? [] : s.entity.recipients;
  }

  async receiptsInWindow(systemIds: readonly string[], from: Date, to: Date): Promise<ScopeReceipt[]> {
    if (!(await this.runs(DATA_MAP_PROJECTION))) return logReceipts(this.store, systemIds, from, to);
    // read your writes across contexts: the receipts appended before this call are in the window
    await waitForCheckpoint(this.db, DATA_MAP_PROJECTION, await this.store.headPosition(), this.options.catchUpTimeoutMs ?? 5000);
    return (await dataMapReceipts(this.db, systemIds, from, to)).map(({ subject_key, system, category, at }) => ({ subject_key, system, category, at }));
  }

  async jurisdictions(): Promise<Record<string, string>> {
    return {};
  }

  /** The catalog read model only (no worker yet: nothing declared, deny by default, invariant 8); cached for `basesCacheMs`. */
  declaredBases(purpose: string, category: string): Promise<string[]> {
    const key = `${purpose}|${category}`;
    const now = Date.now();
    const hit = this.bases.get(key);
    if (hit && hit.until > now) return hit.bases;
    const bases = this.declaredBasesUncached(purpose, category).catch((e) => {
      this.bases.delete(key);
      throw e;
    });
    if (this.bases.size > 10_000) this.bases.clear();
    this.bases.set(key, { bases, until: now + (this.options.basesCacheMs ?? 1000) });
    return bases;
  }

  private async declaredBasesUncached(purpose: string, category: string): Promise<string[]> {
    try {
      return [...new Set((await declaredBases(this.db, purpose, category)).map((b) => b.lawful_basis))];
    } catch (e) {
      if ((e as { code?: string }).code === '42P01') return [];
      throw e;
    }
  }
}
