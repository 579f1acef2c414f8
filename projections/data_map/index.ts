import type { ProjectionDefinition } from '@pl/application';
import { handleDataMap } from './handler';
import { DATA_MAP_INDEXES, DATA_MAP_SCHEMA } from './schema';

export const DATA_MAP_PROJECTION = 'data_map';

export const dataMapProjection: ProjectionDefinition = {
  name: DATA_MAP_PROJECTION,
  // 3: taxonomy keys read in their canonical fideslang form (catalog/taxonomy-aliases.ts)
  version: 3,
  schema: DATA_MAP_SCHEMA,
  indexes: DATA_MAP_INDEXES,
  typePrefixes: ['catalog.processing_recorded', 'catalog.retention_expired', 'catalog.retention_obligation_ended', 'rights.subject_erased', 'rights.task_dispatched', 'rights.task_result_recorded'],
  handle: handleDataMap,
};
export * from './queries';
