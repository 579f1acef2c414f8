import { deliveryBacklog } from '@pl/messaging';
import { processMetrics } from '../../../common/metrics';
import type { ProcessManager } from '../process-manager';

/** Sets `pl_webhook_dead_letters` (the alert WebhookDeadLetters) and `pl_webhook_retry_queue` from the delivery table every minute. */
export function webhookDeadLetters(intervalMs = 60_000): ProcessManager {
  return {
    name: 'webhook-dead-letters',
    intervalMs,
    tick: async (infra) => {
      const { dead, retrying } = await deliveryBacklog(infra.db);
      processMetrics().webhookDeadLetters.set(dead);
      processMetrics().webhookRetryQueue.set(retrying);
    },
  };
}

export const webhookDeadLettersProcessManager = webhookDeadLetters();
