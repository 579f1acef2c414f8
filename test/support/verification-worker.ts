// A worker process running the rights verification process manager on the worker's engine
// (startWorker), for apps/worker/src/rights-verification.kill.int.ts, which SIGKILLs it between steps.
// Run: node -r ./bench/swc-register.js test/support/verification-worker.ts (config from the environment).
// Prints one line each: `started`, `step <step> <request id>` after each step that changed something,
// `paused` when it stops for the kill (PAUSE_AFTER_NEW_STEP=1: after the first step not named in
// KILLED_AT, a comma-separated list of `<step> <request id>`), `idle` once it has handled the whole log.
import { comparePositions } from '@pl/domain';
import { rightsVerificationProcessManager } from '@pl/application/rights';
import { loadConfig } from '../../apps/common/config';
import { createInfrastructure } from '../../apps/common/infrastructure';
import { startWorker } from '../../apps/worker/src/worker';

async function main(): Promise<void> {
  const pause = process.env.PAUSE_AFTER_NEW_STEP === '1';
  const killedAt = new Set((process.env.KILLED_AT ?? '').split(',').filter(Boolean));
  const infra = await createInfrastructure(loadConfig());
  let paused = false;
  const pm = rightsVerificationProcessManager({
    afterStep: async (step, requestId) => {
      const point = `${step} ${requestId}`;
      console.log(`step ${point}`);
      if (!pause || killedAt.has(point)) return;
      paused = true;
      console.log('paused');
      await new Promise(() => undefined);
    },
  });
  const worker = await startWorker(infra, { projections: [], processManagers: [], eventProcessManagers: [pm], services: [] });
  console.log('started');
  let idle = false;
  const timer = setInterval(() => {
    void (async () => {
      const head = await infra.store.headPosition();
      const at = worker.projections()[0]?.position;
      const caughtUp = !paused && at !== null && at !== undefined && comparePositions(at, head) >= 0;
      if (caughtUp && !idle) console.log('idle');
      idle = caughtUp;
    })().catch(() => undefined);
  }, 100);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    void worker
      .stop()
      .then(() => infra.close())
      .then(() => process.exit(0), () => process.exit(1));
  });
}

main().catch((e) => {
  console.error(`verification worker failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
