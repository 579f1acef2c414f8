import { randomUUID } from 'node:crypto';
import { handleCommand } from '@pl/application';
import { consent } from '@pl/domain';
import { subjectsDueForExpiry } from '@pl/projections/consent';
import type { Infrastructure } from '../../../common/infrastructure';
import type { ProcessManager } from '../process-manager';

/**
 * Emits `consent.expired` for grants past their expiry. Validate never needed it (evaluate compares
 * expiry with the clock); the event makes the fact part of the log and reaches Kafka subscribers.
 * Idempotent: the decider emits nothing for a grant that is no longer active.
 */
export async function expireDueConsents(infra: Pick<Infrastructure, 'db' | 'store'>, now: Date, batch = 500): Promise<number> {
  // One pass per tick: the read model catches up asynchronously, the next tick picks up the rest.
  let expired = 0;
  for (const subjectKey of await subjectsDueForExpiry(infra.db, now, batch)) {
    const r = await handleCommand(
      infra.store,
      consent.consentDecider,
      consent.consentStreamId(subjectKey),
      { type: 'ExpireConsents', subjectKey, now: now.toISOString() },
      { actor: 'worker:consent-expiry', correlationId: randomUUID(), now },
    );
    if (r.events.length) expired++;
  }
  return expired;
}

export const consentExpiryProcessManager: ProcessManager = {
  name: 'consent-expiry',
  intervalMs: Number(process.env.CONSENT_EXPIRY_INTERVAL_MS ?? 60_000),
  tick: async (infra, now) => {
    await expireDueConsents(infra, now);
  },
};
