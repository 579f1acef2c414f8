import type { AccessReport, ReportConsent, SystemErasurePlan, buildPortabilityExport } from '@pl/domain/rights';

/**
 * The fields the earlier privacy service's clients read (issue 16), built from the current answers so
 * both agree: one vocabulary for consent status (given, refused, withdrawn, expired), taxonomy keys for
 * categories and purposes. Added beside the current fields, never instead of them.
 */

/** A consent as the earlier service's `POST /consent/record` answered it. */
export function consentRecordOf(userId: string, c: ReportConsent) {
  const proof = (c.proof ?? {}) as Record<string, unknown>;
  const { consent_string, consent_version, ...metadata } = proof;
  return {
    consent_id: c.consent_id,
    user_id: userId,
    data_categories: c.categories,
    processing_purposes: c.purposes,
    consent_status: c.status,
    consent_timestamp: c.at,
    expiry_date: c.expires_at ?? null,
    legal_basis: c.legal_basis,
    consent_string: (consent_string as string | null | undefined) ?? null,
    consent_version: (consent_version as string | null | undefined) ?? null,
    withdrawal_timestamp: c.status === 'withdrawn' ? c.ended_at : null,
    consent_metadata: { ...metadata, ...(c.extra ?? {}) },
    ...(c.ended_parts ? { ended_parts: c.ended_parts } : {}),
  };
}

/** `GET /data-subject/access/{user_id}`: user_id, data_inventory, consent_records, processing_purposes, retention_information. */
export function accessFields(userId: string, report: AccessReport) {
  return {
    user_id: userId,
    data_inventory: report.sources.map((s) => ({ system_id: s.system_id, data_categories: s.categories })),
    consent_records: report.consents.map((c) => consentRecordOf(userId, c)),
    processing_purposes: [...new Set(report.purposes.map((p) => p.purpose))],
    retention_information: report.retention,
  };
}

/** `GET /data-subject/portability/{user_id}` (JSON): user_id, data_format, data (per system, field -> value; and the consents). */
export function portabilityFields(userId: string, exported: ReturnType<typeof buildPortabilityExport>) {
  const bySystem: Record<string, Record<string, string>> = {};
  for (const r of exported.records) (bySystem[r.system_id] ??= {})[r.field] = r.value;
  return { user_id: userId, data_format: 'json', data: { systems: bySystem, consents: exported.consents } };
}

/** The erasure analysis as the earlier service answered it: what can be erased, what cannot and why (Art. 17(3)). */
export function erasureAnalysisOf(plans: readonly SystemErasurePlan[], requested: readonly string[] | null) {
  return {
    requested_categories: requested,
    can_erase: plans.flatMap((p) => p.erase.map((category) => ({ system_id: p.system_id, data_category: category }))),
    cannot_erase: plans.flatMap((p) =>
      p.retained.map((r) => ({ system_id: p.system_id, data_category: r.category, reason: r.explanation, reason_code: r.reason_code, legal_source: r.source, retain_until: r.retain_until ?? null })),
    ),
    systems: plans.map((p) => ({ system_id: p.system_id, integration: p.integration, erase: p.erase, retained: p.retained })),
  };
}
