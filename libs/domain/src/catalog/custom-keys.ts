import type { Art9Kind, CpraSensitiveKind } from '../law/special-categories';

/**
 * The organisation's own `custom.*` keys, declared at start-up (custom-key-declarations.ts): each names
 * its parent taxonomy key, whose flags it inherits, or declares its own special-category flags. The
 * taxonomy reads them here; nothing else writes them.
 */
export interface CustomCategory {
  readonly key: string;
  readonly label: string;
  readonly parent?: string;
  readonly art9?: Art9Kind | 'unspecified';
  readonly art10?: true;
  readonly cpra?: CpraSensitiveKind | 'unspecified';
}

export interface CustomPurpose {
  readonly key: string;
  readonly label: string;
  readonly parent?: string;
}

let categories = new Map<string, CustomCategory>();
let purposes = new Map<string, CustomPurpose>();

export function customCategory(key: string): CustomCategory | undefined {
  return categories.get(key);
}

export function customPurpose(key: string): CustomPurpose | undefined {
  return purposes.get(key);
}

export function customKeys(): { readonly data_categories: readonly CustomCategory[]; readonly purposes: readonly CustomPurpose[] } {
  return { data_categories: [...categories.values()], purposes: [...purposes.values()] };
}

/** Replaces the declared custom keys (already validated). */
export function installCustomKeys(list: { readonly data_categories: readonly CustomCategory[]; readonly purposes: readonly CustomPurpose[] }): void {
  categories = new Map(list.data_categories.map((c) => [c.key, c]));
  purposes = new Map(list.purposes.map((p) => [p.key, p]));
}
