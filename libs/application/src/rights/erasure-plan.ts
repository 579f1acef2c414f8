import { establishmentFromControllers } from '@pl/domain/law/establishment';
import { analyseErasure, inScope, type Jurisdiction, type SystemErasurePlan, type SystemHolding } from '@pl/domain/rights';
import type { ActivityView } from '../catalog/queries';
import type { AppDeps } from '../core/app-deps';

/** The systems holding the subject's data (receipts + catalog), each with only the categories in scope (null = all). */
export async function holdingsInScope(rightsCatalog: AppDeps['catalog'], subjectKey: string, categories: readonly string[] | null, activities?: readonly ActivityView[]): Promise<SystemHolding[]> {
  return (await rightsCatalog.holdings(subjectKey, activities))
    .map((h) => ({ ...h, categories: h.categories.filter((c) => inScope(c.category, categories)) }))
    .filter((h) => h.categories.length);
}

/**
 * The erasure analysis from the catalog (Art. 17(3); CCPA § 1798.105(d)): per system holding the
 * subject's data, what goes and what is kept with its legal reason. The verification process manager
 * dispatches the tasks from it; the earlier service's erasure route answers it at once.
 */
export async function erasurePlans(
  rightsCatalog: AppDeps['catalog'],
  scope: { readonly subjectKey: string; readonly jurisdiction: Jurisdiction; readonly dataCategories: readonly string[] | null; readonly establishmentCountry?: string | null },
  now: Date,
  current?: readonly ActivityView[],
): Promise<SystemErasurePlan[]> {
  // the catalog's activities once, for the holdings and the controller's retention law alike
  const activities = current ?? (await rightsCatalog.activities());
  const systems = await holdingsInScope(rightsCatalog, scope.subjectKey, scope.dataCategories, activities);
  // retention law is the controller's (its establishment), whichever jurisdiction the request is under
  const establishmentCountry = scope.establishmentCountry ?? establishmentFromControllers(activities.map((a) => a.controller?.establishment)).establishment?.country ?? null;
  const declaredObligations = activities.flatMap((a) => a.controller?.retention_obligations ?? []);
  return analyseErasure({ jurisdiction: scope.jurisdiction, requestedCategories: scope.dataCategories, systems, now, establishmentCountry, declaredObligations });
}
