import { invalidValue } from '../shared/errors';

/** GDPR Art. 6(1)(a)-(f) (LAW.md section 9). */
export const LAWFUL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;
export type LawfulBasis = (typeof LAWFUL_BASES)[number];

export interface LawfulBasisRule {
  readonly basis: LawfulBasis;
  readonly source: string;
  readonly effective_from: string;
  readonly rights: {
    readonly erasure: { readonly applies: boolean | 'subject_to_17_3'; readonly source: string };
    readonly portability: { readonly applies: boolean; readonly source: string };
    readonly objection: { readonly applies: boolean | 'absolute_for_direct_marketing'; readonly source: string };
  };
  /** Access (Art. 15), rectification (Art. 16) and restriction (Art. 18) apply under every basis. */
  readonly always: readonly ['access', 'rectification', 'restriction'];
}

const ALWAYS = ['access', 'rectification', 'restriction'] as const;
const EFFECTIVE = '2018-05-25';

export const LAWFUL_BASIS_RULES: Readonly<Record<LawfulBasis, LawfulBasisRule>> = {
  consent: {
    basis: 'consent',
    source: 'GDPR Art. 6(1)(a)',
    effective_from: EFFECTIVE,
    rights: {
      erasure: { applies: true, source: 'GDPR Art. 17(1)(b)' },
      portability: { applies: true, source: 'GDPR Art. 20(1)(a)' },
      objection: { applies: false, source: 'GDPR Art. 21 does not apply; withdraw consent instead, Art. 7(3)' },
    },
    always: ALWAYS,
  },
  contract: {
    basis: 'contract',
    source: 'GDPR Art. 6(1)(b)',
    effective_from: EFFECTIVE,
    rights: {
      erasure: { applies: 'subject_to_17_3', source: 'GDPR Art. 17(1), exceptions in Art. 17(3)' },
      portability: { applies: true, source: 'GDPR Art. 20(1)(a)' },
      objection: { applies: false, source: 'GDPR Art. 21(1) covers only Art. 6(1)(e) and (f)' },
    },
    always: ALWAYS,
  },
  legal_obligation: {
    basis: 'legal_obligation',
    source: 'GDPR Art. 6(1)(c)',
    effective_from: EFFECTIVE,
    rights: {
      erasure: { applies: false, source: 'GDPR Art. 17(3)(b)' },
      portability: { applies: false, source: 'GDPR Art. 20(1)(a) covers only consent and contract' },
      objection: { applies: false, source: 'GDPR Art. 21(1) covers only Art. 6(1)(e) and (f)' },
    },
    always: ALWAYS,
  },
  vital_interests: {
    basis: 'vital_interests',
    source: 'GDPR Art. 6(1)(d)',
    effective_from: EFFECTIVE,
    rights: {
      erasure: { applies: true, source: 'GDPR Art. 17(1)' },
      portability: { applies: false, source: 'GDPR Art. 20(1)(a) covers only consent and contract' },
      objection: { applies: false, source: 'GDPR Art. 21(1) covers only Art. 6(1)(e) and (f)' },
    },
    always: ALWAYS,
  },
  public_task: {
    basis: 'public_task',
    source: 'GDPR Art. 6(1)(e)',
    effective_from: EFFECTIVE,
    rights: {
      erasure: { applies: false, source: 'GDPR Art. 17(3)(b)' },
      portability: { applies: false, source: 'GDPR Art. 20(3)' },
      objection: { applies: true, source: 'GDPR Art. 21(1)' },
    },
    always: ALWAYS,
  },
  legitimate_interests: {
    basis: 'legitimate_interests',
    source: 'GDPR Art. 6(1)(f)',
    effective_from: EFFECTIVE,
    rights: {
      erasure: { applies: true, source: 'GDPR Art. 17(1)(c)' },
      portability: { applies: false, source: 'GDPR Art. 20(1)(a) covers only consent and contract' },
      objection: { applies: 'absolute_for_direct_marketing', source: 'GDPR Art. 21(1); absolute for direct marketing, Art. 21(2)-(3)' },
    },
    always: ALWAYS,
  },
};

/** Coarse values sent by older clients, mapped to Art. 6(1) keys. */
export const COARSE_LAWFUL_BASES: Readonly<Record<string, LawfulBasis>> = {
  user_consent: 'consent',
  contract_necessary: 'contract',
  legal_obligation: 'legal_obligation',
  vital_interest: 'vital_interests',
  public_task: 'public_task',
  legitimate_interest: 'legitimate_interests',
};

export function isLawfulBasis(value: string): value is LawfulBasis {
  return (LAWFUL_BASES as readonly string[]).includes(value);
}

/** Accepts an Art. 6(1) key or a coarse legacy value; throws DomainError invalid otherwise. */
export function resolveLawfulBasis(value: string): LawfulBasis {
  const v = typeof value === 'string' ? value.trim() : '';
  if (isLawfulBasis(v)) return v;
  const mapped = COARSE_LAWFUL_BASES[v];
  if (mapped) return mapped;
  throw invalidValue(`lawful_basis must be one of GDPR Art. 6(1)(a)-(f): ${LAWFUL_BASES.join(', ')}`, v, {
    field: 'lawful_basis',
    allowed: [...LAWFUL_BASES, ...Object.keys(COARSE_LAWFUL_BASES)],
  });
}

export type DataSubjectRight = 'access' | 'rectification' | 'restriction' | 'erasure' | 'portability' | 'objection';

/**
 * Whether a right applies to processing on this basis (LAW.md section 9). 'conditional': Art. 17(3)
 * exceptions, or the Art. 21(1) balancing test (absolute for direct marketing, Art. 21(2)).
 */
export function rightApplies(basis: LawfulBasis, right: DataSubjectRight, opts: { directMarketing?: boolean } = {}): 'yes' | 'no' | 'conditional' {
  if (right === 'access' || right === 'rectification' || right === 'restriction') return 'yes';
  const applies = LAWFUL_BASIS_RULES[basis].rights[right].applies;
  if (applies === false) return 'no';
  if (applies === 'subject_to_17_3') return 'conditional';
  if (applies === 'absolute_for_direct_marketing') return opts.directMarketing ? 'yes' : 'conditional';
  return right === 'objection' ? 'conditional' : 'yes';
}
