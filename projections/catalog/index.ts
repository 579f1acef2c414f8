import type { ProjectionDefinition } from '@pl/application';
import { handleCatalog } from './handler';
import { CATALOG_EVENT_PREFIXES, CATALOG_PROJECTION, CATALOG_SCHEMA } from './schema';

export { CATALOG_PROJECTION } from './schema';

export const catalogProjection: ProjectionDefinition = {
  name: CATALOG_PROJECTION,
  // 2: entity_versions left (as of a date is folded from the log)
  // 3: taxonomy keys read in their canonical fideslang form (catalog/taxonomy-aliases.ts)
  // 4: history (the catalog's own events) for answers as of a date
  version: 4,
  schema: CATALOG_SCHEMA,
  typePrefixes: CATALOG_EVENT_PREFIXES,
  handle: handleCatalog,
};
export * from './queries';
export * from './from-log';
export * from './catalog-queries';
