import { invalid, invalidValue } from '../shared/errors';
import { CPRA_SENSITIVE, type Art9Kind, type CpraSensitiveKind, type SpecialCategoryFlags } from '../law/special-categories';
import type { RestrictionException } from '../law/consent';
import { COARSE_LAWFUL_BASES, type LawfulBasis } from '../law/lawful-bases';
import { DATA_CATEGORIES, PURPOSES, SUBJECT_CATEGORIES, TAXONOMY_VERSION, type DataCategoryDef, type PurposeDef, type SubjectCategoryDef } from './taxonomy-data';
import { canonicalCategory, canonicalPurpose, canonicalSubjectCategory } from './taxonomy-aliases';
import { customCategory, customPurpose } from './custom-keys';

export * from './taxonomy-data';
export * from './taxonomy-aliases';
export * from './custom-keys';

/**
 * The catalog taxonomy: hierarchical dotted keys for data categories, purposes (data uses) and data
 * subject categories, fideslang's default taxonomy plus the service's extensions (taxonomy-data.ts).
 * A key covers its descendants (`user.contact` covers `user.contact.email`). Older service keys are
 * aliases of the fideslang key they duplicate (taxonomy-aliases.ts). Organisations add their own keys
 * under `custom.`, declared with a parent or their flags (custom-keys.ts).
 */
export const CUSTOM_PREFIX = 'custom.';

const KEY_SHAPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const CUSTOM_SHAPE = /^custom(\.[a-z][a-z0-9_]*)+$/;

/**
 * Coarse category values sent by older clients (the earlier privacy service's seven: personal, sensitive,
 * financial, health, biometric, location, behavioral). `personal` is the root `user`: a consent to it never
 * covers a special category or sensitive PI, which must be named (consent/traits.ts `consentCategoryCovers`);
 * `location` is `user.location`, which does not cover precise geolocation (CPRA sensitive PI,
 * Civ. § 1798.140(ae)); `health` and `biometric` are special categories ([G] Art. 9(1)) and need explicit consent.
 */
export const COARSE_CATEGORIES: Readonly<Record<string, string>> = {
  personal: 'user',
  sensitive: 'user.sensitive',
  behavioral: 'user.behavior',
  biometric: 'user.biometric',
  financial: 'user.financial',
  health: 'user.health_and_medical',
  location: 'user.location',
};

/**
 * Coarse purpose values sent by older clients (they sent lawful bases as purposes). Four map onto a
 * purpose that carries that basis; consent and legitimate interest have no finer meaning and keep a
 * `legacy.` key.
 */
export const COARSE_PURPOSES: Readonly<Record<string, string>> = {
  contract_necessary: 'essential.service',
  legal_obligation: 'essential.legal_obligation',
  vital_interest: 'essential.vital_interests',
  public_task: 'essential.public_task',
  legitimate_interest: 'legacy.legitimate_interest',
  user_consent: 'legacy.user_consent',
};

/** The lawful basis a coarse purpose value implies (for older clients that sent bases as purposes). */
export function impliedBasisOfCoarsePurpose(value: string): LawfulBasis | undefined {
  return COARSE_LAWFUL_BASES[value];
}

const categoryByKey = new Map(DATA_CATEGORIES.map((c) => [c.key, c]));
const purposeByKey = new Map(PURPOSES.map((p) => [p.key, p]));
const subjectByKey = new Map(SUBJECT_CATEGORIES.map((s) => [s.key, s]));

export type TaxonomyKind = 'data_category' | 'purpose' | 'subject_category';

interface KindRules {
  readonly known: Map<string, unknown>;
  readonly coarse: Readonly<Record<string, string>>;
  readonly canonical: (key: string) => string;
  /** Custom keys must be declared (data categories: an undeclared one could hide a special category). */
  readonly customDeclared?: (key: string) => boolean;
}

const RULES: Record<TaxonomyKind, KindRules> = {
  data_category: { known: categoryByKey, coarse: COARSE_CATEGORIES, canonical: canonicalCategory, customDeclared: (k) => customCategory(k) !== undefined },
  purpose: { known: purposeByKey, coarse: COARSE_PURPOSES, canonical: canonicalPurpose },
  subject_category: { known: subjectByKey, coarse: {}, canonical: canonicalSubjectCategory },
};

function resolve(kind: TaxonomyKind, value: unknown): string {
  const field = kind;
  const { known, coarse, canonical, customDeclared } = RULES[kind];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} must be a non-empty taxonomy key`, { field });
  const v = value.trim();
  if (known.has(v)) return v;
  if (Object.prototype.hasOwnProperty.call(coarse, v)) return coarse[v];
  const c = canonical(v);
  if (c !== v && known.has(c)) return c;
  if (v.startsWith(CUSTOM_PREFIX)) {
    if (!CUSTOM_SHAPE.test(v)) {
      throw invalidValue(`${field} is not a valid custom key: use custom.<segment>[.<segment>...] with lowercase letters, digits and underscores`, v, { field });
    }
    if (customDeclared && !customDeclared(v)) {
      throw invalidValue(
        `${field} is an undeclared custom key: declare it with its parent taxonomy key (e.g. user.health_and_medical) or its special-category flags (TAXONOMY_CUSTOM_KEYS_FILE), so Art. 9 / sensitive-PI checks can apply`,
        v,
        { field, taxonomy_version: TAXONOMY_VERSION },
      );
    }
    return v;
  }
  const reason = KEY_SHAPE.test(v)
    ? `unknown ${field.replace('_', ' ')}: not in taxonomy ${TAXONOMY_VERSION}; use a taxonomy key, a coarse value (${Object.keys(coarse).join(', ') || 'none'}) or a custom.* key`
    : `${field} is malformed: keys are dotted lowercase segments like user.contact.email`;
  throw invalidValue(reason, v, { field, taxonomy_version: TAXONOMY_VERSION });
}

/** Canonical data category key for a taxonomy key, alias, coarse value or declared custom key; throws DomainError invalid otherwise. */
export function resolveCategory(value: string): string {
  return resolve('data_category', value);
}

/** Canonical purpose key for a taxonomy key, alias, coarse value or custom key; throws DomainError invalid otherwise. */
export function resolvePurpose(value: string): string {
  return resolve('purpose', value);
}

export function resolveSubjectCategory(value: string): string {
  return resolve('subject_category', value);
}

export function isKnownCategory(value: string): boolean {
  try {
    resolveCategory(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * `parent` covers `child` when they are equal or `child` is a dotted descendant (`user.contact` covers
 * `user.contact.email`, not `user.contacts`). Aliases compare as their canonical key, so a read model
 * or a rule written with an older key answers alike.
 */
export function categoryCovers(parent: string, child: string): boolean {
  return dottedCovers(canonicalCategory(parent), canonicalCategory(child));
}

/** Same rule for purposes: consent to `marketing` covers `marketing.communications.email`. */
export function purposeCovers(parent: string, child: string): boolean {
  return dottedCovers(canonicalPurpose(parent), canonicalPurpose(child));
}

function dottedCovers(parent: string, child: string): boolean {
  return child === parent || child.startsWith(`${parent}.`);
}

/** The key and its ancestors, nearest first: `user.contact.email` -> [user.contact.email, user.contact, user]. */
export function ancestorsOf(key: string): string[] {
  const parts = key.split('.');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

/** The key and its ancestors; a declared custom key continues with its declared parent's. */
function lineageOf(key: string, parentOf: (k: string) => string | undefined): string[] {
  const out: string[] = [];
  for (let k: string | undefined = key; k && out.length < 32; ) {
    for (const a of ancestorsOf(k)) out.push(a);
    k = parentOf(k);
  }
  return out;
}

export function categoryDef(key: string): DataCategoryDef | undefined {
  return categoryByKey.get(canonicalCategory(key));
}

export function purposeDef(key: string): PurposeDef | undefined {
  return purposeByKey.get(canonicalPurpose(key));
}

type CategoryFlagSource = Pick<DataCategoryDef, 'art9' | 'art10' | 'cpra'>;

/**
 * Special-category flags of a category key, inherited from its ancestors (nearest first; `none` stops
 * a CPRA flag). A custom key carries its declared flags and those of its declared parent; an
 * undeclared one carries none (it cannot be recorded: resolveCategory refuses it).
 */
export function specialFlagsOf(
  categoryKey: string,
): SpecialCategoryFlags & { art9_kind?: Art9Kind | 'unspecified'; cpra_kind?: CpraSensitiveKind | 'unspecified' } {
  let art9: Art9Kind | 'unspecified' | undefined;
  let art10 = false;
  let cpra: CpraSensitiveKind | 'unspecified' | 'none' | undefined;
  const key = canonicalCategory(categoryKey);
  for (const k of lineageOf(key, (c) => customCategory(c)?.parent)) {
    const def: CategoryFlagSource | undefined = categoryByKey.get(k) ?? customCategory(k);
    if (!def) continue;
    art9 ??= def.art9;
    cpra ??= def.cpra;
    art10 ||= def.art10 === true;
  }
  const cpraKind = cpra === 'none' ? undefined : cpra;
  return {
    gdpr_art9: art9 !== undefined,
    gdpr_art10: art10,
    // the CPRA table (Civ. Code § 1798.140(ae), each kind with its source) decides which kinds are sensitive
    cpra_sensitive: cpraKind === 'unspecified' || (cpraKind !== undefined && CPRA_SENSITIVE.some((r) => r.kind === cpraKind)),
    ...(art9 ? { art9_kind: art9 } : {}),
    ...(cpraKind ? { cpra_kind: cpraKind } : {}),
  };
}

function inheritedPurposeFlag<K extends keyof PurposeDef>(purposeKey: string, flag: K): PurposeDef[K] | undefined {
  for (const k of lineageOf(canonicalPurpose(purposeKey), (p) => customPurpose(p)?.parent)) {
    const v = purposeByKey.get(k)?.[flag];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** CCPA: does processing for this purpose count as a "sale" or "sharing" (opt-out right, § 1798.120; GPC, 11 CCR § 7025)? */
export function ccpaSaleOrSharing(purposeKey: string): 'sale' | 'sharing' | null {
  return inheritedPurposeFlag(purposeKey, 'ccpa_sale_or_sharing') ?? null;
}

export function isSaleOrSharingPurpose(purposeKey: string): boolean {
  return ccpaSaleOrSharing(purposeKey) !== null;
}

/** CCPA: is using sensitive PI for this purpose subject to the right to limit (§ 1798.121; 11 CCR § 7027(m))? Undeclared custom purposes: yes, conservatively. */
export function isSensitiveUseLimitable(purposeKey: string): boolean {
  if (purposeKey.startsWith(CUSTOM_PREFIX) && !customPurpose(purposeKey)?.parent) return true;
  return inheritedPurposeFlag(purposeKey, 'ccpa_sensitive_use_limitable') === true;
}

export function restrictionExceptionOf(purposeKey: string): RestrictionException | null {
  return inheritedPurposeFlag(purposeKey, 'art18_exception') ?? null;
}

export function isDirectMarketing(purposeKey: string): boolean {
  return inheritedPurposeFlag(purposeKey, 'direct_marketing') === true;
}

export const CCPA_SOURCES = {
  sale: { source: 'Cal. Civ. Code § 1798.140(ad), § 1798.120', effective_from: '2020-01-01' },
  sharing: { source: 'Cal. Civ. Code § 1798.140(ah), § 1798.120 (CPRA)', effective_from: '2023-01-01' },
  sensitive_use: { source: 'Cal. Civ. Code § 1798.121; 11 CCR § 7027(m)', effective_from: '2023-01-01' },
  gpc: { source: '11 CCR § 7025', effective_from: '2023-03-29' },
} as const;

export function subjectCategoryDef(key: string): SubjectCategoryDef | undefined {
  return subjectByKey.get(canonicalSubjectCategory(key));
}
