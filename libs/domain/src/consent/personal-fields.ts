/**
 * Personal fields of consent events, encrypted with the subject's data key before they reach the
 * log (ARCHITECTURE invariant 2): network identifiers, the page (paths can carry identifiers), the
 * signal strings (a TC string is personal data, CJEU C-604/22) and caller-supplied free text.
 * Everything else is PII-free by construction.
 */
export const CONSENT_PERSONAL_FIELDS: ReadonlyArray<{ readonly type: string; readonly paths: readonly string[] }> = [
  { type: 'consent.given', paths: ['proof.ip_address', 'proof.user_agent', 'proof.page', 'consent_string', 'extra'] },
  { type: 'consent.renewed', paths: ['proof.ip_address', 'proof.user_agent', 'proof.page', 'consent_string', 'extra'] },
  { type: 'consent.refused', paths: ['proof.ip_address', 'proof.user_agent', 'proof.page', 'consent_string', 'extra'] },
  { type: 'consent.processing_restricted', paths: ['reason'] },
];
