import { randomUUID } from 'node:crypto';
import { subjectsDueForExpiry } from '@pl/projections/consent';
import type { AppDeps } from '../core/app-deps';
import { decideConsent } from './execute';

/**
 * Records `consent.expired` for grants past their expiry; returns how many subjects had one. Validate
 * never needed it (evaluate compares expiry with the clock); the event makes the fact part of the log
 * and reaches Kafka subscribers. Idempotent: the decider emits nothing for a grant no longer active.
 * One pass per call: the read model catches up asynchronously, the next call picks up the rest.
 */
export function expireDueConsents(deps: AppDeps) {
  return async (now: Date, batch = 500): Promise<number> => {
    let expired = 0;
    for (const subjectKey of await subjectsDueForExpiry(deps.db, now, batch)) {
      const r = await decideConsent(deps, { type: 'ExpireConsents', subjectKey, now }, { actor: 'worker:consent-expiry', correlationId: randomUUID(), now });
      if (r.events.length) expired++;
    }
    return expired;
  };
}
