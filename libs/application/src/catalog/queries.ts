import type { catalog } from '@pl/domain';
import type { CatalogSnapshot, ScopeReceipt } from '@pl/domain/breach';
import type { LawfulBasis } from '@pl/domain/law/lawful-bases';
import type { ReceiptView, SystemHolding } from '@pl/domain/rights';

export type { ReceiptView } from '@pl/domain/rights';

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

/**
 * The one way other contexts ask the catalog (issue 14, defect 6): rights (holdings, bases,
 * recipients), breach (systems and categories as of awareness, receipts of a window) and consent
 * (declared lawful bases). Current answers come from the catalog and data-map read models; answers
 * `asOf` a date are folded from the log with the catalog deciders' own `evolve`, so they are exact
 * whatever the read models' lag. Pseudonymous subject keys only.
 */
export interface CatalogQueries {
  /** Current processing activities, or those active at `asOf`. */
  activities(asOf?: Date): Promise<ActivityView[]>;
  /** The whole catalog as it stood at `at` (from the log). */
  catalogAt(at: Date): Promise<catalog.CatalogAt>;
  /** Article 30 records: current without `at` (read model), else as they stood at `at` (log). */
  ropa(view: 'controller' | 'processor', at?: Date): Promise<catalog.ControllerRecord[] | catalog.ProcessorRecordRow[]>;
  /** Of `systemIds`, those registered and not retired at `asOf`. */
  knownSystems(systemIds: readonly string[], asOf: Date): Promise<string[]>;
  /** The data categories of the systems (from their elements and activities) as the catalog stood at `asOf`. */
  snapshot(systemIds: readonly string[], asOf: Date): Promise<CatalogSnapshot>;
  /** The subject's processing receipts, from its own stream (read your writes). */
  receipts(subjectKey: string): Promise<ReceiptView[]>;
  /**
   * Systems holding the subject's data with categories and bases (input of fan-out and erasure
   * analysis). `activities`: the current ones when the caller already has them (one fold of the
   * catalog for several questions of one decision).
   */
  holdings(subjectKey: string, activities?: readonly ActivityView[]): Promise<SystemHolding[]>;
  /** Art. 19: recipients of the data a request changes, per system and the categories acted on there (`activities` as for `holdings`). */
  recipients(affected: ReadonlyArray<{ readonly system_id: string; readonly categories: readonly string[] }>, activities?: readonly ActivityView[]): Promise<string[]>;
  /** Processing receipts of these systems stored in [from, to] (breach scoping). */
  receiptsInWindow(systemIds: readonly string[], from: Date, to: Date): Promise<ScopeReceipt[]>;
  /** Jurisdiction of residence per pseudonymous subject key, where known (none recorded yet: empty). */
  jurisdictions(subjectKeys: readonly string[]): Promise<Record<string, string>>;
  /** Non-consent lawful bases current activities declare for `purpose` covering `category` (validate's hot path: cached briefly). */
  declaredBases(purpose: string, category: string): Promise<string[]>;
}
