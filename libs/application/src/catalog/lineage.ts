import { catalog, invalid } from '@pl/domain';
import type { AppDeps } from '../core/app-deps';

/**
 * GET /catalog/elements/{id}/lineage and `cli lineage`: a data element's upstream and downstream
 * systems, flows and activities, from the catalog as it stood at `asOf` (now when absent), folded
 * from the log by the query port, so the answer is exact whatever the read models' lag.
 */
export function catalogLineage(deps: Pick<AppDeps, 'catalog'>) {
  return async (elementId: string, options: { systemId?: string | null; asOf?: Date | null } = {}): Promise<catalog.Lineage> => {
    const id = catalog.catalogId(elementId, 'element_id');
    const systemId = options.systemId ? catalog.catalogId(options.systemId, 'system_id') : null;
    const at = options.asOf ?? new Date();
    if (Number.isNaN(at.getTime())) throw invalid('as_of must be an ISO 8601 date-time', { field: 'as_of' });
    return catalog.lineageOf(await deps.catalog.catalogAt(at), id, systemId);
  };
}
