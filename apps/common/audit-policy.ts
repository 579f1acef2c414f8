import type { AppConfig } from './config';

/** How often heads must be signed and since when (docs/audit.md), for signing and verifying alike. */
export const auditHeadPolicy = (config: Pick<AppConfig, 'auditHeadIntervalMs' | 'auditHeadsSince'>) => ({
  headIntervalMs: config.auditHeadIntervalMs,
  headsSince: config.auditHeadsSince,
});
