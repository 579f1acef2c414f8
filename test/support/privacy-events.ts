import { randomUUID } from 'node:crypto';

/**
 * Privacy events in the earlier event processor's shape (issue 16) for tests: a data_accessed event
 * of `user_id` a minute ago, with a fresh event_id each call; `over` replaces any field.
 */
export function privacyEvents(defaults: { user_id: string; event_data: Record<string, unknown> }) {
  const run = randomUUID().slice(0, 8);
  let seq = 0;
  return (over: Record<string, unknown> = {}) => ({
    event_id: `evt-${run}-${++seq}`,
    event_type: 'data_accessed',
    user_id: defaults.user_id,
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    service_name: 'support-desk',
    data_categories: ['user.contact.phone_number'],
    processing_purposes: ['essential.service'],
    legal_basis: 'contract',
    event_data: defaults.event_data,
    ...over,
  });
}
