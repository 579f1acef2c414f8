import { invalid } from '../shared/errors';
import { CPRA_SENSITIVE, GDPR_ART9, type Art9Kind, type CpraSensitiveKind } from '../law/special-categories';
import { suggestClassification } from './classification';
import { customKeys, installCustomKeys, type CustomCategory, type CustomPurpose } from './custom-keys';
import { canonicalCategory, canonicalPurpose } from './taxonomy-aliases';
import { categoryDef, purposeDef, specialFlagsOf } from './taxonomy';

/**
 * Declarations of `custom.*` keys (the organisation's taxonomy extension, e.g. from
 * TAXONOMY_CUSTOM_KEYS_FILE):
 *
 *   data_categories:
 *     - { key: custom.health_and_medical, parent: user.health_and_medical }
 *     - { key: custom.union_dues, art9: trade_union_membership, cpra: union_membership }
 *   purposes:
 *     - { key: custom.device_storage, parent: functional.storage }
 *
 * A custom data category names its parent (whose flags it inherits) or its own flags: an undeclared
 * one is refused, so a special category cannot be hidden under `custom.` (GDPR Art. 9, Civ. Code
 * § 1798.140(ae)). A declaration whose name reads as a special category without carrying its flags
 * (`custom.health_records` under `user`) is refused too.
 */
export interface CustomKeysInput {
  readonly data_categories?: unknown;
  readonly purposes?: unknown;
}

const CUSTOM_SHAPE = /^custom(\.[a-z][a-z0-9_]*)+$/;
const ART9 = new Set<string>([...GDPR_ART9.kinds, 'unspecified']);
const CPRA = new Set<string>([...CPRA_SENSITIVE.map((r) => r.kind), 'unspecified']);
const CATEGORY_FIELDS = new Set(['key', 'label', 'parent', 'art9', 'art10', 'cpra']);
const PURPOSE_FIELDS = new Set(['key', 'label', 'parent']);

type Entry = Record<string, unknown>;

function entries(v: unknown, field: string): Entry[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((e) => !e || typeof e !== 'object' || Array.isArray(e))) throw invalid(`${field} must be a list of declarations`, { field });
  return v as Entry[];
}

function checkCommon(e: Entry, at: string, allowed: Set<string>, declared: Set<string>): string {
  const unknown = Object.keys(e).filter((k) => !allowed.has(k));
  if (unknown.length) throw invalid(`${at}: unknown field(s) ${unknown.join(', ')}; allowed: ${[...allowed].join(', ')}`, { field: at });
  if (typeof e.key !== 'string' || !CUSTOM_SHAPE.test(e.key)) throw invalid(`${at}.key must be custom.<segment>[.<segment>...] (lowercase letters, digits, underscores)`, { field: `${at}.key` });
  if (declared.has(e.key)) throw invalid(`${at}: ${e.key} is declared twice`, { field: `${at}.key` });
  if (e.label !== undefined && (typeof e.label !== 'string' || e.label.length > 200)) throw invalid(`${at}.label must be text of at most 200 characters`, { field: `${at}.label` });
  declared.add(e.key);
  return e.key;
}

function parentOf(e: Entry, at: string, keys: Set<string>, canonical: (k: string) => string, known: (k: string) => boolean): string | undefined {
  if (e.parent === undefined) return undefined;
  if (typeof e.parent !== 'string') throw invalid(`${at}.parent must be a taxonomy key`, { field: `${at}.parent` });
  const p = canonical(e.parent);
  if (!known(p) && !keys.has(p)) throw invalid(`${at}.parent ${e.parent} is neither a taxonomy key nor a custom key declared here`, { field: `${at}.parent` });
  if (p === e.key) throw invalid(`${at}.parent cannot be the key itself`, { field: `${at}.parent` });
  return p;
}

function categoryOf(e: Entry, at: string, keys: Set<string>): CustomCategory {
  const parent = parentOf(e, at, keys, canonicalCategory, (k) => categoryDef(k) !== undefined);
  if (e.art9 !== undefined && (typeof e.art9 !== 'string' || !ART9.has(e.art9))) throw invalid(`${at}.art9 must be one of ${[...ART9].join(', ')} (GDPR Art. 9(1))`, { field: `${at}.art9` });
  if (e.cpra !== undefined && (typeof e.cpra !== 'string' || !CPRA.has(e.cpra))) throw invalid(`${at}.cpra must be one of ${[...CPRA].join(', ')} (Civ. Code § 1798.140(ae))`, { field: `${at}.cpra` });
  if (e.art10 !== undefined && e.art10 !== true) throw invalid(`${at}.art10 must be true when present (GDPR Art. 10)`, { field: `${at}.art10` });
  if (!parent && e.art9 === undefined && e.art10 === undefined && e.cpra === undefined) {
    throw invalid(`${at}: ${String(e.key)} must declare its parent taxonomy key (e.g. user.health_and_medical) or its flags (art9, art10, cpra)`, { field: at });
  }
  return {
    key: e.key as string,
    label: (e.label as string | undefined) ?? (e.key as string),
    ...(parent ? { parent } : {}),
    ...(e.art9 ? { art9: e.art9 as Art9Kind | 'unspecified' } : {}),
    ...(e.art10 ? { art10: true as const } : {}),
    ...(e.cpra ? { cpra: e.cpra as CpraSensitiveKind | 'unspecified' } : {}),
  };
}

/** Validates declarations; throws DomainError invalid naming the declaration and the rule. */
export function parseCustomKeys(input: CustomKeysInput): { data_categories: CustomCategory[]; purposes: CustomPurpose[] } {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw invalid('custom keys must be an object with data_categories and/or purposes', {});
  const extra = Object.keys(input).filter((k) => k !== 'data_categories' && k !== 'purposes');
  if (extra.length) throw invalid(`custom keys: unknown section(s) ${extra.join(', ')}; allowed: data_categories, purposes`, {});
  const cats = entries(input.data_categories, 'data_categories');
  const purs = entries(input.purposes, 'purposes');
  const catKeys = new Set<string>();
  cats.forEach((e, i) => checkCommon(e, `data_categories[${i}]`, CATEGORY_FIELDS, catKeys));
  const purKeys = new Set<string>();
  purs.forEach((e, i) => checkCommon(e, `purposes[${i}]`, PURPOSE_FIELDS, purKeys));
  return {
    data_categories: cats.map((e, i) => categoryOf(e, `data_categories[${i}]`, catKeys)),
    purposes: purs.map((e, i) => {
      const parent = parentOf(e, `purposes[${i}]`, purKeys, canonicalPurpose, (k) => purposeDef(k) !== undefined);
      return { key: e.key as string, label: (e.label as string | undefined) ?? (e.key as string), ...(parent ? { parent } : {}) };
    }),
  };
}

/**
 * Validates and installs the declarations (replacing earlier ones). Refuses a custom category whose
 * name reads as a special category (classification.ts) that its declaration does not flag.
 */
export function declareCustomKeys(input: CustomKeysInput): { data_categories: CustomCategory[]; purposes: CustomPurpose[] } {
  const parsed = parseCustomKeys(input);
  const before = customKeys();
  installCustomKeys(parsed);
  for (const c of parsed.data_categories) {
    const hint = suggestClassification(c.key.slice('custom.'.length));
    if (!hint) continue;
    const flags = specialFlagsOf(c.key);
    const lost = (['gdpr_art9', 'gdpr_art10', 'cpra_sensitive'] as const).filter((f) => hint.special[f] && !flags[f]);
    if (lost.length) {
      installCustomKeys(before);
      throw invalid(`${c.key} reads as ${hint.category} (${lost.join(', ')}): declare that parent or the flags, so the checks of GDPR Art. 9/10 and CPRA sensitive PI apply`, { field: 'data_categories' });
    }
  }
  return parsed;
}
