import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import { GppModel } from '@iabgpp/cmpapi';

/** Builds real TC and GPP strings with the IAB libraries' own encoders (no hard-coded strings). */
export function tcString(opts: { purposes: number[]; vendors?: number[]; specialFeatures?: number[]; cmpId?: number } = { purposes: [1] }): string {
  const purposes: Record<string, unknown> = {};
  for (let i = 1; i <= 11; i++) purposes[i] = { id: i, name: `purpose ${i}`, description: '', illustrations: [] };
  const vendorIds = opts.vendors ?? [755];
  const vendors: Record<string, unknown> = {};
  for (const id of vendorIds) {
    vendors[id] = { id, name: `vendor ${id}`, purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], legIntPurposes: [], flexiblePurposes: [], specialPurposes: [], features: [], specialFeatures: [1, 2], policyUrl: 'https://example.test', usesCookies: false, cookieRefresh: false, usesNonCookieAccess: false };
  }
  const gvl = new GVL({
    gvlSpecificationVersion: 3,
    vendorListVersion: 150,
    tcfPolicyVersion: 5,
    lastUpdated: '2026-01-01T00:00:00Z',
    purposes,
    specialPurposes: {},
    features: {},
    specialFeatures: { 1: { id: 1, name: 'geo', description: '' }, 2: { id: 2, name: 'scan', description: '' } },
    vendors,
    stacks: {},
    dataCategories: {},
  } as never);
  const m = new TCModel(gvl);
  m.cmpId = opts.cmpId ?? 42;
  m.cmpVersion = 3;
  m.consentScreen = 2;
  m.publisherCountryCode = 'DE';
  m.isServiceSpecific = true;
  m.purposeConsents.set(opts.purposes);
  if (opts.specialFeatures?.length) m.specialFeatureOptins.set(opts.specialFeatures);
  m.vendorConsents.set(vendorIds);
  return TCString.encode(m);
}

/** A GPP string with a usca or usnat section; values 1 = opted out, 2 = did not opt out. */
export function gppString(section: 'usca' | 'usnat', fields: Record<string, number | number[] | boolean>): string {
  const m = new GppModel();
  for (const [k, v] of Object.entries(fields)) m.setFieldValue(section, k, v);
  return m.encode();
}
