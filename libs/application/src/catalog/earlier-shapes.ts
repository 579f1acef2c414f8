/** The current data map's holdings (projections/data_map `dataMap`), as far as these fields need them. */
interface Holding {
  readonly category: string;
  readonly purpose: string;
  readonly first_stored_at: string;
  readonly last_stored_at: string;
  readonly activity_id: string | null;
  readonly lawful_basis: string | null;
  readonly retention: string | null;
  readonly delete_after: string | null;
  readonly retained: unknown;
}
type DataMap = { readonly systems: ReadonlyArray<{ readonly system_id: string; readonly holdings: readonly Holding[] }> };
const uniq = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

/**
 * `GET /privacy/data-map/{user_id}` as the earlier service's clients read it (issue 16): data_locations,
 * retention_schedules, legal_bases, built from the same holdings as the current fields beside them.
 */
export function dataMapFields(map: DataMap) {
  const holdings = map.systems.flatMap((s) => s.holdings.map((h) => ({ system_id: s.system_id, ...h })));
  return {
    data_locations: map.systems.map((s) => ({
      system_id: s.system_id,
      data_categories: uniq(s.holdings.map((h) => h.category)),
      processing_purposes: uniq(s.holdings.map((h) => h.purpose)),
      first_stored_at: s.holdings.map((h) => h.first_stored_at).sort()[0] ?? null,
      last_stored_at: s.holdings.map((h) => h.last_stored_at).sort().pop() ?? null,
    })),
    retention_schedules: holdings.map((h) => ({
      system_id: h.system_id,
      data_category: h.category,
      processing_purpose: h.purpose,
      retention: h.retention,
      delete_after: h.delete_after,
      retained: h.retained,
    })),
    legal_bases: holdings.map((h) => ({ system_id: h.system_id, data_category: h.category, processing_purpose: h.purpose, legal_basis: h.lawful_basis, activity_id: h.activity_id })),
  };
}
