import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditModule } from './audit/audit.module';
import { BreachModule } from './breach/breach.module';
import { ConsentModule } from './consent/consent.module';
import { ConsoleModule } from './console/console.module';
import { DemoModule } from './demo/demo.module';
import { CatalogModule } from './catalog/catalog.module';
import { IntakeModule } from './intake/intake.module';
import { bindToCommandRoutes } from './platform/idempotency/command-routes';
import { IdempotencyInterceptor } from './platform/idempotency/idempotency.interceptor';
import { PlatformModule, type PlatformDeps } from './platform/platform.module';
import { RightsModule } from './rights/rights.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Every bounded context's module; add yours to this list. */
export const CONTEXT_MODULES = [DemoModule, BreachModule, ConsentModule, RightsModule, CatalogModule, WebhooksModule, AuditModule, IntakeModule, ConsoleModule];

@Module({})
export class AppModule {
  static forRoot(deps: PlatformDeps): DynamicModule {
    bindToCommandRoutes(CONTEXT_MODULES, IdempotencyInterceptor);
    return { module: AppModule, imports: [PlatformModule.forRoot(deps), CqrsModule.forRoot(), ...CONTEXT_MODULES] };
  }
}
