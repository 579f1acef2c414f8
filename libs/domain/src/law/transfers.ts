/**
 * International transfers (LAW.md section 7): GDPR Chapter V. Legal facts as data with source and
 * effective dates; `assessTransfer` (catalog/transfer-assessment.ts) applies them to a data flow.
 */
export interface AdequacyDecision {
  /** ISO 3166-1 alpha-2 code, or `org:epo` for the European Patent Organisation. */
  readonly destination: string;
  readonly name: string;
  readonly decision: string;
  readonly effective_from: string;
  /** Inclusive last day, when the decision is time-limited. */
  readonly valid_until: string | null;
  /** full; commercial_only (Canada: organisations subject to PIPEDA); dpf_certified_only (US: EU-US Data Privacy Framework). */
  readonly scope: 'full' | 'commercial_only' | 'dpf_certified_only';
  readonly source: string;
  readonly note?: string;
}

const ART45 = 'GDPR Art. 45; LAW.md section 7';
// LAW.md gives the list and the dates of the US, UK renewal, EPO and Brazil decisions; the numbers and
// dates of the other decisions are their Official Journal references (adopted under Directive 95/46/EC
// Art. 25(6) and kept in force by GDPR Art. 45(9)); the UK entry's end date of 27 Dec 2025 is the
// six-month extension pending renewal. Review here when the Commission publishes a change.

export const ADEQUACY_DECISIONS: readonly AdequacyDecision[] = [
  { destination: 'AD', name: 'Andorra', decision: 'Decision 2010/625/EU', effective_from: '2010-10-19', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'AR', name: 'Argentina', decision: 'Decision 2003/490/EC', effective_from: '2003-06-30', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'CA', name: 'Canada', decision: 'Decision 2002/2/EC', effective_from: '2001-12-20', valid_until: null, scope: 'commercial_only', source: ART45, note: 'commercial organisations subject to PIPEDA only' },
  { destination: 'FO', name: 'Faroe Islands', decision: 'Decision 2010/146/EU', effective_from: '2010-03-05', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'GG', name: 'Guernsey', decision: 'Decision 2003/821/EC', effective_from: '2003-11-21', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'IM', name: 'Isle of Man', decision: 'Decision 2004/411/EC', effective_from: '2004-04-28', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'IL', name: 'Israel', decision: 'Decision 2011/61/EU', effective_from: '2011-01-31', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'JE', name: 'Jersey', decision: 'Decision 2008/393/EC', effective_from: '2008-05-08', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'NZ', name: 'New Zealand', decision: 'Decision 2013/65/EU', effective_from: '2012-12-19', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'CH', name: 'Switzerland', decision: 'Decision 2000/518/EC', effective_from: '2000-07-26', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'UY', name: 'Uruguay', decision: 'Decision 2012/484/EU', effective_from: '2012-08-21', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'JP', name: 'Japan', decision: 'Decision (EU) 2019/419', effective_from: '2019-01-23', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'KR', name: 'Republic of Korea', decision: 'Decision (EU) 2022/254', effective_from: '2021-12-17', valid_until: null, scope: 'full', source: ART45 },
  {
    destination: 'GB',
    name: 'United Kingdom',
    decision: 'Decision (EU) 2021/1772',
    effective_from: '2021-06-28',
    valid_until: '2025-12-27',
    scope: 'full',
    source: ART45,
    note: 'original decision, time-limited; extended pending renewal',
  },
  {
    destination: 'GB',
    name: 'United Kingdom',
    decision: 'Renewal of 19 Dec 2025',
    effective_from: '2025-12-19',
    valid_until: '2031-12-27',
    scope: 'full',
    source: ART45,
    note: 'renewed 19 Dec 2025 until 27 Dec 2031',
  },
  {
    destination: 'US',
    name: 'United States',
    decision: 'Decision (EU) 2023/1795 (EU-US Data Privacy Framework)',
    effective_from: '2023-07-10',
    valid_until: null,
    scope: 'dpf_certified_only',
    source: `${ART45}; upheld in T-553/23, appeal C-703/25 P pending`,
    note: 'only recipients certified under the EU-US Data Privacy Framework',
  },
  { destination: 'org:epo', name: 'European Patent Organisation', decision: 'Adequacy decision of 15 Jul 2025', effective_from: '2025-07-15', valid_until: null, scope: 'full', source: ART45 },
  { destination: 'BR', name: 'Brazil', decision: 'Decision (EU) 2026/179', effective_from: '2026-01-26', valid_until: null, scope: 'full', source: ART45 },
];

/** International organisations that can be a transfer destination (Art. 44). */
export const INTERNATIONAL_ORGANISATIONS: Readonly<Record<string, string>> = { 'org:epo': 'European Patent Organisation' };

/** EEA: the 27 EU member states plus Iceland, Liechtenstein and Norway (no Chapter V transfer within it). */
export const EEA_COUNTRIES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
]);
export const EEA_SOURCE = { source: 'EEA Agreement, Annex XI (GDPR incorporated by Decision 154/2018)', effective_from: '2018-07-20' };

/** Mechanisms no longer valid. */
export const INVALID_MECHANISMS: Readonly<Record<'privacy_shield' | 'safe_harbor', { readonly invalid_from: string; readonly effective_from: string; readonly source: string }>> = {
  privacy_shield: { invalid_from: '2020-07-16', effective_from: '2020-07-16', source: 'CJEU C-311/18 (Schrems II), invalidating Decision 2016/1250' },
  safe_harbor: { invalid_from: '2015-10-06', effective_from: '2015-10-06', source: 'CJEU C-362/14 (Schrems I), invalidating Decision 2000/520/EC' },
};

export type SccModule = 'C2C' | 'C2P' | 'P2P' | 'P2C';
export const SCC_MODULES: Readonly<Record<SccModule, { readonly exporter: 'controller' | 'processor'; readonly importer: 'controller' | 'processor'; readonly module: number }>> = {
  C2C: { exporter: 'controller', importer: 'controller', module: 1 },
  C2P: { exporter: 'controller', importer: 'processor', module: 2 },
  P2P: { exporter: 'processor', importer: 'processor', module: 3 },
  P2C: { exporter: 'processor', importer: 'controller', module: 4 },
};
export const SCC_DECISION = { source: 'Decision (EU) 2021/914 (standard contractual clauses), Art. 46(2)(c)', effective_from: '2021-06-27' };

export type Art46Safeguard = 'scc' | 'bcr' | 'code_of_conduct' | 'certification' | 'ad_hoc_clauses' | 'public_authority_instrument';
export const ART46_SAFEGUARDS: Readonly<Record<Art46Safeguard, { readonly source: string; readonly effective_from: string; readonly needs?: string }>> = {
  scc: { source: 'GDPR Art. 46(2)(c); Decision (EU) 2021/914', effective_from: '2021-06-27', needs: 'the SCC module matching the parties (C2C, C2P, P2P, P2C)' },
  bcr: { source: 'GDPR Art. 46(2)(b), Art. 47', effective_from: '2018-05-25', needs: 'binding corporate rules approved by the competent authority' },
  code_of_conduct: { source: 'GDPR Art. 46(2)(e), Art. 40', effective_from: '2018-05-25', needs: 'an approved code with binding and enforceable commitments of the importer' },
  certification: { source: 'GDPR Art. 46(2)(f), Art. 42', effective_from: '2018-05-25', needs: 'an approved certification with binding and enforceable commitments of the importer' },
  ad_hoc_clauses: { source: 'GDPR Art. 46(3)(a)', effective_from: '2018-05-25', needs: 'authorisation by the competent supervisory authority' },
  public_authority_instrument: { source: 'GDPR Art. 46(2)(a)', effective_from: '2018-05-25', needs: 'a legally binding instrument between public authorities' },
};
export const TIA_SOURCE = 'EDPB Recommendations 01/2020 on supplementary measures (transfer impact assessment)';

export type Art49Derogation =
  | 'explicit_consent'
  | 'contract_with_subject'
  | 'contract_in_subject_interest'
  | 'public_interest'
  | 'legal_claims'
  | 'vital_interests'
  | 'public_register'
  | 'compelling_legitimate_interests';

export const ART49_DEROGATIONS: Readonly<Record<Art49Derogation, { readonly source: string; readonly effective_from: string }>> = {
  explicit_consent: { source: 'GDPR Art. 49(1)(a)', effective_from: '2018-05-25' },
  contract_with_subject: { source: 'GDPR Art. 49(1)(b)', effective_from: '2018-05-25' },
  contract_in_subject_interest: { source: 'GDPR Art. 49(1)(c)', effective_from: '2018-05-25' },
  public_interest: { source: 'GDPR Art. 49(1)(d)', effective_from: '2018-05-25' },
  legal_claims: { source: 'GDPR Art. 49(1)(e)', effective_from: '2018-05-25' },
  vital_interests: { source: 'GDPR Art. 49(1)(f)', effective_from: '2018-05-25' },
  public_register: { source: 'GDPR Art. 49(1)(g)', effective_from: '2018-05-25' },
  compelling_legitimate_interests: { source: 'GDPR Art. 49(1) second subparagraph (last resort)', effective_from: '2018-05-25' },
};

export function isEea(country: string): boolean {
  return EEA_COUNTRIES.has(country);
}

/** The adequacy decisions in force for a destination at `at` (ISO date or timestamp). */
export function adequacyAt(destination: string, at: Date): AdequacyDecision | null {
  const day = at.toISOString().slice(0, 10);
  return ADEQUACY_DECISIONS.find((d) => d.destination === destination && d.effective_from <= day && (d.valid_until === null || day <= d.valid_until)) ?? null;
}
