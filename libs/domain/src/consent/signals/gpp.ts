import type { GppModel } from '@iabgpp/cmpapi';
import { invalid } from '../../shared';
import { GPP_RULES, type OptOutKind } from '../../law/consent';
import type { GppSummary } from '../events';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * Decodes an IAB GPP string; the usnat and usca sections' sale, sharing, targeted-advertising and
 * sensitive-data fields become CCPA opt-outs (value 1 = opted out / no consent).
 */
export function parseGppString(gpp: string): GppSummary {
  if (!/^D[A-Za-z0-9_.~-]+$/.test(gpp)) throw invalid('consent_string is not a GPP string', { field: 'consent_string' });
  let model: GppModel;
  let decoded: Record<string, Record<string, unknown>>;
  try {
    // loaded on first use (not by every process importing the domain: issue 14, idle memory)
    const { GppModel: Model } = require('@iabgpp/cmpapi') as typeof import('@iabgpp/cmpapi');
    model = new Model(gpp);
    decoded = model.toObject() as Record<string, Record<string, unknown>>;
  } catch {
    throw invalid('consent_string is not a valid GPP string: it does not decode', { field: 'consent_string' });
  }
  const sectionIds = (model.getSectionIds() as number[]).slice().sort((a, b) => a - b);
  if (!sectionIds.length) throw invalid('GPP string has no sections', { field: 'consent_string' });
  const us: GppSummary['us'] = {};
  const optOuts = new Set<OptOutKind>();
  for (const name of GPP_RULES.us_sections) {
    const s = decoded[name];
    if (!s) continue;
    const sensitive = Array.isArray(s.SensitiveDataProcessing) ? (s.SensitiveDataProcessing as number[]) : [];
    const entry = {
      sale_opt_out: num(s.SaleOptOut),
      sharing_opt_out: num(s.SharingOptOut),
      targeted_advertising_opt_out: s.TargetedAdvertisingOptOut === undefined ? null : num(s.TargetedAdvertisingOptOut),
      sensitive_data_processing: sensitive,
      gpc: typeof s.Gpc === 'boolean' && s.GpcSegmentIncluded !== false ? (s.Gpc as boolean) : null,
    };
    us[name] = entry;
    const out = GPP_RULES.opted_out_value;
    if (entry.sale_opt_out === out) optOuts.add('sale');
    if (entry.sharing_opt_out === out) optOuts.add('sharing');
    if (entry.targeted_advertising_opt_out === out) optOuts.add('targeted_advertising');
    if (sensitive.some((v) => v === out)) optOuts.add('sensitive_limit');
    if (entry.gpc === true) {
      optOuts.add('sale');
      optOuts.add('sharing');
    }
  }
  return { section_ids: sectionIds, sections: Object.keys(decoded).sort(), us, opt_outs: [...optOuts].sort() };
}
