import type { Jurisdiction } from '../law/deadlines';

/** The rights a request can exercise, per jurisdiction, with their source (LAW.md section 1). */
export const REQUEST_TYPES = [
  'access',
  'rectification',
  'erasure',
  'portability',
  'restriction',
  'objection',
  'opt_out_sale_sharing',
  'limit_sensitive_pi',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const JURISDICTIONS = ['GDPR', 'CCPA'] as const;
export type { Jurisdiction };

export interface RightDefinition {
  readonly source: string;
  /** Clock rule id in law/deadlines.ts. */
  readonly deadline: 'gdpr_response' | 'ccpa_response' | 'ccpa_opt_out_sale_sharing' | 'ccpa_limit_sensitive_pi';
  /** Whether the controller may extend the deadline (GDPR 12(3); CCPA 1798.130(a)(2)). */
  readonly extendable: boolean;
  /** CCPA: confirm receipt within 10 business days (11 CCR § 7021(a)). */
  readonly confirmReceipt: boolean;
}

export const RIGHTS: Readonly<Record<Jurisdiction, Partial<Record<RequestType, RightDefinition>>>> = {
  GDPR: {
    access: { source: 'GDPR Art. 15', deadline: 'gdpr_response', extendable: true, confirmReceipt: false },
    rectification: { source: 'GDPR Art. 16', deadline: 'gdpr_response', extendable: true, confirmReceipt: false },
    erasure: { source: 'GDPR Art. 17', deadline: 'gdpr_response', extendable: true, confirmReceipt: false },
    portability: { source: 'GDPR Art. 20', deadline: 'gdpr_response', extendable: true, confirmReceipt: false },
    restriction: { source: 'GDPR Art. 18', deadline: 'gdpr_response', extendable: true, confirmReceipt: false },
    objection: { source: 'GDPR Art. 21', deadline: 'gdpr_response', extendable: true, confirmReceipt: false },
  },
  CCPA: {
    access: { source: 'Civ. Code §§ 1798.100, 1798.110, 1798.115 (right to know)', deadline: 'ccpa_response', extendable: true, confirmReceipt: true },
    erasure: { source: 'Civ. Code § 1798.105 (right to delete)', deadline: 'ccpa_response', extendable: true, confirmReceipt: true },
    rectification: { source: 'Civ. Code § 1798.106 (right to correct)', deadline: 'ccpa_response', extendable: true, confirmReceipt: true },
    opt_out_sale_sharing: { source: 'Civ. Code § 1798.120; 11 CCR § 7026', deadline: 'ccpa_opt_out_sale_sharing', extendable: false, confirmReceipt: false },
    limit_sensitive_pi: { source: 'Civ. Code § 1798.121; 11 CCR § 7027', deadline: 'ccpa_limit_sensitive_pi', extendable: false, confirmReceipt: false },
  },
};

export function rightDefinition(jurisdiction: Jurisdiction, type: RequestType): RightDefinition | undefined {
  return RIGHTS[jurisdiction]?.[type];
}

/** Types whose outcome must be passed on to each recipient (GDPR Art. 19; CCPA deletion: 11 CCR § 7022(b)). */
export const NOTIFY_RECIPIENTS: ReadonlySet<RequestType> = new Set(['rectification', 'erasure', 'restriction']);

/** Types that release personal data to the requester (recorded as `rights.data_released`). */
export const RELEASES_DATA: ReadonlySet<RequestType> = new Set(['access', 'portability']);
