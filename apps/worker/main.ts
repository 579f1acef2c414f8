import '../common/tracing-preload';
import { stopTracing } from '../common/tracing';
import { loadConfig } from '../common/config';
import { createInfrastructure } from '../common/infrastructure';
import { createLogger } from '../common/logger';
import { logKeyStoreNotices } from '../common/key-store-notices';
import { startWorker } from './src/worker';
import { collectStartupGarbage } from '../common/startup-garbage';

/** The worker alone (production: one or more worker processes, no HTTP). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'privacy-ledger-worker');
  const infra = await createInfrastructure(config);
  await logKeyStoreNotices(infra, logger);
  const worker = await startWorker(infra, { logger });
  logger.info({ projections: worker.projections().map((p) => p.name) }, 'worker started');
  setImmediate(collectStartupGarbage);
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    try {
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
  console.error(`worker failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
