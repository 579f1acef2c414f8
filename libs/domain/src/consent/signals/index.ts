import { invalid } from '../../shared';
import { USP_RULES, type OptOutKind, type OptOutSource } from '../../law/consent';
import type { SignalSummary } from '../events';
import { parseGppString } from './gpp';
import { parseTcString } from './tcf';
import { parseUsPrivacyString } from './usp';

export { parseGppString, parseTcString, parseUsPrivacyString };

export interface ParsedSignal {
  readonly summary: SignalSummary;
  /** Opt-outs the string carries (GPP usnat/usca, US Privacy). */
  readonly optOuts: { kinds: OptOutKind[]; source: OptOutSource; detail: string | null } | null;
  /** Internal purposes consented through TCF (mapped by configurable data). */
  readonly tcfPurposes: string[];
}

/** Recognises the kind of `consent_string` by its shape: TC string (C...), GPP (D...), US Privacy (1YNN). */
export function parseConsentString(value: string, tcfPurposeMap?: Readonly<Record<number, readonly string[]>>): ParsedSignal {
  const s = value.trim();
  if (s.length > 16384) throw invalid('consent_string is too long', { field: 'consent_string' });
  if (s.length === 4 && s.startsWith(USP_RULES.version)) {
    const usp = parseUsPrivacyString(s);
    return { summary: { kind: 'usp', usp }, optOuts: usp.opted_out_of_sale === USP_RULES.opted_out_value ? { kinds: ['sale'], source: 'usp', detail: 'us_privacy' } : null, tcfPurposes: [] };
  }
  if (s.startsWith('D')) {
    const gpp = parseGppString(s);
    return { summary: { kind: 'gpp', gpp }, optOuts: gpp.opt_outs.length ? { kinds: gpp.opt_outs, source: 'gpp', detail: Object.keys(gpp.us).join(',') || null } : null, tcfPurposes: [] };
  }
  if (s.startsWith('C')) {
    const tcf = parseTcString(s, tcfPurposeMap);
    return { summary: { kind: 'tcf', tcf }, optOuts: null, tcfPurposes: tcf.mapped_purposes };
  }
  throw invalid('consent_string is neither a TCF TC string, a GPP string nor a US Privacy string', { field: 'consent_string' });
}
