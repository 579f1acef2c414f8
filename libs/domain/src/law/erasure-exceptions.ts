/**
 * Why data may be kept despite an erasure (deletion) request, as data with sources:
 * GDPR Art. 17(3)(a)-(e) and the CCPA deletion exceptions of Civ. Code § 1798.105(d), plus the
 * retention obligations a controller has configured (each citing the law that imposes it).
 */
export type ErasureExceptionCode =
  | 'freedom_of_expression'
  | 'legal_obligation'
  | 'public_task'
  | 'public_health'
  | 'archiving_research_statistics'
  | 'legal_claims'
  | 'complete_transaction'
  | 'security_integrity'
  | 'debugging'
  | 'free_speech_other_rights'
  | 'calecpa'
  | 'public_interest_research'
  | 'internal_expected_uses';

export interface ErasureException {
  readonly code: ErasureExceptionCode;
  readonly jurisdiction: 'GDPR' | 'CCPA';
  readonly description: string;
  readonly source: string;
  readonly effective_from: string;
}

const GDPR_FROM = '2018-05-25';
const CPRA_FROM = '2023-01-01';

export const GDPR_ERASURE_EXCEPTIONS: Readonly<Partial<Record<ErasureExceptionCode, ErasureException>>> = {
  freedom_of_expression: { code: 'freedom_of_expression', jurisdiction: 'GDPR', description: 'exercising the right of freedom of expression and information', source: 'GDPR Art. 17(3)(a)', effective_from: GDPR_FROM },
  legal_obligation: { code: 'legal_obligation', jurisdiction: 'GDPR', description: 'compliance with a legal obligation under Union or Member State law', source: 'GDPR Art. 17(3)(b)', effective_from: GDPR_FROM },
  public_task: { code: 'public_task', jurisdiction: 'GDPR', description: 'performance of a task in the public interest or in the exercise of official authority', source: 'GDPR Art. 17(3)(b)', effective_from: GDPR_FROM },
  public_health: { code: 'public_health', jurisdiction: 'GDPR', description: 'reasons of public interest in the area of public health (Art. 9(2)(h)-(i), 9(3))', source: 'GDPR Art. 17(3)(c)', effective_from: GDPR_FROM },
  archiving_research_statistics: { code: 'archiving_research_statistics', jurisdiction: 'GDPR', description: 'archiving in the public interest, scientific or historical research or statistics (Art. 89(1)) where erasure would seriously impair it', source: 'GDPR Art. 17(3)(d)', effective_from: GDPR_FROM },
  legal_claims: { code: 'legal_claims', jurisdiction: 'GDPR', description: 'establishment, exercise or defence of legal claims', source: 'GDPR Art. 17(3)(e)', effective_from: GDPR_FROM },
};

/** Civ. Code § 1798.105(d) as amended by the CPRA (paraphrased). */
export const CCPA_DELETION_EXCEPTIONS: Readonly<Partial<Record<ErasureExceptionCode, ErasureException>>> = {
  complete_transaction: { code: 'complete_transaction', jurisdiction: 'CCPA', description: 'complete the transaction, provide a requested good or service, perform a contract with the consumer', source: 'Civ. Code § 1798.105(d)(1)', effective_from: CPRA_FROM },
  security_integrity: { code: 'security_integrity', jurisdiction: 'CCPA', description: 'help ensure security and integrity, reasonably necessary and proportionate', source: 'Civ. Code § 1798.105(d)(2)', effective_from: CPRA_FROM },
  debugging: { code: 'debugging', jurisdiction: 'CCPA', description: 'debug to identify and repair errors that impair intended functionality', source: 'Civ. Code § 1798.105(d)(3)', effective_from: CPRA_FROM },
  free_speech_other_rights: { code: 'free_speech_other_rights', jurisdiction: 'CCPA', description: 'exercise free speech or another right provided for by law', source: 'Civ. Code § 1798.105(d)(4)', effective_from: CPRA_FROM },
  calecpa: { code: 'calecpa', jurisdiction: 'CCPA', description: 'comply with the California Electronic Communications Privacy Act', source: 'Civ. Code § 1798.105(d)(5)', effective_from: CPRA_FROM },
  public_interest_research: { code: 'public_interest_research', jurisdiction: 'CCPA', description: 'public or peer-reviewed scientific, historical or statistical research in the public interest', source: 'Civ. Code § 1798.105(d)(6)', effective_from: CPRA_FROM },
  internal_expected_uses: { code: 'internal_expected_uses', jurisdiction: 'CCPA', description: 'solely internal uses reasonably aligned with the consumer\'s expectations', source: 'Civ. Code § 1798.105(d)(7)', effective_from: CPRA_FROM },
  legal_obligation: { code: 'legal_obligation', jurisdiction: 'CCPA', description: 'comply with a legal obligation', source: 'Civ. Code § 1798.105(d)(8)', effective_from: CPRA_FROM },
  legal_claims: { code: 'legal_claims', jurisdiction: 'CCPA', description: 'exercise or defend legal claims', source: 'Civ. Code § 1798.145(a)(1)(E)', effective_from: '2020-01-01' },
};

export function erasureException(jurisdiction: 'GDPR' | 'CCPA', code: ErasureExceptionCode): ErasureException | undefined {
  return (jurisdiction === 'GDPR' ? GDPR_ERASURE_EXCEPTIONS : CCPA_DELETION_EXCEPTIONS)[code];
}
