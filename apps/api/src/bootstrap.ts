import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Infrastructure } from '../../common/infrastructure';
import { processMetrics } from '../../common/metrics';
import { AppModule } from './app.module';
import { ApiKeyStore } from './platform/auth/api-keys';
import { SessionStore } from './platform/auth/sessions';
import { serveConsole } from './console/console-static';
import { RateLimiter } from './platform/rate-limit/rate-limiter';
import { closeSharedRedis, connectSharedRedis } from './platform/shared/redis';
import { frameworkErrorReply, ROUTER_OPTIONS } from './platform/http/framework-errors';
import { JsonTooDeepError, jsonDepthExceeds } from './platform/http/json-limits';
import { createValidationPipe } from './platform/http/validation';
import { documentIdempotencyKey } from './platform/idempotency/openapi';
import { documentErrorResponses } from './platform/http/openapi-errors';
import { documentSuccessResponses } from './openapi/success-responses';
import { SafeTextPipe } from './platform/http/safe-text.pipe';
import type { WorkerStatusSource } from './platform/platform.module';

export interface ApiOptions {
  readonly logger: Logger;
  readonly worker: WorkerStatusSource | null;
  /** Called with the Fastify instance and the OpenAPI document before the routes are registered (the tests check every response against the document here). */
  readonly instrument?: (fastify: FastifyInstance, doc: OpenAPIObject) => void;
}

export interface ApiApp {
  readonly app: NestFastifyApplication;
  readonly apiKeys: ApiKeyStore;
}

/** Builds the HTTP app (not yet listening). */
export async function createApiApp(infra: Infrastructure, options: ApiOptions): Promise<ApiApp> {
  const metrics = processMetrics();
  // REDIS_URL: rate limits and the API key cache shared by every API instance; else per process.
  const redis = await connectSharedRedis(infra.config.redisUrl, options.logger);
  const apiKeys = new ApiKeyStore(infra.db, infra.config.apiKeyCacheTtlMs, redis, metrics);
  await apiKeys.init();
  const rateLimiter = new RateLimiter(redis, metrics);
  const sessions = new SessionStore(infra.config.sessionTtlMinutes * 60_000, redis, metrics);
  const adapter = new FastifyAdapter({
    bodyLimit: infra.config.bodyLimitBytes,
    logger: false,
    trustProxy: false,
    routerOptions: ROUTER_OPTIONS,
    frameworkErrors: frameworkErrorReply,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ infra, apiKeys, sessions, rateLimiter, metrics, logger: options.logger, worker: options.worker }),
    adapter,
    { logger: ['error', 'warn'], abortOnError: false, bodyParser: false },
  );
  app.useGlobalPipes(new SafeTextPipe(), createValidationPipe());
  // No enableShutdownHooks(): main.ts owns SIGINT/SIGTERM and closes API, worker and store in order
  // (Nest's hook re-raises the signal and would kill the process before PGlite is closed).

  const fastify = app.getHttpAdapter().getInstance();
  if (redis) fastify.addHook('onClose', () => closeSharedRedis(redis));
  // Many clients send Content-Type: application/json on every POST, also on bodiless actions
  // (confirm, close, ...): an empty body is "no body", anything else goes through Fastify's own
  // parser (prototype-poisoning protection, size limit, 400 on malformed JSON).
  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    if (jsonDepthExceeds(body as string)) return done(new JsonTooDeepError(), undefined);
    return jsonParser(request, body as string, done);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: paths and query strings can carry user ids.
    const route = request.routeOptions?.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
    if (reply.statusCode >= 500) options.logger.warn({ method: request.method, route, status: reply.statusCode }, 'request failed');
    else options.logger.debug({ method: request.method, route, status: reply.statusCode, ms: Math.round(seconds * 1000) }, 'request');
  });

  const doc = documentSuccessResponses(documentErrorResponses(documentIdempotencyKey(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('privacy-ledger')
      .setDescription('Consent ledger, data-subject rights, data catalog, breach management and audit trail (GDPR/CCPA)')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key: pl_<id>.<secret>' })
      .addSecurityRequirements('bearer')
      .build(),
  ))));
  options.instrument?.(fastify as unknown as FastifyInstance, doc);
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
  await serveConsole(app, infra.config.consoleDir);
  await app.init();
  await fastify.ready();
  return { app, apiKeys };
}
