import './common/tracing-preload';
import { stopTracing } from './common/tracing';
import { loadConfig } from './common/config';
import { createInfrastructure } from './common/infrastructure';
import { createLogger } from './common/logger';
import { logKeyStoreNotices } from './common/key-store-notices';
import { announce, serveApi } from './api/src/serve';
import { startWorker } from './worker/src/worker';
import { collectStartupGarbage } from './common/startup-garbage';

/** `npm start`: API and worker in one process; with nothing configured, the embedded PGlite default under DATA_DIR. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const infra = await createInfrastructure(config);
  if (config.masterKeyGenerated) {
    logger.warn({ file: `${config.dataDir}/master.key` }, 'MASTER_KEY not set: using a key generated into DATA_DIR (fine for a demo; configure MASTER_KEY from a secret store for real data)');
  }
  await logKeyStoreNotices(infra, logger);
  const worker = await startWorker(infra, { logger });
  const api = await serveApi(infra, logger, worker);
  logger.info({ event_store: infra.store.backend, read_models: infra.db.kind, data_dir: infra.db.kind === 'pglite' ? config.dataDir : undefined }, 'privacy-ledger started');
  announce(logger, api);
  setImmediate(collectStartupGarbage);
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    try {
      await api.app.close();
      await worker.stop();
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
  console.error(`privacy-ledger failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
