import { consent } from '@pl/domain';
import { requestStreamId, type ReportConsent, type ReportInput, type RequestState, type SystemHolding } from '@pl/domain/rights';
import { requestsOfSubject } from '@pl/projections/rights';
import type { AppDeps } from '../core/app-deps';
import { processingLogOf } from '../intake/processing-log';

/** Builds the report from this subject's own streams and rows only (never another subject's). */
export async function reportInput(
  deps: AppDeps,
  state: RequestState,
  now: Date,
  extendedLookBack = false,
): Promise<{ input: ReportInput; holdings: SystemHolding[] }> {
  const req = state.request!;
  const subjectKey = req.subject_key;
  const decodedStream = async (streamId: string) => deps.codec.decode((await deps.store.readStream(streamId)).events);
  const [consentEvents, requestEvents, requests, receipts, activities, holdings, processing] = await Promise.all([
    decodedStream(consent.consentStreamId(subjectKey)),
    decodedStream(requestStreamId(req.request_id)),
    requestsOfSubject(deps.db, subjectKey, now),
    deps.catalog.receipts(subjectKey),
    deps.catalog.activities(),
    deps.catalog.holdings(subjectKey),
    processingLogOf(deps, subjectKey, true),
  ]);
  const data = new Map(requestEvents.filter((e) => e.type === 'rights.task_data_received' && e.data.subject_key === subjectKey).map((e) => [e.data.task_id as string, (e.data.data as Record<string, unknown> | null) ?? null]));
  const results = requestEvents
    .filter((e) => e.type === 'rights.task_result_recorded' && e.data.subject_key === subjectKey)
    .map((e) => ({ system_id: e.data.system_id as string, outcome: e.data.outcome as string, data: data.get(e.data.task_id) ?? null }));
  const rectifications = [];
  for (const r of requests.filter((x) => x.request_type === 'rectification')) {
    const c = (await decodedStream(requestStreamId(r.request_id))).find((e) => e.type === 'rights.corrections_provided' && e.data.subject_key === subjectKey);
    if (c) rectifications.push({ request_id: r.request_id, corrections: (c.data.corrections as Record<string, string> | null) ?? null, provided_at: c.data.provided_at as string });
  }
  return {
    input: {
      subjectKey,
      jurisdiction: req.jurisdiction,
      now,
      rectifications,
      extendedLookBack,
      consents: consentsOf(consentEvents, subjectKey),
      requests: requests.map((r) => ({ request_id: r.request_id, request_type: r.request_type, status: r.status, received_at: r.received_at, closed_at: r.closed_at })),
      receipts,
      activities,
      systemResults: results,
      processing,
    },
    holdings,
  };
}

/**
 * Consent history of one subject for the report: grants with their proofs, ends from withdrawals and
 * expiries. A consent ends when every category x purpose pair it granted has ended; until then it stays
 * given, and the pairs that ended are listed in `ended_parts` ([G] Art. 7(3): withdrawing one category
 * ends no other).
 */
export function consentsOf(events: ReadonlyArray<{ type: string; data: any }>, subjectKey: string): ReportConsent[] {
  const byId = new Map<string, ReportConsent>();
  const openPairs = new Map<string, Set<string>>();
  const pair = (category: string, purpose: string) => `${category}|${purpose}`;
  for (const e of events) {
    const d = e.data;
    if (d?.subject_key !== subjectKey) continue;
    switch (e.type) {
      case 'consent.given':
      case 'consent.renewed':
      case 'consent.refused': {
        const categories: string[] = d.data_categories ?? [];
        const purposes: string[] = d.processing_purposes ?? [];
        openPairs.set(d.consent_id, new Set(categories.flatMap((c) => purposes.map((p) => pair(c, p)))));
        byId.set(d.consent_id, {
          consent_id: d.consent_id,
          status: e.type === 'consent.refused' ? 'refused' : 'given',
          categories,
          purposes,
          legal_basis: d.legal_basis ?? null,
          at: d.given_at ?? d.refused_at,
          ended_at: null,
          expires_at: (Object.values(d.expires_at ?? {}) as string[]).sort()[0] ?? null,
          proof: { ...(d.proof ?? {}), consent_string: d.consent_string ?? null, consent_version: d.consent_version ?? null },
          extra: d.extra ?? null,
        });
        break;
      }
      case 'consent.withdrawn':
      case 'consent.expired': {
        const status = e.type === 'consent.withdrawn' ? 'withdrawn' : 'expired';
        const at: string = d.withdrawn_at ?? d.expired_at;
        const ended = (d.affected ?? d.expired ?? []) as Array<{ consent_id: string; category: string; purpose: string }>;
        for (const id of new Set(ended.map((g) => g.consent_id))) {
          const c = byId.get(id);
          if (!c || c.ended_at) continue;
          const mine = ended.filter((g) => g.consent_id === id);
          const open = openPairs.get(id);
          // events before pairs were named (no category/purpose) end the whole consent
          if (open && mine.every((g) => g.category && g.purpose)) for (const g of mine) open.delete(pair(g.category, g.purpose));
          else open?.clear();
          const parts = [...(c.ended_parts ?? []), ...mine.filter((g) => g.category && g.purpose).map((g) => ({ data_category: g.category, processing_purpose: g.purpose, status, at }))];
          byId.set(id, open && open.size > 0 ? { ...c, ended_parts: parts } : { ...c, status, ended_at: at, ...(c.ended_parts ? { ended_parts: parts } : {}) });
        }
        break;
      }
      default:
        break;
    }
  }
  return [...byId.values()];
}
