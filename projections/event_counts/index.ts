import type { ProjectionDefinition } from '@pl/application';
import { handleEventCounts } from './handler';
import { EVENT_COUNTS_SCHEMA } from './schema';

export const eventCountsProjection: ProjectionDefinition = {
  name: 'event_counts',
  version: 1,
  schema: EVENT_COUNTS_SCHEMA,
  handle: handleEventCounts,
};
export * from './queries';
