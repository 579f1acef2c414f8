import { declarePersonalFields } from '../shared/personal-fields';
import type { ConsentEventType } from './events';

const PROOF = ['proof.ip_address', 'proof.user_agent', 'proof.page', 'consent_string', 'extra', 'subject_id'];

/**
 * Personal fields of consent events, encrypted with the subject's data key before they reach the
 * log (ARCHITECTURE invariant 2): network identifiers, the page (paths can carry identifiers), the
 * signal strings (a TC string is personal data, CJEU C-604/22), caller-supplied free text (the
 * extra metadata, a restriction's reason) and the caller's clear subject id where legacy publishing keeps it. The rest is ids, the pseudonymous subject key, taxonomy
 * codes, times and server-written details (`Sec-GPC: 1`, a GPP section id): PII-free by construction.
 */
export const CONSENT_PERSONAL_FIELDS = declarePersonalFields<ConsentEventType>({
  'consent.given': PROOF,
  'consent.renewed': PROOF,
  'consent.refused': PROOF,
  'consent.withdrawn': ['extra', 'subject_id'],
  'consent.expired': [],
  'consent.opt_out_recorded': [],
  'consent.opt_out_conflict_recorded': [],
  'consent.processing_restricted': ['reason'],
  'consent.restriction_lifted': [],
  'consent.objection_recorded': [],
});
