import { snapshotProjection } from '@pl/application';
import { consent } from '@pl/domain';
import { CONSENT_INDEXES, CONSENT_SCHEMA } from './schema';
import { conflictRows, countRows, signalRows } from './signals';

export const CONSENT_PROJECTION = 'consent';

const STREAM_PREFIX = consent.consentStreamId('');

/**
 * rm_consent: each subject's ConsentState folded with the consent decider's own evolve (so validate,
 * the SDK and the command side evaluate one state), and its grants as rows.
 */
export const consentProjection = snapshotProjection<consent.ConsentState>({
  name: CONSENT_PROJECTION,
  // 2: the restriction reason (a personal field) left the state; every snapshot is the current evolve's (conflicts with direction and resolution)
  // 3: taxonomy keys read in their canonical fideslang form (catalog/taxonomy-aliases.ts)
  // 4: counts over time, each subject's latest opt-out signals and standing conflicts (issue 19, the console's Consent screen)
  version: 4,
  schema: CONSENT_SCHEMA,
  indexes: CONSENT_INDEXES,
  typePrefixes: ['consent.'],
  decider: consent.consentDecider,
  streamKey: (e) => (e.streamId.startsWith(STREAM_PREFIX) ? e.streamId.slice(STREAM_PREFIX.length) : null),
  snapshot: { table: 'consent_subjects', key: 'subject_key', state: 'snapshot' },
  derived: [
    {
      table: 'consent_grants',
      key: 'subject_key',
      rows: (s, subject_key) =>
        Object.values(s.grants).map((g) => ({
          subject_key, category: g.category, purpose: g.purpose, consent_id: g.consent_id, status: g.status, legal_basis: g.legal_basis,
          consent_version: g.consent_version, given_at: g.given_at, expires_at: g.expires_at, ended_at: g.ended_at,
        })),
    },
    { table: 'consent_conflicts', key: 'subject_key', rows: conflictRows },
  ],
  keyed: [
    { table: 'consent_counts', keys: ['day', 'purpose', 'kind', 'signal'], merge: 'sum', rows: (e) => countRows(e) },
    { table: 'consent_signals', keys: ['subject_key', 'signal'], merge: 'last', rows: (e, _s, key) => signalRows(e, key) },
  ],
});
export * from './queries';
export { COUNT_KINDS } from './signals';
