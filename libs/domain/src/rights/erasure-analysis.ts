import { erasureException, type ErasureExceptionCode } from '../law/erasure-exceptions';
import { DEFAULT_ESTABLISHMENT } from '../law/establishment';
import { retainedUntil, retentionObligation } from '../law/retention-obligations';
import { categoryCovers, declaredRetentionEnd, type DeclaredRetentionObligation } from '../catalog';
import { LAWFUL_BASIS_RULES, type LawfulBasis } from '../law/lawful-bases';
import type { Integration, RetainedItem } from './events';
import type { Jurisdiction } from './request-types';

/** What a system holds about the subject, per category, with the basis of each purpose (from the catalog). */
export interface HoldingPurpose {
  readonly purpose: string;
  readonly lawful_basis: LawfulBasis;
}

export interface CategoryHolding {
  readonly category: string;
  readonly purposes: readonly HoldingPurpose[];
  /** Exceptions the controller declared for this category in this system (e.g. security logs). */
  readonly exceptions?: ReadonlyArray<{ readonly code: ErasureExceptionCode; readonly note?: string }>;
  /** Art. 20: data the subject provided (not inferred). Defaults to true. */
  readonly provided_by_subject?: boolean;
  /** Art. 20: processing carried out by automated means. Defaults to true. */
  readonly automated?: boolean;
  /** When the system last stored it (latest processing receipt): retention obligations count from the record's own date. */
  readonly last_stored_at?: string | null;
}

export interface SystemHolding {
  readonly system_id: string;
  readonly integration: Integration;
  readonly categories: readonly CategoryHolding[];
  /** Legal hold (litigation): categories kept for legal claims; null = every category. */
  readonly legal_hold?: { readonly categories: readonly string[] | null; readonly reason: string } | null;
}

export interface SystemErasurePlan {
  readonly system_id: string;
  readonly integration: Integration;
  readonly erase: string[];
  readonly retained: RetainedItem[];
}

/** `requested` null = every category. A requested key covers its sub-categories (`user.contact` covers `user.contact.email`). */
export function inScope(category: string, requested: readonly string[] | null): boolean {
  return !requested || requested.some((r) => categoryCovers(r, category) || categoryCovers(category, r));
}

/**
 * Erasure analysis per system and category (GDPR Art. 17(3); CCPA Civ. § 1798.105(d); LAW.md
 * section 9): each category is erasable or retained with the legal reason, which the response gives
 * to the subject.
 */
export function analyseErasure(input: {
  readonly jurisdiction: Jurisdiction;
  readonly requestedCategories: readonly string[] | null;
  readonly systems: readonly SystemHolding[];
  readonly now: Date;
  /** Country of the controller's establishment: whose retention law applies (default: the default establishment's). */
  readonly establishmentCountry?: string | null;
  /** Retention obligations the catalog's controllers declare; for a category they cover, the law data defaults are not used. */
  readonly declaredObligations?: readonly DeclaredRetentionObligation[];
}): SystemErasurePlan[] {
  const country = input.establishmentCountry ?? DEFAULT_ESTABLISHMENT.country;
  const declared = (input.declaredObligations ?? []).filter((o) => o.jurisdiction === country);
  return input.systems.map((sys) => {
    const erase: string[] = [];
    const retained: RetainedItem[] = [];
    for (const holding of sys.categories) {
      if (!inScope(holding.category, input.requestedCategories)) continue;
      const reason = retentionReason(input.jurisdiction, country, declared, sys, holding, input.now);
      if (reason) retained.push({ system_id: sys.system_id, category: holding.category, ...reason });
      else erase.push(holding.category);
    }
    return { system_id: sys.system_id, integration: sys.integration, erase, retained };
  });
}

type Reason = Omit<RetainedItem, 'system_id' | 'category'>;

function retentionReason(jurisdiction: Jurisdiction, country: string, declared: readonly DeclaredRetentionObligation[], sys: SystemHolding, holding: CategoryHolding, now: Date): Reason | null {
  const hold = sys.legal_hold;
  if (hold && (!hold.categories || inScope(holding.category, hold.categories))) {
    const ex = erasureException(jurisdiction, 'legal_claims')!;
    return { reason_code: ex.code, source: ex.source, explanation: `kept for ${ex.description}: ${hold.reason}`, retain_until: null };
  }
  for (const declared of holding.exceptions ?? []) {
    const ex = erasureException(jurisdiction, declared.code);
    // An exception of the other jurisdiction is no ground to keep the data.
    if (ex) return { reason_code: ex.code, source: ex.source, explanation: `kept to ${ex.description}${declared.note ? `: ${declared.note}` : ''}`, retain_until: null };
  }
  const bases = new Set(holding.purposes.map((p) => p.lawful_basis));
  const underObligation = bases.has('legal_obligation') || bases.has('contract');
  const own = underObligation ? declaredFor(declared, holding.category) : null;
  if (own) {
    const ex = erasureException(jurisdiction, 'legal_obligation')!;
    return {
      reason_code: `${ex.code}:declared_obligation`,
      source: `${ex.source}; ${own.statute}`,
      explanation: `kept ${own.period} from ${COUNTED_FROM_TEXT[own.counted_from]} under the controller's declared obligation (${own.jurisdiction}), then deleted`,
      retain_until: declaredRetentionEnd(own, holding.last_stored_at ?? now.toISOString()),
      obligation_from: 'catalog',
    };
  }
  const obligation = underObligation ? retentionObligation(country, holding.category, now) : null;
  if (obligation) {
    const ex = erasureException(jurisdiction, obligation.exception)!;
    // from the record's own date; a holding with no known date counts from now (keeps it no shorter than the law asks)
    const recordDate = holding.last_stored_at ?? now.toISOString();
    return {
      reason_code: `${ex.code}:${obligation.id}`,
      source: `${ex.source}; ${obligation.source}`,
      explanation: `${obligation.description}: kept ${obligation.years} years from ${obligation.starts === 'record_date' ? 'the record\'s date' : 'the end of the calendar year of the record'}, then deleted`,
      retain_until: retainedUntil(obligation, recordDate),
      obligation_from: 'law',
    };
  }
  for (const p of holding.purposes) {
    const rule = LAWFUL_BASIS_RULES[p.lawful_basis];
    if (rule.rights.erasure.applies !== false) continue;
    const code: ErasureExceptionCode = p.lawful_basis === 'public_task' ? 'public_task' : 'legal_obligation';
    const ex = erasureException(jurisdiction, code) ?? erasureException(jurisdiction, 'legal_obligation')!;
    return { reason_code: ex.code, source: jurisdiction === 'GDPR' ? rule.rights.erasure.source : ex.source, explanation: `processed for "${p.purpose}" under ${rule.source}: ${ex.description}`, retain_until: null };
  }
  return null;
}

/** Art. 20: which categories are portable (consent or contract, automated, provided by the subject), and why the others are not. */
export function portabilityScope(holdings: readonly CategoryHolding[]): { portable: string[]; excluded: Array<{ category: string; reason: string }> } {
  const portable: string[] = [];
  const excluded: Array<{ category: string; reason: string }> = [];
  for (const h of holdings) {
    const basis = h.purposes.find((p) => LAWFUL_BASIS_RULES[p.lawful_basis].rights.portability.applies)?.lawful_basis;
    if (!basis) excluded.push({ category: h.category, reason: 'not processed on consent or contract (GDPR Art. 20(1)(a))' });
    else if (h.automated === false) excluded.push({ category: h.category, reason: 'not processed by automated means (GDPR Art. 20(1)(b))' });
    else if (h.provided_by_subject === false) excluded.push({ category: h.category, reason: 'not provided by the subject (GDPR Art. 20(1))' });
    else portable.push(h.category);
  }
  return { portable, excluded };
}

const COUNTED_FROM_TEXT: Record<DeclaredRetentionObligation['counted_from'], string> = {
  record_date: "the record's date",
  end_of_calendar_year: 'the end of the calendar year of the record',
  end_of_financial_year: 'the end of the financial year of the record',
};

/** The most specific declared obligation covering the category (a longer key beats a shorter one). */
function declaredFor(declared: readonly DeclaredRetentionObligation[], category: string): DeclaredRetentionObligation | null {
  let best: DeclaredRetentionObligation | null = null;
  for (const o of declared) if (categoryCovers(o.category, category) && (!best || o.category.length > best.category.length)) best = o;
  return best;
}
