import { consent } from '@pl/domain';
import type { StateTopicBinding } from './state-topic';
import { TOPICS } from './topics';

/**
 * The compacted consent-state topic: after every consent event, the subject's full ConsentSnapshot
 * (PII-free by construction, libs/domain/src/consent/state.ts), folded with the consent decider's
 * own evolve, so the SDK evaluates exactly what the server evaluates.
 */
export const consentStateBinding: StateTopicBinding<consent.ConsentState> = {
  topic: TOPICS.consentState,
  streamPrefix: consent.consentStreamId(''),
  stateSchemaVersion: 1,
  initialState: consent.initialConsentState,
  evolve: (s, e) => consent.evolve(s, e as consent.ConsentEvent),
  snapshot: consent.snapshotOf,
};
