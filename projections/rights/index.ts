import type { ProjectionDefinition } from '@pl/application';
import { handleRights } from './handler';
import { RIGHTS_SCHEMA } from './schema';

/** rm_rights: data-subject requests with due dates and overdue flags, per-system tasks, releases, erasures. */
export const rightsProjection: ProjectionDefinition = {
  name: 'rights',
  version: 2,
  schema: RIGHTS_SCHEMA,
  typePrefixes: ['rights.'],
  handle: handleRights,
};
export * from './queries';
export { ERASED_SUBJECT } from './handler';
