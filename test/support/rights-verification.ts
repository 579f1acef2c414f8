import { randomUUID } from 'node:crypto';
import { consent, type LogPosition } from '@pl/domain';
import { requestStreamId, type Jurisdiction, type RequestType, type RightsCommand } from '@pl/domain/rights';
import { handleCommand, type AppDeps } from '@pl/application';
import { foldRequest, runRequestCommand, taskIdFor, type VerificationStep } from '@pl/application/rights';
import type { EventStore } from '@pl/eventstore';

/**
 * The rights verification process manager's crash-test scenarios and fixtures, shared by the
 * injected-failure test (libs/application/src/rights/verification.process-manager.int.ts) and the
 * kill -9 test (test/e2e/verification-kill.e2e.ts).
 */

export const T = new Date('2026-11-02T10:00:00.000Z');
const PROOF: consent.ConsentProof = { notice_id: null, notice_version: null, notice_hash: null, privacy_policy_version: null, method: 'checkbox', channel: 'web', page: null, language: null, collected_by: null, ip_address: '203.0.113.9', user_agent: 'UA/1' };
const SYSTEMS = ['billing', 'crm'];

/** What a run of a scenario does: the request, what the subject holds, and what happens after the verification. */
export interface VerificationScenario {
  readonly name: string;
  readonly requestType: RequestType;
  readonly jurisdiction: Jurisdiction;
  readonly holdings: boolean;
  readonly objection?: { scope: 'direct_marketing' };
  /** Commands recorded on the request once the process manager handled the verification (each handled in turn). */
  readonly then?: ReadonlyArray<RightsCommand>;
  /** The steps an uninterrupted run reports, in order. */
  readonly steps: readonly VerificationStep[];
  /** What an uninterrupted run leaves: the request's and the consent ledger's event types, the data key, the status. */
  readonly facts: { request: string[]; ledger: string[]; key: boolean; status: string };
}

export const RECEIVED = 'rights.request_received';
const VERIFIED = 'rights.identity_verified';
export const DISPATCHED = 'rights.task_dispatched';
const COMPLETED = 'rights.request_completed';

export const VERIFICATION_SCENARIOS: VerificationScenario[] = [
  { name: 'full erasure with holdings (ledger shred, retained item, Art. 19 recipient)', requestType: 'erasure', jurisdiction: 'GDPR', holdings: true, steps: ['consent_effect', 'ledger_erasure_recorded', 'keys_shredded', 'tasks_dispatched'], facts: { request: [RECEIVED, VERIFIED, 'rights.subject_erased', DISPATCHED, DISPATCHED, 'rights.recipient_notified'], ledger: ['consent.given', 'consent.withdrawn'], key: false, status: 'in_progress' } },
  { name: 'full erasure, nothing held elsewhere', requestType: 'erasure', jurisdiction: 'GDPR', holdings: false, steps: ['consent_effect', 'ledger_erasure_recorded', 'keys_shredded', 'completed'], facts: { request: [RECEIVED, VERIFIED, 'rights.subject_erased', COMPLETED], ledger: ['consent.given', 'consent.withdrawn'], key: false, status: 'completed' } },
  {
    name: 'restriction, then lifted after notice',
    requestType: 'restriction',
    jurisdiction: 'GDPR',
    holdings: true,
    then: [{ type: 'NotifyRestrictionLift', reason: 'accuracy verified', now: T }, { type: 'LiftRestriction', now: T }],
    steps: ['consent_effect', 'tasks_dispatched', 'restriction_lifted'], facts: { request: [RECEIVED, VERIFIED, DISPATCHED, DISPATCHED, 'rights.recipient_notified', 'rights.restriction_lift_notified', 'rights.restriction_lifted'], ledger: ['consent.given', 'consent.processing_restricted', 'consent.restriction_lifted'], key: true, status: 'in_progress' },
  },
  { name: 'objection to direct marketing, nothing held', requestType: 'objection', jurisdiction: 'GDPR', holdings: false, objection: { scope: 'direct_marketing' }, steps: ['consent_effect', 'completed'], facts: { request: [RECEIVED, VERIFIED, COMPLETED], ledger: ['consent.given', 'consent.objection_recorded'], key: true, status: 'completed' } },
  { name: 'CCPA opt-out of sale/sharing (no verification needed)', requestType: 'opt_out_sale_sharing', jurisdiction: 'CCPA', holdings: true, steps: ['consent_effect', 'tasks_dispatched'], facts: { request: [RECEIVED, DISPATCHED, DISPATCHED], ledger: ['consent.given', 'consent.opt_out_recorded'], key: true, status: 'in_progress' } },
  { name: 'access with holdings', requestType: 'access', jurisdiction: 'GDPR', holdings: true, steps: ['tasks_dispatched'], facts: { request: [RECEIVED, VERIFIED, DISPATCHED, DISPATCHED], ledger: ['consent.given'], key: true, status: 'in_progress' } },
  {
    name: 'access released with nothing held',
    requestType: 'access',
    jurisdiction: 'GDPR',
    holdings: false,
    then: [{ type: 'RecordDataRelease', releasedTo: 'apikey:test', sections: ['consents'], format: 'json', items: 1, now: T }],
    steps: ['completed'], facts: { request: [RECEIVED, VERIFIED, 'rights.data_released', COMPLETED], ledger: ['consent.given'], key: true, status: 'completed' },
  },
];

/** One run's ids: a subject (pseudonymous key), its request and its consent. */
export interface RequestIds {
  readonly subjectKey: string;
  readonly requestId: string;
  readonly consentId: string;
}

const ctx = (now = T) => ({ actor: 'apikey:test', correlationId: randomUUID(), now });

/** Records a command on the request; the position appended at, if anything was. */
export async function recordOnRequest(deps: AppDeps, requestId: string, command: RightsCommand): Promise<LogPosition | null> {
  return (await runRequestCommand(deps, requestId, command, ctx(), { readYourWrites: false })).appended?.position ?? null;
}

/**
 * What precedes the process manager: the subject's consent, what its systems hold (if the scenario
 * says so), the request received and, when it needs it, verified. The position of the last fact.
 */
export async function openRequest(deps: AppDeps, s: VerificationScenario, { subjectKey, requestId, consentId }: RequestIds): Promise<LogPosition> {
  await handleCommand(deps.store, consent.consentDecider, consent.consentStreamId(subjectKey), {
    type: 'RecordConsent', subjectKey, consentId, status: 'given', categories: ['user.contact.email'], purposes: ['marketing'], basis: 'consent', consentVersion: 'v1',
    givenAt: new Date(T.getTime() - 86_400_000).toISOString(), proof: PROOF, now: new Date(T.getTime() - 86_400_000),
  }, ctx());
  if (s.holdings) await receipts(deps.store, subjectKey);
  let last = (await recordOnRequest(deps, requestId, { type: 'ReceiveRequest', requestId, subjectKey, requestType: s.requestType, jurisdiction: s.jurisdiction, channel: 'api', objection: s.objection ?? null, openRequests: [], now: T }))!;
  if (foldRequest((await deps.store.readStream(requestStreamId(requestId))).events).status === 'received') last = (await recordOnRequest(deps, requestId, { type: 'VerifyIdentity', evidence: { method: 'documents' }, now: T }))!;
  return last;
}

/** Request and consent streams (types, data, actor, causation), the data key, with the run's ids replaced by names. */
export async function verificationEndState(deps: AppDeps, { subjectKey, requestId, consentId }: RequestIds): Promise<unknown> {
  const request = (await deps.store.readStream(requestStreamId(requestId))).events;
  const ledger = (await deps.store.readStream(consent.consentStreamId(subjectKey))).events;
  const names = new Map<string, string>([[requestId, 'REQUEST'], [subjectKey, 'SUBJECT'], [consentId, 'CONSENT'], ...SYSTEMS.map((sys) => [taskIdFor(requestId, sys), `TASK-${sys}`] as [string, string])]);
  [...request, ...ledger].forEach((e, i) => names.set(e.metadata.event_id, `EVENT-${i}`));
  const view = (e: (typeof request)[number]) => ({ type: e.type, data: e.data, actor: e.metadata.actor, causation: e.metadata.causation_id });
  const state = { request: request.map(view), ledger: ledger.map(view), key: (await deps.keys.storedKeyId(subjectKey)) !== null, status: foldRequest(request).status };
  // ciphertexts differ per run (random IVs, per-subject keys)
  const json = JSON.stringify(state, (_k, v) => (v && typeof v === 'object' && '$enc' in v ? 'ENCRYPTED' : v));
  return JSON.parse([...names].reduce((s, [id, name]) => s.split(id).join(name), json));
}

/** Two systems: crm (marketing on consent) and billing (payment records under contract, disclosed to a payment provider). */
export async function catalogFixtures(store: EventStore): Promise<void> {
  const meta = () => ({ event_id: randomUUID(), occurred_at: T.toISOString(), recorded_at: T.toISOString(), actor: 'apikey:test', correlation_id: randomUUID(), causation_id: null });
  for (const [system_id, recipients] of [['crm', []], ['billing', ['payment-provider']]] as const) {
    await store.append(`catalog-system-${system_id}`, [{ type: 'catalog.system_registered', data: { system: { system_id, name: system_id, recipients } }, metadata: meta() }], 'any');
  }
  await store.append('catalog-activity-shop', [{
    type: 'catalog.activity_registered',
    data: {
      activity: {
        activity_id: 'shop', name: 'Online shop', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
        purposes: [{ purpose: 'marketing', lawful_basis: 'consent', categories: [] }, { purpose: 'essential.service.fulfilment', lawful_basis: 'contract', categories: [] }],
        data_categories: ['user.contact', 'user.financial.transaction'], recipients: ['payment-provider'], transfers: [], retention: [], systems: SYSTEMS, risk: {},
      },
    },
    metadata: meta(),
  }], 'any');
}

async function receipts(store: EventStore, subjectKey: string): Promise<void> {
  const stored_at = new Date(T.getTime() - 3_600_000).toISOString();
  const receipt = (system_id: string, category: string, purpose: string) => ({
    type: 'catalog.processing_recorded',
    data: { receipt_id: randomUUID(), subject_key: subjectKey, system_id, category, purpose, stored_at },
    metadata: { event_id: randomUUID(), occurred_at: stored_at, recorded_at: stored_at, actor: 'apikey:test', correlation_id: randomUUID(), causation_id: null },
  });
  await store.append(`receipts-${subjectKey}`, [
    receipt('crm', 'user.contact.email', 'marketing'),
    receipt('billing', 'user.financial.transaction', 'essential.service.fulfilment'),
    receipt('billing', 'user.contact.address', 'essential.service.fulfilment'),
  ], 'any');
}
