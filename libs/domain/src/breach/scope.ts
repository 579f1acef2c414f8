/**
 * Scoping a breach: which subjects, categories and jurisdictions the affected systems held during the
 * breach window, from processing receipts and the catalog as it stood at the time of the breach.
 * Pure: the adapter (apps/api/src/breach) gathers the inputs.
 */
export interface ScopeReceipt {
  /** Pseudonymous subject key. */
  readonly subject_key: string;
  readonly system: string;
  readonly category: string;
  readonly at: string;
}

/** The catalog as of the breach: for each system, its data categories and which are special. */
export interface CatalogSnapshot {
  readonly as_of: string;
  readonly systems: ReadonlyArray<{
    readonly system: string;
    readonly categories: ReadonlyArray<{ readonly category: string; readonly special: boolean }>;
  }>;
}

export interface BreachScope {
  readonly systems: string[];
  readonly window_from: string;
  readonly window_to: string;
  readonly catalog_as_of: string;
  readonly categories: string[];
  readonly special_categories: string[];
  readonly subjects_count: number;
  /** Receipts in the window (each a record of a category of a subject stored by a system). */
  readonly records_count: number;
  readonly subject_jurisdictions: Record<string, number>;
  readonly subjects_without_jurisdiction: number;
}

export interface ScopeInput {
  readonly systems: readonly string[];
  readonly window_from: string;
  readonly window_to: string;
  readonly receipts: readonly ScopeReceipt[];
  readonly catalog: CatalogSnapshot;
  /** Jurisdiction of residence per subject key, where known. */
  readonly jurisdictions: Readonly<Record<string, string>>;
}

export function computeScope(input: ScopeInput): BreachScope {
  const systems = new Set(input.systems);
  const from = Date.parse(input.window_from);
  const to = Date.parse(input.window_to);
  const receipts = input.receipts.filter((r) => systems.has(r.system) && Date.parse(r.at) >= from && Date.parse(r.at) <= to);
  const special = new Set<string>();
  const categories = new Set<string>();
  for (const s of input.catalog.systems) {
    if (!systems.has(s.system)) continue;
    for (const c of s.categories) {
      categories.add(c.category);
      if (c.special) special.add(c.category);
    }
  }
  for (const r of receipts) categories.add(r.category);
  const subjects = new Set(receipts.map((r) => r.subject_key));
  const perJurisdiction: Record<string, number> = {};
  let unknown = 0;
  for (const s of subjects) {
    const j = input.jurisdictions[s];
    if (j) perJurisdiction[j] = (perJurisdiction[j] ?? 0) + 1;
    else unknown += 1;
  }
  return {
    systems: [...systems].sort(),
    window_from: input.window_from,
    window_to: input.window_to,
    catalog_as_of: input.catalog.as_of,
    categories: [...categories].sort(),
    special_categories: [...special].sort(),
    subjects_count: subjects.size,
    records_count: receipts.length,
    subject_jurisdictions: Object.fromEntries(Object.entries(perJurisdiction).sort(([a], [b]) => a.localeCompare(b))),
    subjects_without_jurisdiction: unknown,
  };
}
