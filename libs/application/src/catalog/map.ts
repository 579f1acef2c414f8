import { catalog, invalid } from '@pl/domain';
import type { AppDeps } from '../core/app-deps';

/**
 * GET /catalog/map: the data map (systems, activities, external recipients; flows, the systems of
 * activities, declared transfers, each transfer leaving the EEA with its mechanism and assessment) as
 * the catalog stood at `asOf` (now when absent), folded from the log by the catalog query port, so a
 * past date shows exactly what was registered then, whatever the read models' lag.
 */
export function catalogMapQuery(deps: Pick<AppDeps, 'catalog'>) {
  return async (asOf?: Date | null): Promise<catalog.CatalogMap> => {
    const at = asOf ?? new Date();
    if (Number.isNaN(at.getTime())) throw invalid('as_of must be an ISO 8601 date-time', { field: 'as_of' });
    if (at.getTime() > Date.now() + 60_000) throw invalid('as_of must not be in the future: the catalog records what was, not what will be', { field: 'as_of' });
    return catalog.catalogMap(await deps.catalog.catalogAt(at));
  };
}
