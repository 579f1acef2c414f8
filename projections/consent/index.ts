import type { ProjectionDefinition } from '@pl/application';
import { handleConsent } from './handler';
import { CONSENT_SCHEMA } from './schema';

export const CONSENT_PROJECTION = 'consent';

export const consentProjection: ProjectionDefinition = {
  name: CONSENT_PROJECTION,
  version: 1,
  schema: CONSENT_SCHEMA,
  typePrefixes: ['consent.'],
  handle: handleConsent,
};
export * from './queries';
