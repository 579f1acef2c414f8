import type { Jurisdiction, RequestType } from './request-types';

/**
 * Identity verification as data (GDPR Art. 12(6), Recital 64; CCPA 11 CCR §§ 7060-7063). The
 * decider checks the evidence against the requirement and records method and level.
 */
export type VerificationMethod = 'account_authentication' | 'data_points' | 'documents' | 'other';
export type VerificationLevel = 'not_required' | 'reasonable' | 'reasonable_degree' | 'reasonably_high_degree';
export type AccessScope = 'categories' | 'specific_pieces';

export interface VerificationRequirement {
  readonly required: boolean;
  readonly level: VerificationLevel;
  /** Matching data points for non-account holders (CCPA). */
  readonly minDataPoints: number;
  readonly signedDeclaration: boolean;
  readonly source: string;
}

export interface VerificationEvidence {
  readonly method: VerificationMethod;
  /** Number of data points provided by the requester that matched reliable records. */
  readonly dataPointsMatched?: number;
  /** Declaration under penalty of perjury (CCPA specific pieces, 11 CCR § 7062(c)). */
  readonly signedDeclaration?: boolean;
  /** Agent requests: the consumer's signed permission was checked (11 CCR § 7063(a)). */
  readonly agentPermissionVerified?: boolean;
}

export interface AgentInfo {
  readonly kind: 'authorised_agent' | 'power_of_attorney';
}

export function verificationRequirement(jurisdiction: Jurisdiction, type: RequestType, accessScope: AccessScope | null): VerificationRequirement {
  if (jurisdiction === 'GDPR') {
    // Reasonable measures, never none: at least one matching data point, identity documents or the
    // subject's account (Art. 12(6): where in doubt, ask for more information).
    return { required: true, level: 'reasonable', minDataPoints: 1, signedDeclaration: false, source: 'GDPR Art. 12(6), Recital 64: reasonable measures to verify identity' };
  }
  switch (type) {
    case 'opt_out_sale_sharing':
      return { required: false, level: 'not_required', minDataPoints: 0, signedDeclaration: false, source: '11 CCR § 7026: a request to opt out need not be verifiable' };
    case 'limit_sensitive_pi':
      return { required: false, level: 'not_required', minDataPoints: 0, signedDeclaration: false, source: '11 CCR § 7027: a request to limit need not be verifiable' };
    case 'access':
      return accessScope === 'specific_pieces'
        ? { required: true, level: 'reasonably_high_degree', minDataPoints: 3, signedDeclaration: true, source: '11 CCR § 7062(c): three data points and a signed declaration for specific pieces' }
        : { required: true, level: 'reasonable_degree', minDataPoints: 2, signedDeclaration: false, source: '11 CCR § 7062(b): two data points for categories' };
    default:
      return { required: true, level: 'reasonable_degree', minDataPoints: 2, signedDeclaration: false, source: '11 CCR § 7062(d): reasonable degree for deletion and correction' };
  }
}

export type VerificationCheck = { readonly ok: true; readonly level: VerificationLevel } | { readonly ok: false; readonly reason: string };

export function checkVerification(
  req: VerificationRequirement,
  evidence: VerificationEvidence,
  ctx: { readonly isAccountHolder: boolean; readonly agent: AgentInfo | null },
): VerificationCheck {
  if (!req.required) return { ok: true, level: 'not_required' };
  if (ctx.agent?.kind === 'authorised_agent' && !evidence.agentPermissionVerified) {
    return { ok: false, reason: "an authorised agent needs the subject's signed permission (11 CCR § 7063(a))" };
  }
  const gdpr = req.level === 'reasonable';
  if (evidence.method === 'account_authentication') {
    if (!ctx.isAccountHolder) return { ok: false, reason: `account authentication is only for account holders (${gdpr ? req.source : '11 CCR § 7061'})` };
    return { ok: true, level: req.level };
  }
  if (evidence.method === 'data_points') {
    if ((evidence.dataPointsMatched ?? 0) < req.minDataPoints) return { ok: false, reason: `${req.minDataPoints} matching data point${req.minDataPoints > 1 ? 's are' : ' is'} required (${req.source})` };
    if (req.signedDeclaration && !evidence.signedDeclaration) return { ok: false, reason: `a signed declaration is required (${req.source})` };
    return { ok: true, level: req.level };
  }
  // Identity documents satisfy GDPR's reasonable measures; the CCPA regulations ask for matching data points.
  if (evidence.method === 'documents' && gdpr) return { ok: true, level: req.level };
  return { ok: false, reason: `verify by account authentication, ${req.minDataPoints} matching data point${req.minDataPoints > 1 ? 's' : ''}${gdpr ? ' or identity documents' : ''} (${req.source})` };
}
