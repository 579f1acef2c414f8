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
 * An event stamped with today's taxonomy was made canonical when it was appended
 * (`canonicalOnAppend`), so its data is read as stored: no walk over it on every read.
 */
export function domainUpcasters(): UpcasterRegistry {
  return new UpcasterRegistry([...RIGHTS_UPCASTERS], (_type, data, metadata) => {
    const stamp = metadata?.[TAXONOMY_VERSION_KEY];
    return stamp === TAXONOMY_VERSION ? data : canonicalTaxonomyKeys(data, typeof stamp !== 'string');
  });
}

/**
 * The data of an event about to be appended, with its taxonomy keys canonical when it is stamped with
 * today's taxonomy (what reads then rely on); other events are stored as given (a replayed or imported
 * event keeps the form and meaning of its own taxonomy, rewritten on read). The store adapter every
 * process appends through applies it (libs/crypto EncryptingEventStore).
 */
export function canonicalOnAppend(data: unknown, metadata: Readonly<Record<string, unknown>> | undefined): unknown {
  return metadata?.[TAXONOMY_VERSION_KEY] === TAXONOMY_VERSION ? canonicalTaxonomyKeys(data, false) : data;
}
