import type { AppDeps } from '@pl/application';
import { consentCommand } from '@pl/application/consent/execute';
import { breachCommand } from '@pl/application/breach/execute';
import { rightsUseCases } from '@pl/application/rights';
import { catalogUseCases } from '@pl/application/catalog/use-cases';
import type { AppConfig } from './config';

/**
 * Every context's use cases, built once over the composition root's dependencies (issue 14, defect 7).
 * The API's one @nestjs/cqrs command handler (apps/api/src/platform/app-command.ts), the CLI commands
 * and the worker jobs all call these: none of them holds a rule of its own. Add your context here.
 */
export function createApplication(deps: AppDeps, _config: AppConfig) {
  return {
    consent: { execute: consentCommand(deps) },
    breach: { execute: breachCommand(deps) },
    rights: rightsUseCases(deps),
    catalog: catalogUseCases(deps),
  };
}

export type Application = ReturnType<typeof createApplication>;
