import { consent } from '@pl/domain';

/** Builders for consent events and snapshots in specs: one subject, defaults that tests override. */
export const SUBJECT = 'sub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const NO_PROOF: consent.ConsentProof = { notice_id: null, notice_version: null, notice_hash: null, privacy_policy_version: null, method: null, channel: null, page: null, language: null, collected_by: null, ip_address: null, user_agent: null };

export function givenEvent(over: Partial<consent.ConsentGivenData> & { at?: string; until?: string } = {}): consent.ConsentEvent {
  const { at = '2026-01-01T00:00:00.000Z', until = '2027-12-31T00:00:00.000Z', ...rest } = over;
  const purposes = rest.processing_purposes ?? ['marketing.communications.email'];
  return {
    type: 'consent.given',
    data: {
      consent_id: 'c1',
      subject_key: SUBJECT,
      data_categories: ['user.contact.email'],
      processing_purposes: purposes,
      legal_basis: 'consent',
      consent_version: 'v1',
      given_at: at,
      expires_at: Object.fromEntries(purposes.map((p) => [p, until])),
      renews: [],
      proof: NO_PROOF,
      consent_string: null,
      signal: null,
      extra: null,
      ...rest,
    },
  };
}

export const restrictedEvent = (at: string): consent.ConsentEvent => ({ type: 'consent.processing_restricted', data: { subject_key: SUBJECT, restricted_at: at, request_id: 'r1', reason: null } });

export const optOutEvent = (at: string, source: consent.OptOut['source'] = 'gpc', kinds: consent.OptOut['kind'][] = ['sale', 'sharing']): consent.ConsentEvent => ({
  type: 'consent.opt_out_recorded',
  data: { subject_key: SUBJECT, kinds, source, recorded_at: at, detail: null },
});

export const snapshotOf = (events: readonly consent.ConsentEvent[]): consent.ConsentSnapshot => consent.snapshotOf(events.reduce(consent.evolve, consent.initialConsentState()));

/** Decides on the folded events and returns events plus the resulting snapshot. */
export function decideOn(events: readonly consent.ConsentEvent[], command: consent.ConsentCommand): { emitted: consent.ConsentEvent[]; after: consent.ConsentSnapshot } {
  const emitted = consent.decide(command, events.reduce(consent.evolve, consent.initialConsentState()));
  return { emitted, after: snapshotOf([...events, ...emitted]) };
}

/** A RecordConsent command with defaults (a given consent by an adult, no signal). */
export function recordCommand(over: Partial<Extract<consent.ConsentCommand, { type: 'RecordConsent' }>> = {}): consent.ConsentCommand {
  const now = over.now ?? new Date('2026-06-01T00:00:00.000Z');
  return {
    type: 'RecordConsent',
    subjectKey: SUBJECT,
    consentId: 'c-new',
    status: 'given',
    categories: ['user.contact.email'],
    purposes: ['marketing.communications.email'],
    basis: 'consent',
    consentVersion: 'v1',
    givenAt: now.toISOString(),
    proof: NO_PROOF,
    now,
    ...over,
  };
}
