import type { TCModel } from '@iabtechlabtcf/core';
import { invalid } from '../../shared';
import { DEFAULT_TCF_PURPOSE_MAP, TCF_RULES } from '../../law/consent';
import type { TcfSummary } from '../events';

type Vector = { forEach(cb: (value: boolean, id: number) => void): void };
const ids = (v: Vector): number[] => {
  const out: number[] = [];
  v.forEach((on, id) => on && out.push(id));
  return out.sort((a, b) => a - b);
};
const isoOrNull = (d: Date | undefined): string | null => (d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : null);

/**
 * Decodes an IAB TCF v2.2/v2.3 TC string (core segment plus optional segments) into a PII-free
 * summary. The string itself is personal data (CJEU C-604/22): the caller stores it encrypted.
 */
export function parseTcString(tcString: string, purposeMap: Readonly<Record<number, readonly string[]>> = DEFAULT_TCF_PURPOSE_MAP): TcfSummary {
  if (!/^C[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(tcString)) throw invalid('consent_string is not a TCF v2 TC string', { field: 'consent_string' });
  let m: TCModel;
  try {
    // loaded on first use (not by every process importing the domain: issue 14, idle memory)
    const { TCString } = require('@iabtechlabtcf/core') as typeof import('@iabtechlabtcf/core');
    m = TCString.decode(tcString);
  } catch {
    throw invalid('consent_string is not a valid TC string: it does not decode', { field: 'consent_string' });
  }
  const version = Number(m.version);
  if (!TCF_RULES.accepted_versions.includes(version)) throw invalid(`TC string version ${version} is not supported (TCF v2.2/v2.3 only)`, { field: 'consent_string' });
  if (!(Number(m.cmpId) > 1)) throw invalid('TC string has no valid CMP id', { field: 'consent_string' });
  const purposes = ids(m.purposeConsents);
  const mapped = [...new Set(purposes.flatMap((p) => purposeMap[p] ?? []))].sort();
  return {
    version,
    cmp_id: Number(m.cmpId),
    cmp_version: Number(m.cmpVersion),
    consent_screen: Number(m.consentScreen),
    consent_language: m.consentLanguage,
    vendor_list_version: Number(m.vendorListVersion),
    policy_version: Number(m.policyVersion),
    is_service_specific: m.isServiceSpecific,
    publisher_cc: m.publisherCountryCode,
    created: isoOrNull(m.created),
    last_updated: isoOrNull(m.lastUpdated),
    purpose_consents: purposes,
    purpose_legitimate_interests: ids(m.purposeLegitimateInterests),
    special_feature_opt_ins: ids(m.specialFeatureOptins),
    vendor_consents: ids(m.vendorConsents),
    vendor_legitimate_interests: ids(m.vendorLegitimateInterests),
    mapped_purposes: mapped,
  };
}
