import { categoryCovers, purposeCovers } from '@pl/domain/catalog/taxonomy';

/**
 * The lawful bases the ledger's catalog declares per purpose and category, for local mode.
 *
 * The server's validate passes to `evaluate` the non-consent bases that current processing
 * activities declare for the asked purpose and category (projections/catalog `declaredBases`: an
 * activity's purpose and category cover their sub-purposes and sub-categories). Local mode must give
 * the same answer, so it holds the same table, built from `GET /consent/declared-bases` (per current
 * activity: its categories and each purpose's basis, nothing else of the catalog; scope `consent:read`)
 * with the same coverage rule, and refreshed periodically.
 */

/** The part of a processing activity that declares lawful bases (`GET /consent/declared-bases`). */
export interface ActivityBases {
  readonly activity_id: string;
  readonly data_categories: readonly string[];
  readonly purposes: ReadonlyArray<{ readonly purpose: string; readonly lawful_basis: string; readonly categories?: readonly string[] | null }>;
}

interface Row {
  readonly purpose: string;
  readonly category: string;
  readonly basis: string;
}


/** (purpose, category, basis) rows of the catalog, answering like the server's lookup. */
export class DeclaredBasesTable {
  private readonly rows: readonly Row[];
  private readonly memo = new Map<string, readonly string[]>();
  /** Identifies the content, to tell whether a refresh changed anything. */
  readonly fingerprint: string;

  constructor(activities: readonly ActivityBases[]) {
    const rows = new Map<string, Row>();
    for (const a of activities) {
      for (const p of a.purposes ?? []) {
        if (p.lawful_basis === 'consent') continue; // consent needs the subject's own grant, never the catalog
        const categories = p.categories?.length ? p.categories : a.data_categories ?? [];
        // one basis per (activity, purpose, category), like the read model's primary key: the last one wins
        for (const c of categories) rows.set(`${a.activity_id}|${p.purpose}|${c}`, { purpose: p.purpose, category: c, basis: p.lawful_basis });
      }
    }
    this.rows = [...rows.values()];
    this.fingerprint = [...rows].map(([k, r]) => `${k}=${r.basis}`).sort().join('\n');
  }

  static readonly empty = new DeclaredBasesTable([]);

  get size(): number {
    return this.rows.length;
  }

  /** The distinct non-consent bases declared for `purpose` and `category` (taxonomy keys, already resolved). */
  basesFor(purpose: string, category: string): readonly string[] {
    const key = `${purpose}|${category}`;
    let hit = this.memo.get(key);
    if (!hit) {
      hit = [...new Set(this.rows.filter((r) => purposeCovers(r.purpose, purpose) && categoryCovers(r.category, category)).map((r) => r.basis))].sort();
      if (this.memo.size > 10_000) this.memo.clear();
      this.memo.set(key, hit);
    }
    return hit;
  }
}

export interface CatalogSourceOptions {
  /** The ledger's API, e.g. `https://ledger.internal`. */
  readonly baseUrl: string;
  /** An API key with scope `consent:read`. */
  readonly apiKey: string;
  /** How often the table is fetched again (ms). Default 60 000; catalog changes apply within it. */
  readonly refreshMs?: number;
  /** Per-request timeout (ms). Default 10 000. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Fetches the current activities and builds the table. Throws on any non-2xx answer (never guesses). */
export async function fetchDeclaredBases(options: CatalogSourceOptions): Promise<DeclaredBasesTable> {
  const f = options.fetch ?? fetch;
  const res = await f(`${options.baseUrl.replace(/\/+$/, '')}/consent/declared-bases`, {
    headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  if (!res.ok) throw new Error(`catalog fetch failed: GET /consent/declared-bases answered ${res.status}`);
  const body = (await res.json()) as { activities?: unknown };
  if (!Array.isArray(body.activities)) throw new Error('catalog fetch failed: no activities list in the answer');
  return new DeclaredBasesTable(body.activities as ActivityBases[]);
}
