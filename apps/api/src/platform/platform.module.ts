import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import type { Infrastructure } from '../../../common/infrastructure';
import type { Metrics } from '../../../common/metrics';
import { AppCommandHandler } from './app-command';
import { ApiKeyGuard } from './auth/api-key.guard';
import type { ApiKeyStore } from './auth/api-keys';
import type { SessionStore } from './auth/sessions';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { HealthController } from './health.controller';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyStore } from './idempotency/idempotency-store';
import { RateLimitGuard } from './rate-limit/rate-limit';
import type { RateLimiter } from './rate-limit/rate-limiter';
import { API_KEYS, CATALOG, INFRA, LOGGER, METRICS, RATE_LIMITER, SESSIONS, WORKER_STATUS } from './tokens';

import type { WorkerStatusSource } from './worker-status';

export type { WorkerStatusSource } from './worker-status';

export interface PlatformDeps {
  readonly infra: Infrastructure;
  readonly apiKeys: ApiKeyStore;
  readonly sessions: SessionStore;
  readonly rateLimiter: RateLimiter;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The in-process worker, when API and worker run together; null when the worker runs elsewhere. */
  readonly worker: WorkerStatusSource | null;
}

/** The composition root's providers, global to every context module. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(deps: PlatformDeps): DynamicModule {
    const providers = [
      { provide: INFRA, useValue: deps.infra },
      { provide: API_KEYS, useValue: deps.apiKeys },
      { provide: SESSIONS, useValue: deps.sessions },
      { provide: RATE_LIMITER, useValue: deps.rateLimiter },
      { provide: METRICS, useValue: deps.metrics },
      { provide: LOGGER, useValue: deps.logger },
      { provide: WORKER_STATUS, useValue: deps.worker },
      { provide: CATALOG, useValue: deps.infra.catalog },
    ];
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        ...providers,
        AppCommandHandler,
        // Global guards run in this order: authenticate, then rate-limit by key id.
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        {
          provide: IdempotencyStore,
          useFactory: async () => {
            const store = new IdempotencyStore(deps.infra.db, deps.infra.config.idempotencyKeyTtlHours * 3_600_000, deps.infra.config.idempotencyLeaseSeconds * 1000);
            await store.init();
            return store;
          },
        },
        // Bound to each command route (bindToCommandRoutes, AppModule), not globally; it runs after the
        // guards, so keys are scoped per authenticated API key.
        IdempotencyInterceptor,
      ],
      exports: [...providers.map((p) => p.provide), IdempotencyStore, IdempotencyInterceptor],
    };
  }
}
