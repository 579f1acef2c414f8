import type { ProcessManager } from '../process-manager';

/** The worker's clock for `infra.app.breach.checkClocks` (libs/application/src/breach). */
export function breachClocks(intervalMs = 60_000): ProcessManager {
  return { name: 'breach-clocks', intervalMs, tick: (infra, now) => infra.app.breach.checkClocks(now) };
}

export const breachClocksProcessManager = breachClocks();
