import { UpcasterRegistry } from './shared';
import { RIGHTS_UPCASTERS } from './rights/upcasters';
import { canonicalTaxonomyKeys } from './catalog/taxonomy-aliases';
import { TAXONOMY_VERSION } from './catalog/taxonomy-data';

/** Metadata key stamped on every event the application appends: the taxonomy its keys belong to. */
export const TAXONOMY_VERSION_KEY = 'taxonomy_version';

/** Metadata to stamp on a new event (handleCommand, appendUnderKey callers). */
export const taxonomyStamp = (): { readonly [TAXONOMY_VERSION_KEY]: string } => ({ [TAXONOMY_VERSION_KEY]: TAXONOMY_VERSION });

/**
 * Every upcaster of the domain's events: the registry the event store applies on read. Taxonomy keys
 * of every event are read in their canonical form (catalog/taxonomy-aliases.ts); an event without a
 * taxonomy stamp was recorded before the taxonomy followed fideslang and keeps its keys' old meaning.
 */
export function domainUpcasters(): UpcasterRegistry {
  return new UpcasterRegistry([...RIGHTS_UPCASTERS], (_type, data, metadata) => canonicalTaxonomyKeys(data, typeof metadata?.[TAXONOMY_VERSION_KEY] !== 'string'));
}
