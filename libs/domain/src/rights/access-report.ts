import { categoryCovers } from '../catalog/taxonomy';
import type { ProcessingLoggedData } from '../intake/privacy-event';
import type { Jurisdiction } from './request-types';
import { portabilityScope, type CategoryHolding } from './erasure-analysis';

/**
 * The access report (GDPR Art. 15(1)(a)-(h), 15(2); CCPA right to know with its 12-month look-back,
 * Civ. § 1798.130(a)(2)(B)) and the portability export (Art. 20), built from the ledger and the
 * systems' results. Pure: the caller loads only this subject's streams and rows.
 */
export interface ReportConsent {
  readonly consent_id: string;
  readonly status: string;
  readonly categories: readonly string[];
  readonly purposes: readonly string[];
  readonly legal_basis: string | null;
  readonly at: string;
  readonly ended_at: string | null;
  /** The earliest expiry of its purposes (null for a refusal); absent in reports built before 2026-12. */
  readonly expires_at?: string | null;
  /** Pairs of a consent still given that were withdrawn or expired on their own ([G] Art. 7(3)). */
  readonly ended_parts?: ReadonlyArray<{ readonly data_category: string; readonly processing_purpose: string; readonly status: string; readonly at: string }>;
  /** Proof of consent (Art. 7(1)), decrypted; personal fields are null once the key was shredded. */
  readonly proof: Record<string, unknown> | null;
  /** Further consent_metadata fields the front end sent (encrypted in the log), decrypted: the subject's data too (Art. 15(3), 20(1)). */
  readonly extra: Record<string, unknown> | null;
}

export interface ReportActivity {
  readonly activity_id: string;
  readonly name: string;
  readonly controller: { readonly name: string; readonly contact: string } | null;
  readonly purposes: ReadonlyArray<{ readonly purpose: string; readonly lawful_basis: string; readonly categories: readonly string[] }>;
  readonly recipients: readonly string[];
  readonly transfers: ReadonlyArray<{ readonly country: string; readonly recipient: string; readonly safeguard: string | null }>;
  readonly retention: ReadonlyArray<{ readonly category: string | null; readonly period: string; readonly reason: string | null }>;
  readonly systems: readonly string[];
  readonly automated_decision: boolean;
}

export interface ReportInput {
  readonly subjectKey: string;
  readonly jurisdiction: Jurisdiction;
  readonly now: Date;
  readonly consents: readonly ReportConsent[];
  readonly requests: ReadonlyArray<{ readonly request_id: string; readonly request_type: string; readonly status: string; readonly received_at: string; readonly closed_at: string | null }>;
  readonly receipts: ReadonlyArray<{ readonly system_id: string; readonly category: string; readonly purpose: string; readonly stored_at: string }>;
  readonly activities: readonly ReportActivity[];
  /** Data the systems returned for this request (decrypted). */
  readonly systemResults: ReadonlyArray<{ readonly system_id: string; readonly data: Record<string, unknown> | null; readonly outcome: string }>;
  /** Corrections the subject asked for (rectification requests), decrypted. */
  readonly rectifications?: ReadonlyArray<{ readonly request_id: string; readonly corrections: Record<string, string> | null; readonly provided_at: string }>;
  /** CCPA: the subject asked for data older than 12 months. */
  readonly extendedLookBack?: boolean;
  /** The subject's processing log (privacy events data_accessed|modified|deleted|exported, retention_expired), decrypted. */
  readonly processing?: ReadonlyArray<ProcessingEntry>;
}

/** Who processed the subject's data, what, when and for what: a service's privacy event as recorded, `at` its occurred_at. */
export type ProcessingEntry = Pick<ProcessingLoggedData, 'service_name' | 'action' | 'categories' | 'purposes' | 'legal_basis' | 'details'> & { readonly at: string };

export const CCPA_LOOK_BACK_MONTHS = {
  months: 12,
  source: 'Civ. Code § 1798.130(a)(2)(B)',
  effective_from: '2023-01-01',
  /** On request, back to this date unless impossible or disproportionate; (!) from 2026 the request form must offer it. */
  extended_from: '2022-01-01',
  extended_source: 'Civ. Code § 1798.130(a)(2)(B); 11 CCR § 7024(h)',
} as const;

export const SUBJECT_RIGHTS_NOTICE = [
  { right: 'rectification', source: 'GDPR Art. 16' },
  { right: 'erasure', source: 'GDPR Art. 17' },
  { right: 'restriction', source: 'GDPR Art. 18' },
  { right: 'objection', source: 'GDPR Art. 21' },
  { right: 'portability', source: 'GDPR Art. 20' },
  { right: 'withdraw consent at any time', source: 'GDPR Art. 7(3)' },
] as const;

export const COMPLAINT_NOTICE = {
  text: 'You may lodge a complaint with a supervisory authority, in particular in the member state of your habitual residence, place of work or of the alleged infringement.',
  source: 'GDPR Art. 15(1)(f), Art. 77',
} as const;

export function lookBackStart(jurisdiction: Jurisdiction, now: Date, extended = false): Date | null {
  if (jurisdiction !== 'CCPA') return null;
  if (extended) return new Date(`${CCPA_LOOK_BACK_MONTHS.extended_from}T00:00:00Z`);
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - CCPA_LOOK_BACK_MONTHS.months);
  return d;
}

export function buildAccessReport(input: ReportInput) {
  const since = lookBackStart(input.jurisdiction, input.now, input.extendedLookBack ?? false);
  const inWindow = (at: string | null) => !since || (at !== null && at >= since.toISOString());
  const consents = input.consents.filter((c) => inWindow(c.at) || inWindow(c.ended_at));
  const receipts = input.receipts.filter((r) => inWindow(r.stored_at));
  const processing = (input.processing ?? []).filter((p) => inWindow(p.at));
  const systems = new Set(receipts.map((r) => r.system_id));
  const activities = input.activities.filter((a) => a.systems.some((s) => systems.has(s)));
  const categories = [...new Set([...receipts.map((r) => r.category), ...consents.flatMap((c) => c.categories), ...processing.flatMap((p) => p.categories)])].sort();

  const purposes = new Map<string, { purpose: string; lawful_basis: string; source: string }>();
  for (const c of consents.filter((x) => x.status === 'given' || x.status === 'active')) {
    for (const p of c.purposes) purposes.set(`${p}|consent`, { purpose: p, lawful_basis: c.legal_basis ?? 'consent', source: 'consent record' });
  }
  for (const r of receipts) {
    const declared = activities.flatMap((a) => (a.systems.includes(r.system_id) ? a.purposes : [])).find((p) => p.purpose === r.purpose);
    const basis = declared?.lawful_basis ?? 'consent';
    purposes.set(`${r.purpose}|${basis}`, { purpose: r.purpose, lawful_basis: basis, source: declared ? 'catalog activity' : 'processing receipt' });
  }
  const transfers = activities.flatMap((a) => a.transfers.map((t) => ({ ...t, activity: a.name })));
  return {
    subject_key: input.subjectKey,
    jurisdiction: input.jurisdiction,
    generated_at: input.now.toISOString(),
    look_back: since ? { from: since.toISOString(), source: input.extendedLookBack ? CCPA_LOOK_BACK_MONTHS.extended_source : CCPA_LOOK_BACK_MONTHS.source } : null,
    /** Art. 15(1)(a) */
    purposes: [...purposes.values()].sort((a, b) => a.purpose.localeCompare(b.purpose)),
    /** Art. 15(1)(b) */
    categories,
    /** Art. 15(1)(c), with third countries */
    recipients: [...new Set(activities.flatMap((a) => a.recipients))].sort().map((recipient) => ({
      recipient,
      third_countries: transfers.filter((t) => t.recipient === recipient).map((t) => t.country),
    })),
    /** Art. 15(1)(d) */
    retention: activities.flatMap((a) => a.retention.map((r) => ({ activity: a.name, category: r.category, period: r.period, reason: r.reason }))),
    /** Art. 15(1)(e) */
    rights: SUBJECT_RIGHTS_NOTICE,
    /** Art. 15(1)(f) */
    complaint: COMPLAINT_NOTICE,
    /** Art. 15(1)(g): collected from the subject through these systems (receipts), or reported by them. */
    sources: [...systems].sort().map((system_id) => ({ system_id, categories: [...new Set(receipts.filter((r) => r.system_id === system_id).map((r) => r.category))].sort() })),
    /** Art. 15(1)(h) */
    automated_decisions: activities.filter((a) => a.automated_decision).map((a) => ({ activity: a.name, purposes: a.purposes.map((p) => p.purpose), source: 'GDPR Art. 22(1), (4)' })),
    /** Art. 15(2): transfers to third countries and their safeguards (Art. 46) */
    transfers,
    controllers: [...new Map(activities.filter((a) => a.controller).map((a) => [a.controller!.name, a.controller!])).values()],
    consents,
    requests: input.requests,
    rectifications: (input.rectifications ?? []).filter((r) => inWindow(r.provided_at)),
    receipts,
    /** Art. 15(1)(a)-(c): each reported processing of the subject's data, by whom, when and for what. */
    processing_log: processing.map(({ service_name, action, categories: c, purposes: p, legal_basis, at, details }) => ({ service_name, action, categories: c, purposes: p, legal_basis, at, details })),
    system_data: input.systemResults,
  };
}

export type AccessReport = ReturnType<typeof buildAccessReport>;

/** Sections of a report that carry personal data, for the release record. */
export function reportSections(report: AccessReport): string[] {
  const sections: string[] = ['purposes', 'categories', 'recipients', 'retention'];
  if (report.consents.length) sections.push('consents');
  if (report.requests.length) sections.push('requests');
  if (report.receipts.length) sections.push('receipts');
  if (report.processing_log.length) sections.push('processing_log');
  if (report.system_data.some((s) => s.data)) sections.push('system_data');
  if (report.rectifications.length) sections.push('rectifications');
  return sections;
}

/** Art. 20: only categories held on consent or contract, by automated means, provided by the subject. */
export function buildPortabilityExport(input: ReportInput, holdings: readonly CategoryHolding[]) {
  const scope = portabilityScope(holdings);
  const portable = new Set(scope.portable);
  const records: Array<{ system_id: string; category: string; field: string; value: string }> = [];
  for (const r of input.systemResults) {
    for (const [field, value] of Object.entries(r.data ?? {})) {
      const category = categoryOfField(field);
      if (!category || !(portable.has(category) || scope.portable.some((p) => categoryCovers(p, category)))) continue;
      records.push({ system_id: r.system_id, category, field, value: typeof value === 'string' ? value : JSON.stringify(value) });
    }
  }
  return {
    subject_key: input.subjectKey,
    generated_at: input.now.toISOString(),
    source: 'GDPR Art. 20',
    portable_categories: scope.portable,
    excluded: scope.excluded,
    consents: input.consents.map((c) => ({ consent_id: c.consent_id, status: c.status, categories: c.categories, purposes: c.purposes, at: c.at, extra: c.extra })),
    records,
  };
}

/** System results name fields `<category>` or `<category>#<name>` (e.g. `user.contact.email`). */
function categoryOfField(field: string): string | null {
  const base = field.split('#')[0];
  return base.startsWith('user.') ? base : null;
}

export function toCsv(rows: ReadonlyArray<Record<string, string>>, columns: readonly string[]): string {
  const esc = (v: string) => (/[",\r\n]/.test(v) || /^[=+\-@]/.test(v) ? `"${(/^[=+\-@]/.test(v) ? `'${v}` : v).replace(/"/g, '""')}"` : v);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => esc(r[c] ?? '')).join(','))].join('\r\n') + '\r\n';
}
