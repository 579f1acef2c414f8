import { inScope } from './erasure-analysis';

/** What the catalog says about who receives a system's data: the system's own recipients and the activities using it. */
export interface RecipientCatalog {
  readonly systemRecipients: ReadonlyMap<string, readonly string[]>;
  readonly activities: ReadonlyArray<{
    readonly systems: readonly string[];
    /** Categories the activity processes; empty = every category of its systems. */
    readonly data_categories: readonly string[];
    readonly recipients: readonly string[];
    readonly transfers: ReadonlyArray<{ readonly recipient: string }>;
  }>;
}

/**
 * GDPR Art. 19: the recipients to whom the rectified, erased or restricted data were disclosed. Only
 * what the request actually changes counts: per system, the categories acted on (for an erasure the
 * erasable ones, never those retained under Art. 17(3)). A recipient is named by the system itself
 * or by a processing activity that runs on that system and covers one of those categories (its
 * recipients and the recipients of its transfers).
 */
export function art19Recipients(affected: ReadonlyArray<{ readonly system_id: string; readonly categories: readonly string[] }>, catalog: RecipientCatalog): string[] {
  const out = new Set<string>();
  for (const { system_id, categories } of affected) {
    if (!categories.length) continue;
    for (const r of catalog.systemRecipients.get(system_id) ?? []) out.add(r);
    for (const a of catalog.activities) {
      if (!a.systems.includes(system_id)) continue;
      if (a.data_categories.length && !categories.some((c) => inScope(c, a.data_categories))) continue;
      for (const r of a.recipients) out.add(r);
      for (const t of a.transfers) out.add(t.recipient);
    }
  }
  return [...out].sort();
}
