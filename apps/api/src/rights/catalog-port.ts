import type { catalog, RecordedEvent } from '@pl/domain';
import type { LawfulBasis } from '@pl/domain/law/lawful-bases';
import { art19Recipients, type Integration, type SystemHolding } from '@pl/domain/rights';
import type { EventStore, SqlExecutor } from '@pl/eventstore';
import { entities, entity } from '@pl/projections/catalog';

/** A processing activity as the access report and the erasure analysis need it (Art. 30(1) fields). */
export interface ActivityView {
  readonly activity_id: string;
  readonly name: string;
  readonly controller: Pick<catalog.ControllerParty, 'name' | 'contact' | 'establishment' | 'retention_obligations'> | null;
  readonly purposes: ReadonlyArray<{ purpose: string; lawful_basis: LawfulBasis; categories: readonly string[] }>;
  readonly data_categories: readonly string[];
  readonly recipients: readonly string[];
  readonly transfers: ReadonlyArray<{ country: string; recipient: string; safeguard: string | null }>;
  readonly retention: ReadonlyArray<{ category: string | null; period: string; reason: string | null }>;
  readonly systems: readonly string[];
  readonly automated_decision: boolean;
}

export interface ReceiptView {
  readonly system_id: string;
  readonly category: string;
  readonly purpose: string;
  readonly stored_at: string;
}

/**
 * What data-subject rights need from the catalog: which systems hold the subject's data (processing
 * receipts), on which basis (activities), and how to reach each system. A port: the catalog's read
 * models (data map) can replace the log-based adapter without touching the rights code.
 */
export interface RightsCatalogPort {
  receipts(subjectKey: string): Promise<ReceiptView[]>;
  activities(): Promise<ActivityView[]>;
  /** Systems holding the subject's data with categories and bases (input of fan-out and erasure analysis). */
  holdings(subjectKey: string): Promise<SystemHolding[]>;
  /** Art. 19: recipients of the data a request changes, per system and the categories acted on there. */
  recipients(affected: ReadonlyArray<{ readonly system_id: string; readonly categories: readonly string[] }>): Promise<string[]>;
}

export const RIGHTS_CATALOG = Symbol('RIGHTS_CATALOG');

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

const activityView = (a: any): ActivityView => ({
  activity_id: a.activity_id,
  name: a.name,
  controller: a.controller ?? null,
  purposes: (a.purposes ?? []).map((p: any) => ({ purpose: p.purpose, lawful_basis: p.lawful_basis, categories: p.categories ?? [] })),
  data_categories: a.data_categories ?? [],
  recipients: a.recipients ?? [],
  transfers: a.transfers ?? [],
  retention: a.retention ?? [],
  systems: a.systems ?? [],
  automated_decision: !!a.risk?.automated_decision_legal_effect,
});

const foldActivities = (events: readonly RecordedEvent[]): ActivityView[] => {
  const byId = new Map<string, ActivityView | null>();
  for (const e of events) {
    const d = e.data as any;
    if (e.type === 'catalog.activity_registered' || e.type === 'catalog.activity_updated') {
      const a = d?.activity;
      if (!a?.activity_id) continue;
      byId.set(a.activity_id, activityView(a));
    } else if (e.type === 'catalog.activity_retired') {
      byId.set(d?.activity_id, null);
    }
  }
  return [...byId.values()].filter((a): a is ActivityView => a !== null);
};

/**
 * Receipts come from the subject's own stream (exact, read-your-writes, O(the subject's receipts));
 * activities and systems from the catalog read model (rm_catalog) when a database is given, else
 * by folding the catalog's events from the log.
 */
export class EventLogRightsCatalog implements RightsCatalogPort {
  constructor(
    private readonly store: EventStore,
    private readonly integrationOf: IntegrationOf,
    private readonly db: SqlExecutor | null = null,
  ) {}

  async receipts(subjectKey: string): Promise<ReceiptView[]> {
    const { events } = await this.store.readStream(`receipts-${subjectKey}`);
    return events
      .filter((e) => e.type === 'catalog.processing_recorded')
      .map((e) => ({ system_id: e.data.system_id, category: e.data.category, purpose: e.data.purpose, stored_at: e.data.stored_at }));
  }

  async activities(): Promise<ActivityView[]> {
    if (this.db) return (await entities<any>(this.db, 'activity')).map((row) => activityView(row.snapshot));
    const events: RecordedEvent[] = [];
    let after = undefined as RecordedEvent['position'] | undefined;
    for (;;) {
      const batch = await this.store.readAll(after ?? { tx: -1n, pos: -1n }, { typePrefixes: ['catalog.activity_'], maxCount: 5000 });
      if (!batch.length) break;
      events.push(...batch);
      after = batch[batch.length - 1].position;
      if (batch.length < 5000) break;
    }
    return foldActivities(events);
  }

  async holdings(subjectKey: string): Promise<SystemHolding[]> {
    const [receipts, activities] = await Promise.all([this.receipts(subjectKey), this.activities()]);
    const integrations = new Map<string, Integration>();
    for (const id of new Set(receipts.map((r) => r.system_id))) integrations.set(id, await this.integrationOf(id));
    return holdingsFrom(receipts, activities, (id) => integrations.get(id) ?? 'manual');
  }

  async recipients(affected: ReadonlyArray<{ readonly system_id: string; readonly categories: readonly string[] }>): Promise<string[]> {
    const changed = affected.filter((a) => a.categories.length);
    if (!changed.length) return [];
    const systemRecipients = new Map<string, readonly string[]>();
    for (const id of new Set(changed.map((a) => a.system_id))) systemRecipients.set(id, await this.systemRecipients(id));
    return art19Recipients(changed, { systemRecipients, activities: await this.activities() });
  }

  private async systemRecipients(systemId: string): Promise<string[]> {
    if (this.db) return (await entity<any>(this.db, 'system', systemId))?.snapshot?.recipients ?? [];
    const { events } = await this.store.readStream(`catalog-system-${systemId}`);
    let current: string[] = [];
    for (const e of events) {
      if (e.type === 'catalog.system_registered' || e.type === 'catalog.system_updated') current = (e.data as any)?.system?.recipients ?? [];
    }
    return current;
  }
}

/**
 * Systems holding the subject's data: every (system, category, purpose) of the receipts, with the
 * lawful basis the activity declares for that purpose in that system (consent when none is declared:
 * deny-by-default means undeclared processing can only rest on the subject's consent).
 */
export function holdingsFrom(receipts: readonly ReceiptView[], activities: readonly ActivityView[], integrationOf: (systemId: string) => Integration): SystemHolding[] {
  const systems = new Map<string, Map<string, Map<string, LawfulBasis>>>();
  const lastStored = new Map<string, string>();
  for (const r of receipts) {
    const key = `${r.system_id}\u0000${r.category}`;
    if (!lastStored.has(key) || Date.parse(r.stored_at) > Date.parse(lastStored.get(key)!)) lastStored.set(key, r.stored_at);
    const cats = systems.get(r.system_id) ?? new Map<string, Map<string, LawfulBasis>>();
    systems.set(r.system_id, cats);
    const purposes = cats.get(r.category) ?? new Map<string, LawfulBasis>();
    cats.set(r.category, purposes);
    const declared = activities
      .filter((a) => a.systems.includes(r.system_id))
      .flatMap((a) => a.purposes)
      .find((p) => p.purpose === r.purpose && (!p.categories.length || p.categories.some((c) => r.category === c || r.category.startsWith(`${c}.`))));
    purposes.set(r.purpose, declared?.lawful_basis ?? 'consent');
  }
  return [...systems.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([system_id, cats]) => ({
      system_id,
      integration: integrationOf(system_id),
      categories: [...cats.entries()].map(([category, purposes]) => ({
        category,
        purposes: [...purposes.entries()].map(([purpose, lawful_basis]) => ({ purpose, lawful_basis })),
        last_stored_at: lastStored.get(`${system_id}\u0000${category}`) ?? null,
      })),
    }));
}
