import type { Logger } from 'pino';
import type { HostResolver } from '@pl/outbound';
import { loadConfig, type AppConfig } from '../../apps/common/config';
import { createInfrastructure, type Infrastructure } from '../../apps/common/infrastructure';
import { createLogger } from '../../apps/common/logger';
import { createApiApp } from '../../apps/api/src/bootstrap';
import type { ApiKeyStore } from '../../apps/api/src/platform/auth/api-keys';
import type { Scope } from '../../apps/api/src/platform/auth/scopes';
import { startWorker, type RunningWorker, type WorkerOptions } from '../../apps/worker/src/worker';
import { freshPglite, freshPostgres, type FreshDatabase } from './databases';
import { noDnsInTests } from './outbound';
import { checkResponsesAgainst, describeMismatches, type ResponseMismatch } from './openapi-responses';

export interface TestApp {
  readonly url: string;
  readonly adminKey: string;
  readonly infra: Infrastructure;
  readonly apiKeys: ApiKeyStore;
  readonly worker: RunningWorker | null;
  readonly database: FreshDatabase;
  /** A new key with exactly these scopes. */
  createKey(...scopes: Scope[]): Promise<string>;
  /** fetch against the app with a bearer key (admin by default) and JSON body. */
  request(method: string, path: string, body?: unknown, key?: string | null, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly backend?: 'pglite' | 'postgres';
  /** Share an existing database (e.g. two API instances on one PostgreSQL database). */
  readonly database?: FreshDatabase;
  /** Run the worker (projections, process managers) in process; default true. */
  readonly worker?: boolean | WorkerOptions;
  readonly env?: Record<string, string>;
  /** Logs of the app and worker (default: silent, or TEST_LOG_LEVEL). */
  readonly logger?: Logger;
  /** Host names for outbound calls (webhooks); by default every name is unresolvable, so no DNS query leaves. */
  readonly resolve?: HostResolver;
  /** Listen on this port (one the OS just gave out: freePort) instead of a random one: for a URL configured before the start (OIDC_REDIRECT_URI). */
  readonly port?: number;
}


const quietLogger = (): Logger => createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** A real Fastify server on a random port over a fresh database, with the worker in process. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (options.backend === 'postgres' ? await freshPostgres() : await freshPglite());
  const config: AppConfig = {
    ...loadConfig({
      DATA_DIR: '/tmp/privacy-ledger-test',
      MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      PSEUDONYM_SECRET: 'test-pseudonym-secret-0123456789',
      PORT: '0',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...(options.env ?? {}),
    }),
  };
  const infra = await createInfrastructure(config, { db: database.db, resolve: options.resolve ?? noDnsInTests });
  const logger = options.logger ?? quietLogger();
  const worker = options.worker === false ? null : await startWorker(infra, { logger, ...(typeof options.worker === 'object' ? options.worker : {}) });
  // Every response is checked against the app's own OpenAPI document; close() fails on a mismatch.
  const mismatches: ResponseMismatch[] = [];
  const instrument = (fastify: Parameters<typeof checkResponsesAgainst>[0], doc: Parameters<typeof checkResponsesAgainst>[1]) => checkResponsesAgainst(fastify, doc, mismatches);
  const { app, apiKeys } = await createApiApp(infra, { logger, worker, instrument });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const { key: adminKey } = await apiKeys.create('test admin', ['admin']);
  const request: TestApp['request'] = async (method, path, body, key = adminKey, headers = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    url,
    adminKey,
    infra,
    apiKeys,
    worker,
    database,
    createKey: async (...scopes) => (await apiKeys.create('test key', scopes)).key,
    request,
    close: async () => {
      await app.close();
      await worker?.stop();
      await infra.close();
      if (!options.database) await database.drop();
      if (mismatches.length) throw new Error(`responses that do not match /docs/openapi.json:\n${describeMismatches(mismatches)}`);
    },
  };
}
