/** A `POST /consent/record` body granting marketing email for `user_id` a minute ago. */
export const consentRecordBody = (user_id: string, over: Record<string, unknown> = {}) => ({
  user_id,
  data_categories: ['user.contact.email'],
  processing_purposes: ['marketing.communications.email'],
  consent_status: 'granted',
  consent_timestamp: new Date(Date.now() - 60_000).toISOString(),
  legal_basis: 'consent',
  consent_version: 'v1',
  consent_metadata: { method: 'checkbox' },
  ...over,
});
