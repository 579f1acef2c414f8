import { readFileSync } from 'node:fs';
import { catalog, DomainError } from '@pl/domain';

/**
 * `TAXONOMY_CUSTOM_KEYS_FILE`: a YAML (or JSON) file declaring the organisation's `custom.*` keys,
 * each with its parent taxonomy key or its special-category flags (catalog/custom-key-declarations.ts).
 * Installed once at start-up, before anything resolves a key; an invalid file stops the start with
 * the reason. Unset: no custom data category is accepted.
 * (The taxonomy is process-wide: one declaration file per process.)
 */
export function declareCustomKeys(file: string | null): number {
  if (!file) {
    catalog.installCustomKeys({ data_categories: [], purposes: [] });
    return 0;
  }
  let input: unknown;
  try {
    // yaml is loaded only when a file is configured (issue 14, idle memory)
    input = (require('yaml') as typeof import('yaml')).parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`TAXONOMY_CUSTOM_KEYS_FILE: cannot read ${file} as YAML (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    const declared = catalog.declareCustomKeys((input ?? {}) as catalog.CustomKeysInput);
    return declared.data_categories.length + declared.purposes.length;
  } catch (e) {
    if (e instanceof DomainError) throw new Error(`TAXONOMY_CUSTOM_KEYS_FILE: ${e.message}`);
    throw e;
  }
}
