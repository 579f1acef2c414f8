import { catalog, type intake } from '@pl/domain';
import type { CatalogUseCases } from '../catalog/use-cases';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';

/**
 * A service reported that its retention of a subject's data ran out (retention_expired): the
 * retention process (Art. 5(1)(e)) runs for that subject and system now, not at its next tick. Each
 * holding of the reporting system whose category the report covers and whose catalog retention
 * (retentionOf: the latest deletion date of the activities declaring it) has passed is recorded
 * expired by the same decider as the worker's (catalog.subjectRetentionDecider: once per holding and
 * last receipt). A holding the catalog does not yet consider due is left to the catalog: the report
 * stays in the processing log. Returns how many holdings were recorded expired by this call.
 */
export async function retentionReported(
  deps: Pick<AppDeps, 'catalog'>,
  uses: Pick<CatalogUseCases, 'recordRetention'>,
  subjectKey: string,
  e: intake.PrivacyEvent,
  ctx: CommandContext,
): Promise<number> {
  const reported = e.data_categories.map((c) => catalog.resolveCategory(c));
  const [receipts, activities] = await Promise.all([deps.catalog.receipts(subjectKey), deps.catalog.activities()]);
  const last = new Map<string, { h: catalog.Holding; at: string }>();
  for (const r of receipts) {
    if (r.system_id !== e.service_name || (reported.length && !reported.some((c) => catalog.categoryCovers(c, r.category)))) continue;
    const k = `${r.system_id}|${r.category}|${r.purpose}`;
    const prev = last.get(k);
    if (!prev || prev.at < r.stored_at) last.set(k, { h: { system_id: r.system_id, category: r.category, purpose: r.purpose }, at: r.stored_at });
  }
  let marked = 0;
  for (const { h, at } of last.values()) {
    const due = catalog.retentionOf(activities, h, new Date(at));
    if (!due?.period || !due.delete_after || Date.parse(due.delete_after) > ctx.now.getTime()) continue;
    const expiry = { subject_key: subjectKey, ...h, activity_id: due.activity_id, last_stored_at: at, period: due.period, due_at: due.delete_after };
    const r = await uses.recordRetention(subjectKey, { type: 'MarkRetentionExpired', expiry, now: ctx.now }, ctx);
    marked += r.events.length;
  }
  return marked;
}
