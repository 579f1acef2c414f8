import type { SqlExecutor } from '@pl/eventstore';
import { declaredBases } from '@pl/projections/catalog';

/**
 * Which lawful bases the catalog declares for a purpose and category (a processing activity's
 * purpose/basis pairs). A port, so validate can run before and after the catalog read model exists.
 */
export interface LawfulBasisLookup {
  declaredBases(purpose: string, category: string): Promise<string[]>;
}

export const CONSENT_BASES_LOOKUP = Symbol('CONSENT_BASES_LOOKUP');

/** Nothing declared: deny by default (invariant 8). */
export const noDeclaredBases: LawfulBasisLookup = { declaredBases: async () => [] };

/** Caches answers briefly: the hot path must not query the catalog on every call; catalog changes apply within `ttlMs`. */
export class CachedLawfulBasisLookup implements LawfulBasisLookup {
  private readonly cache = new Map<string, { bases: Promise<string[]>; until: number }>();

  constructor(
    private readonly inner: LawfulBasisLookup,
    private readonly ttlMs = 1000,
  ) {}

  declaredBases(purpose: string, category: string): Promise<string[]> {
    const key = `${purpose}|${category}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.bases;
    const bases = this.inner.declaredBases(purpose, category).catch((e) => {
      this.cache.delete(key);
      throw e;
    });
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { bases, until: now + this.ttlMs });
    return bases;
  }
}

/**
 * The catalog read model (rm_catalog.activity_bases): an activity's purpose and category cover the
 * asked ones. No catalog read model yet (fresh install, worker not started): nothing declared.
 */
export class CatalogLawfulBasisLookup implements LawfulBasisLookup {
  constructor(private readonly db: SqlExecutor) {}

  async declaredBases(purpose: string, category: string): Promise<string[]> {
    try {
      return [...new Set((await declaredBases(this.db, purpose, category)).map((b) => b.lawful_basis))];
    } catch (e) {
      if ((e as { code?: string }).code === '42P01') return [];
      throw e;
    }
  }
}
