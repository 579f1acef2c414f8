import type { ProjectionDefinition } from '@pl/application';
import { handleCatalog } from './handler';
import { CATALOG_SCHEMA } from './schema';

export const CATALOG_PROJECTION = 'catalog';

export const catalogProjection: ProjectionDefinition = {
  name: CATALOG_PROJECTION,
  version: 1,
  schema: CATALOG_SCHEMA,
  typePrefixes: ['catalog.system_', 'catalog.data_element_', 'catalog.activity_', 'catalog.processor_record_', 'catalog.flow_'],
  handle: handleCatalog,
};
export * from './queries';
export * from './from-log';
