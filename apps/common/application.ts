import type { AppDeps } from '@pl/application';
import { createAuditUseCases } from '@pl/application/audit';
import { createBreachUseCases } from '@pl/application/breach';
import { createConsentUseCases } from '@pl/application/consent';
import { createDemoUseCases } from '@pl/application/demo';
import { rightsUseCases } from '@pl/application/rights';
import { catalogUseCases } from '@pl/application/catalog/use-cases';
import { catalogLineage } from '@pl/application/catalog/lineage';
import { catalogMapQuery } from '@pl/application/catalog/map';
import { createIntakeUseCases } from '@pl/application/intake';
import { auditSignerFor } from '@pl/audit';
import { auditHeadPolicy } from './audit-policy';
import type { AppConfig } from './config';
import { expiryPolicyFromEnv, tcfPurposeMapFromEnv } from './consent-settings';
import { declareCustomKeys } from './taxonomy-settings';

/** Signed checkpoints of the audit chain every this many events (plus on demand: POST /audit/checkpoints, exports, `cli audit sign`). */
export const AUDIT_CHECKPOINT_EVERY = 10_000;

/**
 * Every context's use cases, built once over the composition root's dependencies (issue 14, defect 7).
 * The API's one @nestjs/cqrs command handler (apps/api/src/platform/app-command.ts), the CLI commands
 * and the worker jobs all call these: none of them holds a rule of its own. Add your context here.
 */
export function createApplication(deps: AppDeps, config: AppConfig) {
  declareCustomKeys(config.taxonomyCustomKeysFile);
  const consent = createConsentUseCases(deps, {
    expiryPolicy: expiryPolicyFromEnv(),
    tcfPurposeMap: tcfPurposeMapFromEnv(),
    // the legacy topics' consumers expect clear user ids: kept encrypted in the facts while publishing
    keepSubjectIds: config.legacyKafka.publish || config.legacyKafka.webhooks,
  });
  const breach = createBreachUseCases(deps);
  const catalog = { ...catalogUseCases(deps), lineage: catalogLineage(deps), map: catalogMapQuery(deps) };
  return {
    consent,
    breach,
    rights: rightsUseCases(deps),
    catalog,
    demo: createDemoUseCases(deps),
    /** Privacy events (POST /privacy/events, the intake topic): through the consent, breach and catalog use cases above. */
    intake: createIntakeUseCases(deps, { consent, breach, catalog }),
    audit: createAuditUseCases(deps, {
      signer: () => auditSignerFor(config),
      headPolicy: auditHeadPolicy(config),
      exportHeadMinIntervalMs: config.auditExportHeadMinIntervalMs,
      checkpointEvery: AUDIT_CHECKPOINT_EVERY,
    }),
  };
}

export type Application = ReturnType<typeof createApplication>;
