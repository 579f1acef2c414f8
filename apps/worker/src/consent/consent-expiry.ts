import type { ProcessManager } from '../process-manager';

/** The worker's clock for `infra.app.consent.expireDue` (libs/application/src/consent/expiry.ts). */
export const consentExpiryProcessManager: ProcessManager = {
  name: 'consent-expiry',
  intervalMs: Number(process.env.CONSENT_EXPIRY_INTERVAL_MS ?? 60_000),
  tick: async (infra, now) => {
    await infra.app.consent.expireDue(now);
  },
};
