import type { Logger } from 'pino';
import type { Infrastructure } from '../../common/infrastructure';
import { bootstrapAdminKey } from './admin-key';
import { createApiApp, type ApiApp } from './bootstrap';
import type { WorkerStatusSource } from './platform/platform.module';

export interface ServingApi extends ApiApp {
  readonly url: string;
  /** Only set when a first admin key was created by this start. */
  readonly createdAdminKey: string | null;
}

export async function serveApi(infra: Infrastructure, logger: Logger, worker: WorkerStatusSource | null): Promise<ServingApi> {
  const api = await createApiApp(infra, { logger, worker });
  const createdAdminKey = await bootstrapAdminKey(infra.config, api.apiKeys);
  await api.app.listen({ port: infra.config.port, host: infra.config.host });
  const url = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
  return { ...api, url, createdAdminKey };
}

export function announce(logger: Logger, api: ServingApi): void {
  logger.info({ url: api.url, docs: `${api.url}/docs` }, 'privacy-ledger API listening');
  if (api.createdAdminKey) {
    // Printed once, to the terminal only (not the JSON log): only its hash is stored.
    process.stdout.write(
      `\n  No API key existed, so an admin key was created. It is shown only now; store it safely:\n\n    ${api.createdAdminKey}\n\n` +
        `  Try: curl -H "Authorization: Bearer <key>" ${api.url}/health\n  Docs: ${api.url}/docs\n\n`,
    );
  }
}
