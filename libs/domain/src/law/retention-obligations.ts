import { addMonthsClamped } from './deadlines';
import type { ErasureExceptionCode } from './erasure-exceptions';

/**
 * Retention obligations that keep data despite an erasure request (GDPR Art. 17(3)(b); CCPA
 * Civ. Code § 1798.105(d)(8)), per country of the controller's establishment: the law that imposes
 * them is the controller's, whoever asks. Each counts from the record's own date, or from the end
 * of the calendar year in which the record arose where the statute says so, never from the request.
 * Places without an entry keep nothing on this ground (review with counsel before relying on that).
 */
export type RetentionStart = 'record_date' | 'end_of_calendar_year';

export interface RetentionObligation {
  /** Kind of record (part of the retained item's reason code, stable across countries). */
  readonly id: string;
  /** ISO 3166-1 alpha-2 country of establishment whose law imposes it. */
  readonly country: string;
  /** Taxonomy key prefix the obligation covers. */
  readonly category_prefix: string;
  readonly years: number;
  readonly starts: RetentionStart;
  readonly exception: ErasureExceptionCode;
  readonly description: string;
  readonly source: string;
  readonly effective_from: string;
  readonly effective_to?: string;
}

/** § 147(4) AO: the period starts at the end of the calendar year in which the voucher arose; § 147(3) sentence 5: it does not end while the voucher matters for a tax whose assessment period is open. */
const AO_147_4 = 'AO § 147(4) (from the end of the calendar year in which the voucher arose)';

export const RETENTION_OBLIGATIONS: readonly RetentionObligation[] = [
  {
    id: 'payment_records',
    country: 'GB',
    category_prefix: 'user.financial.transaction',
    years: 6,
    starts: 'record_date',
    exception: 'legal_obligation',
    description: 'VAT records (invoices, payment records) kept for HMRC',
    // Sch. 11 para 6(3): HMRC may require records "to be preserved for such period not exceeding 6 years"; VATA 1994 in force 1 Sep 1994.
    source: 'Value Added Tax Act 1994 Sch. 11 para 6(3) (records preserved for up to six years); checked against legislation.gov.uk (ukpga/1994/23/schedule/11) and HMRC manual VATREC3010',
    effective_from: '1994-09-01',
  },
  {
    id: 'payment_records',
    country: 'DE',
    category_prefix: 'user.financial.transaction',
    years: 10,
    starts: 'end_of_calendar_year',
    exception: 'legal_obligation',
    description: 'accounting vouchers (Buchungsbelege) kept for the tax authority',
    // Ten years since the Steuerbereinigungsgesetz 1999 (Art. 97 § 19a(1) EGAO) until the end of 2024.
    source: `Abgabenordnung § 147(1) no. 4, (3) sentence 1 as in force until 31 Dec 2024 (ten years); ${AO_147_4}`,
    effective_from: '1998-12-24',
    effective_to: '2025-01-01',
  },
  {
    id: 'payment_records',
    country: 'DE',
    category_prefix: 'user.financial.transaction',
    years: 8,
    starts: 'end_of_calendar_year',
    exception: 'legal_obligation',
    description:
      'accounting vouchers (Buchungsbelege) kept for the tax authority; credit, insurance and investment institutions keep ten years (Art. 97 § 19a(3) EGAO): they declare that obligation in the catalog',
    // Art. 97 § 19a(2) EGAO: the eight years apply to every voucher whose ten years had not run out by 31 Dec 2024,
    // so the period in force on the day of the erasure decides (retentionObligation takes that day).
    source: `Abgabenordnung § 147(1) no. 4, (3) sentence 1 as amended by the Viertes Bürokratieentlastungsgesetz (BGBl. 2024 I Nr. 323), from 1 Jan 2025 (eight years); Art. 97 § 19a(2) EGAO; ${AO_147_4}; checked against the EGAO text at mein.kiehl.de/Dokument/78701_97_19a and EY Steuernachricht "Längere Aufbewahrungsfristen bei Banken, Versicherungen und Wertpapierinstituten" (2025)`,
    effective_from: '2025-01-01',
  },
];

/** The obligation in force at `at` for a record of `category` held by a controller established in `country`. */
export function retentionObligation(country: string, category: string, at: Date): RetentionObligation | null {
  const day = at.toISOString().slice(0, 10);
  return RETENTION_OBLIGATIONS.find((o) => o.country === country && category.startsWith(o.category_prefix) && day >= o.effective_from && (!o.effective_to || day < o.effective_to)) ?? null;
}

/** The last day (ISO date) the record is kept: `years` from its own date, or from the end of its calendar year. */
export function retainedUntil(o: RetentionObligation, recordDate: string): string {
  const day = recordDate.slice(0, 10);
  const from = o.starts === 'end_of_calendar_year' ? `${day.slice(0, 4)}-12-31` : day;
  return addMonthsClamped(from, o.years * 12);
}
