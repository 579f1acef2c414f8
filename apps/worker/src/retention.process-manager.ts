import { randomUUID } from 'node:crypto';
import { handleCommand } from '@pl/application';
import { catalog } from '@pl/domain';
import { currentActivities } from '@pl/projections/catalog';
import { dueExpiries } from '@pl/projections/data_map';
import type { Infrastructure } from '../../common/infrastructure';
import type { ProcessManager } from './process-manager';

/**
 * Retention (Art. 5(1)(e), Art. 30(1)(f)): for every holding whose last receipt plus the retention of
 * the declaring activity has passed, records `catalog.retention_expired` in the subject's receipts
 * stream. The decider makes it idempotent: once per holding and last receipt, never after a newer receipt.
 */
export const retentionProcessManager: ProcessManager = {
  name: 'catalog-retention',
  intervalMs: 60_000,
  async tick(infra: Pick<Infrastructure, 'db' | 'store'>, now: Date): Promise<void> {
    const activities = await currentActivities(infra.db);
    for await (const h of dueExpiries(infra.db, activities, now)) {
      await handleCommand(
        infra.store,
        catalog.subjectRetentionDecider,
        catalog.receiptsStream(h.subject_key),
        {
          type: 'MarkRetentionExpired',
          expiry: {
            subject_key: h.subject_key,
            system_id: h.system_id,
            category: h.category,
            purpose: h.purpose,
            activity_id: h.activity_id,
            last_stored_at: h.last_stored_at,
            period: h.retention,
            due_at: h.delete_after,
          },
          now: now.toISOString(),
        },
        { actor: 'worker:catalog-retention', correlationId: randomUUID(), now },
      );
    }
  },
};
