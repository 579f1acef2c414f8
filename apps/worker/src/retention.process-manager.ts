import { randomUUID } from 'node:crypto';
import { catalog } from '@pl/domain';
import { currentActivities } from '@pl/projections/catalog';
import { dueExpiries, dueObligationEnds } from '@pl/projections/data_map';
import type { Infrastructure } from '../../common/infrastructure';
import type { ProcessManager } from './process-manager';

/**
 * Retention (Art. 5(1)(e), Art. 30(1)(f)): for every holding whose last receipt plus the retention of
 * the declaring activity has passed, records `catalog.retention_expired` in the subject's receipts
 * stream; for every holding kept after an erasure (Art. 17(3)(b)) whose obligation's last day has
 * passed (a day of the controller's establishment), `catalog.retention_obligation_ended`. The relay and webhooks carry both to the system that
 * must erase or anonymise. The decider makes each idempotent: once per holding and last receipt (or
 * erasure), so a tick killed between two appends redoes only what is missing.
 */
export const retentionProcessManager: ProcessManager = {
  name: 'catalog-retention',
  intervalMs: 60_000,
  async tick(infra: Pick<Infrastructure, 'db' | 'app'>, now: Date): Promise<void> {
    const record = (subjectKey: string, command: catalog.RetentionCommand) =>
      infra.app.catalog.recordRetention(subjectKey, command, { actor: 'worker:catalog-retention', correlationId: randomUUID(), now });
    const activities = await currentActivities(infra.db);
    for await (const h of dueExpiries(infra.db, activities, now)) {
      const { subject_key, system_id, category, purpose, activity_id, last_stored_at, retention: period, delete_after: due_at } = h;
      await record(subject_key, { type: 'MarkRetentionExpired', expiry: { subject_key, system_id, category, purpose, activity_id, last_stored_at, period, due_at }, now });
    }
    const time_zone = catalog.obligationTimeZone(activities);
    for await (const h of dueObligationEnds(infra.db, now, time_zone)) {
      const { subject_key, system_id, category, purpose } = h;
      const { reason_code, source, until, since } = h.retained;
      const ended = { subject_key, system_id, category, purpose, reason_code, source, retained_until: until, retained_since: since, time_zone, due_at: catalog.obligationEndsAt(until, time_zone) };
      await record(subject_key, { type: 'MarkObligationEnded', ended, now });
    }
  },
};
