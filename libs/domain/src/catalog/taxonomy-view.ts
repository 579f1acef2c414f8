import { LAWFUL_BASIS_RULES } from '../law/lawful-bases';
import { customKeys } from './custom-keys';
import { CATEGORY_ALIASES, LEGACY_PURPOSE_MEANINGS, PURPOSE_ALIASES, SUBJECT_ALIASES } from './taxonomy-aliases';
import { DATA_CATEGORIES, FIDESLANG_SOURCE, FIDESLANG_VERSION, PURPOSES, SUBJECT_CATEGORIES, TAXONOMY_VERSION } from './taxonomy-data';
import { COARSE_CATEGORIES, COARSE_PURPOSES, CUSTOM_PREFIX, ccpaSaleOrSharing, isDirectMarketing, isSensitiveUseLimitable, specialFlagsOf } from './taxonomy';

/** Which taxonomy the keys of an answer belong to (taxonomy route, RoPA export, Fides export). */
export function taxonomyVersions(): { readonly taxonomy_version: string; readonly fideslang_version: string; readonly fideslang_source: string } {
  return { taxonomy_version: TAXONOMY_VERSION, fideslang_version: FIDESLANG_VERSION, fideslang_source: FIDESLANG_SOURCE };
}

const withNote = (note: string | undefined) => (note ? { note } : {});

/** The whole taxonomy with its flags, aliases and declared custom keys (GET /governance/taxonomy). */
export function taxonomyDocument() {
  return {
    version: TAXONOMY_VERSION,
    ...taxonomyVersions(),
    data_categories: DATA_CATEGORIES.map((c) => ({ key: c.key, label: c.label, origin: c.origin, ...specialFlagsOf(c.key), ...withNote(c.note) })),
    purposes: PURPOSES.map((p) => ({
      key: p.key,
      label: p.label,
      origin: p.origin,
      ccpa_sale_or_sharing: ccpaSaleOrSharing(p.key),
      ccpa_sensitive_use_limitable: isSensitiveUseLimitable(p.key),
      direct_marketing: isDirectMarketing(p.key),
      ...withNote(p.note),
    })),
    subject_categories: SUBJECT_CATEGORIES,
    aliases: { data_categories: CATEGORY_ALIASES, purposes: PURPOSE_ALIASES, subject_categories: SUBJECT_ALIASES, legacy_purpose_meanings: LEGACY_PURPOSE_MEANINGS },
    coarse_categories: COARSE_CATEGORIES,
    coarse_purposes: COARSE_PURPOSES,
    lawful_bases: LAWFUL_BASIS_RULES,
    custom_prefix: CUSTOM_PREFIX,
    custom_keys: customKeys(),
  };
}
