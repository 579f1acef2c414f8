import type { RecordedEvent } from '@pl/domain';
import type { CatalogSnapshot, ScopeReceipt } from '@pl/domain/breach';
import type { EventStore } from '@pl/eventstore';

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
    if (Date.parse(e.metadata.occurred_at) > limit) break;
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
