import { categoryCovers } from '../catalog/taxonomy';
import type { LawfulBasis } from '../law/lawful-bases';
import type { SystemHolding } from './erasure-analysis';
import type { Integration } from './events';

/** A processing receipt as the rights context reads it (`catalog.processing_recorded`). */
export interface ReceiptView {
  readonly system_id: string;
  readonly category: string;
  readonly purpose: string;
  readonly stored_at: string;
}

/** What holdings need of a processing activity: where it runs and the basis of each purpose. */
export interface DeclaringActivity {
  readonly systems: readonly string[];
  readonly purposes: ReadonlyArray<{ readonly purpose: string; readonly lawful_basis: LawfulBasis; readonly categories: readonly string[] }>;
}

/**
 * Systems holding the subject's data: every (system, category, purpose) of the receipts, with the
 * lawful basis the activity declares for that purpose in that system (consent when none is declared:
 * deny-by-default means undeclared processing can only rest on the subject's consent).
 */
export function holdingsFrom(receipts: readonly ReceiptView[], activities: readonly DeclaringActivity[], integrationOf: (systemId: string) => Integration): SystemHolding[] {
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
      .find((p) => p.purpose === r.purpose && (!p.categories.length || p.categories.some((c) => categoryCovers(c, r.category))));
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
