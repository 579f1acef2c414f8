import { intake, type rights } from '@pl/domain';
import type { AppDeps } from '../core/app-deps';

/** One entry of a subject's processing log (GDPR Art. 15(1)(a)-(c)), with the producer's ids. */
export type ProcessingLogEntry = rights.ProcessingEntry & { readonly source_event_id: string; readonly correlation_id: string | null };

/**
 * The subject's processing log from its own stream (read your writes), oldest first. `withDetails`:
 * decrypt the producer's event_data (the access report); otherwise it is left out (the data map).
 */
export async function processingLogOf(deps: Pick<AppDeps, 'store' | 'codec'>, subjectKey: string, withDetails: boolean): Promise<ProcessingLogEntry[]> {
  const { events } = await deps.store.readStream(intake.processingStream(subjectKey));
  const decoded = withDetails ? await deps.codec.decode(events) : deps.codec.omitPersonal(events);
  return decoded
    .filter((e) => e.type === 'intake.processing_logged' && e.data.subject_key === subjectKey)
    .map((e) => {
      const d = e.data as intake.ProcessingLoggedData;
      return { service_name: d.service_name, action: d.action, categories: d.categories, purposes: d.purposes, legal_basis: d.legal_basis, at: d.occurred_at, source_event_id: d.source_event_id, correlation_id: d.correlation_id, details: d.details ?? null };
    });
}
