import { countDeadDeliveries } from '@pl/messaging';
import { processMetrics } from '../../../common/metrics';
import type { ProcessManager } from '../process-manager';

/** Sets `pl_webhook_dead_letters` (the alert WebhookDeadLetters) from the delivery table every minute. */
export function webhookDeadLetters(intervalMs = 60_000): ProcessManager {
  return {
    name: 'webhook-dead-letters',
    intervalMs,
    tick: async (infra) => {
      processMetrics().webhookDeadLetters.set(await countDeadDeliveries(infra.db));
    },
  };
}

export const webhookDeadLettersProcessManager = webhookDeadLetters();
