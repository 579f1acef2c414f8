import '../common/tracing-preload';
import { stopTracing } from '../common/tracing';
import { loadConfig } from '../common/config';
import { createInfrastructure } from '../common/infrastructure';
import { createLogger } from '../common/logger';
import { logKeyStoreNotices } from '../common/key-store-notices';
import { announce, serveApi } from './src/serve';
import { collectStartupGarbage } from '../common/startup-garbage';

/** The API alone (production: stateless instances behind a load balancer; run the worker separately). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'privacy-ledger-api');
  const infra = await createInfrastructure(config);
  await logKeyStoreNotices(infra, logger);
  const api = await serveApi(infra, logger, null);
  announce(logger, api);
  setImmediate(collectStartupGarbage);
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    try {
      await api.app.close();
      await infra.close();
      await stopTracing();
    } catch (e) {
      logger.error({ err_name: (e as Error)?.name }, 'shutdown failed');
      process.exit(1);
    }
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e) => {
  console.error(`api failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
