import { LOG_START, type RecordedEvent } from '@pl/domain';
import type { CatalogSnapshot, ScopeReceipt } from '@pl/domain/breach';
import { readCheckpoint, waitForCheckpoint } from '@pl/application';
import type { EventStore, SqlDatabase } from '@pl/eventstore';
import { CATALOG_PROJECTION, catalogSnapshotAsOf, entities } from '@pl/projections/catalog';
import { DATA_MAP_PROJECTION, receiptsInWindow } from '@pl/projections/data_map';

/**
 * What breach management needs from the catalog: which systems exist, what they held as of a date,
 * the processing receipts of a window, and where subjects live. A port, so the catalog's read models
 * can replace the log-based adapter below without touching the breach code.
 */
export interface BreachCatalogPort {
  /** Of `systemIds`, those registered and not retired in the catalog at `asOf`. */
  knownSystems(systemIds: readonly string[], asOf: Date): Promise<string[]>;
  /** The data categories of the systems as the catalog stood at `asOf` (Art. 30 records as of a date). */
  snapshot(systemIds: readonly string[], asOf: Date): Promise<CatalogSnapshot>;
  /** Processing receipts of these systems in [from, to]; null when no receipt source is wired. */
  receipts(systemIds: readonly string[], from: Date, to: Date): Promise<ScopeReceipt[] | null>;
  /** Jurisdiction of residence per pseudonymous subject key, where known. */
  jurisdictions(subjectKeys: readonly string[]): Promise<Record<string, string>>;
}

export const BREACH_CATALOG = Symbol('BREACH_CATALOG');

/** Catalog system stream (libs/domain/src/catalog/system.ts). */
const systemStream = (id: string) => `catalog-system-${id}`;

interface ElementData {
  element_id: string;
  category: string | null;
  special?: { gdpr_art9?: boolean; gdpr_art10?: boolean; cpra_sensitive?: boolean };
}

/**
 * Folds a catalog system stream up to `asOf` (by the events' occurred_at): changes made after the
 * breach do not change what the system held at the time. Reads the catalog's events structurally.
 */
export function systemAsOf(events: readonly RecordedEvent[], asOf: Date): { active: boolean; elements: Map<string, ElementData> } {
  let active = false;
  const elements = new Map<string, ElementData>();
  const limit = asOf.getTime();
  for (const e of events) {
    if (Date.parse(e.metadata.occurred_at) > limit) continue;
    const d = e.data as any;
    switch (e.type) {
      case 'catalog.system_registered':
        active = true;
        break;
      case 'catalog.system_retired':
        active = false;
        break;
      case 'catalog.data_element_registered':
      case 'catalog.data_element_updated':
        if (d?.element?.element_id) elements.set(d.element.element_id, d.element);
        break;
      case 'catalog.data_element_removed':
        elements.delete(d?.element_id);
        break;
    }
  }
  return { active, elements };
}

export type ReceiptSource = (systemIds: readonly string[], from: Date, to: Date) => Promise<ScopeReceipt[]>;

export class EventLogBreachCatalog implements BreachCatalogPort {
  constructor(
    private readonly store: EventStore,
    private readonly receiptSource: ReceiptSource | null = null,
    private readonly jurisdictionSource: ((keys: readonly string[]) => Promise<Record<string, string>>) | null = null,
  ) {}

  async knownSystems(systemIds: readonly string[], asOf: Date): Promise<string[]> {
    const out: string[] = [];
    for (const id of systemIds) {
      const { events } = await this.store.readStream(systemStream(id));
      if (systemAsOf(events, asOf).active) out.push(id);
    }
    return out;
  }

  async snapshot(systemIds: readonly string[], asOf: Date): Promise<CatalogSnapshot> {
    const systems = [];
    for (const id of systemIds) {
      const { events } = await this.store.readStream(systemStream(id));
      const s = systemAsOf(events, asOf);
      const byCategory = new Map<string, boolean>();
      for (const el of s.elements.values()) {
        if (!el.category) continue;
        const special = !!(el.special?.gdpr_art9 || el.special?.gdpr_art10);
        byCategory.set(el.category, (byCategory.get(el.category) ?? false) || special);
      }
      systems.push({ system: id, categories: [...byCategory].map(([category, sp]) => ({ category, special: sp })) });
    }
    return { as_of: asOf.toISOString(), systems };
  }

  receipts(systemIds: readonly string[], from: Date, to: Date): Promise<ScopeReceipt[] | null> {
    return this.receiptSource ? this.receiptSource(systemIds, from, to) : Promise.resolve(null);
  }

  jurisdictions(keys: readonly string[]): Promise<Record<string, string>> {
    return this.jurisdictionSource ? this.jurisdictionSource(keys) : Promise.resolve({});
  }
}

/**
 * Receipts straight from the log (`catalog.processing_recorded`, libs/domain/src/catalog/receipts.ts),
 * for deployments without the data-map read model. Scans every receipt: scoping is rare, the scan is bounded by the log.
 */
export function logReceiptSource(store: EventStore, pageSize = 5000): ReceiptSource {
  return async (systemIds, from, to) => {
    const systems = new Set(systemIds);
    const lo = from.getTime();
    const hi = to.getTime();
    const out: ScopeReceipt[] = [];
    let position = LOG_START;
    for (;;) {
      const batch = await store.readAll(position, { maxCount: pageSize, typePrefixes: ['catalog.processing_recorded'] });
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
  };
}

/**
 * The catalog's read models (rm_catalog versions for as-of, rm_data_map receipts) when their
 * projections run in this deployment; otherwise the log-based adapter. Before reading, waits until
 * the read model has caught up with the log's head (read your writes across contexts).
 */
export class ReadModelBreachCatalog implements BreachCatalogPort {
  constructor(
    private readonly db: SqlDatabase,
    private readonly store: EventStore,
    private readonly fallback: BreachCatalogPort,
    private readonly catchUpTimeoutMs = 5000,
  ) {}

  private async live(projection: string): Promise<boolean> {
    if (!(await readCheckpoint(this.db, projection).catch(() => null))) return false;
    await waitForCheckpoint(this.db, projection, await this.store.headPosition(), this.catchUpTimeoutMs);
    return true;
  }

  async knownSystems(systemIds: readonly string[], asOf: Date): Promise<string[]> {
    if (!(await this.live(CATALOG_PROJECTION))) return this.fallback.knownSystems(systemIds, asOf);
    const active = new Set((await entities(this.db, 'system', { asOf })).map((e) => e.id));
    return systemIds.filter((id) => active.has(id));
  }

  async snapshot(systemIds: readonly string[], asOf: Date): Promise<CatalogSnapshot> {
    if (!(await this.live(CATALOG_PROJECTION))) return this.fallback.snapshot(systemIds, asOf);
    const snap = await catalogSnapshotAsOf(this.db, asOf);
    const wanted = new Set(systemIds);
    return { as_of: snap.as_of, systems: snap.systems.filter((s) => wanted.has(s.system)) };
  }

  async receipts(systemIds: readonly string[], from: Date, to: Date): Promise<ScopeReceipt[] | null> {
    if (!(await this.live(DATA_MAP_PROJECTION))) return this.fallback.receipts(systemIds, from, to);
    return (await receiptsInWindow(this.db, systemIds, from, to)).map(({ subject_key, system, category, at }) => ({ subject_key, system, category, at }));
  }

  jurisdictions(subjectKeys: readonly string[]): Promise<Record<string, string>> {
    return this.fallback.jurisdictions(subjectKeys);
  }
}
