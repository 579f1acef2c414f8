import { randomUUID } from 'node:crypto';
import { comparePositions, consent, type LogPosition } from '@pl/domain';
import { requestStreamId, type Jurisdiction, type RequestType, type RightsCommand } from '@pl/domain/rights';
import { loadConfig } from '../../../../apps/common/config';
import { createInfrastructure, type Infrastructure } from '../../../../apps/common/infrastructure';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { handleCommand } from '../commands/handle-command';
import { eventProcessManagerRunner } from '../consumers/event-process-manager';
import type { AppDeps, EventProcessManager } from '../core/app-deps';
import { foldRequest, runRequestCommand } from './request-commands';
import { taskIdFor } from './task-ids';
import { rightsVerificationProcessManager, type VerificationStep } from './verification.process-manager';

const T = new Date('2026-11-02T10:00:00.000Z');
const PROOF: consent.ConsentProof = { notice_id: null, notice_version: null, notice_hash: null, privacy_policy_version: null, method: 'checkbox', channel: 'web', page: null, language: null, collected_by: null, ip_address: '203.0.113.9', user_agent: 'UA/1' };
const SYSTEMS = ['billing', 'crm'];

class Crash extends Error {}

/** What a run of a scenario does: the request, what the subject holds, and what happens after the verification. */
interface Scenario {
  readonly name: string;
  readonly requestType: RequestType;
  readonly jurisdiction: Jurisdiction;
  readonly holdings: boolean;
  readonly objection?: { scope: 'direct_marketing' };
  /** Commands recorded on the request once the process manager handled the verification (each handled in turn). */
  readonly then?: ReadonlyArray<RightsCommand>;
  /** The steps an uninterrupted run reports, in order (checked, then crashed after each). */
  readonly steps: readonly VerificationStep[];
  /** What an uninterrupted run leaves: the request's and the consent ledger's event types, the data key, the status. */
  readonly facts: { request: string[]; ledger: string[]; key: boolean; status: string };
}

const RECEIVED = 'rights.request_received';
const VERIFIED = 'rights.identity_verified';
const DISPATCHED = 'rights.task_dispatched';
const COMPLETED = 'rights.request_completed';

const SCENARIOS: Scenario[] = [
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

const ctx = (now = T) => ({ actor: 'apikey:test', correlationId: randomUUID(), now });

jest.setTimeout(240_000);

describe.each(SQL_BACKENDS)('rights verification process manager: crash at every step (%s)', (_name, fresh) => {
  let f: FreshDatabase;
  let infra: Infrastructure;
  let deps: AppDeps;

  beforeAll(async () => {
    f = await fresh();
    const config = loadConfig({ DATA_DIR: '/tmp/pl-rights-pm-test', MASTER_KEY: Buffer.alloc(32, 5).toString('base64'), PSEUDONYM_SECRET: 'rights-pm-test-secret-0123456789', ...(f.url ? { DATABASE_URL: f.url } : {}) });
    infra = await createInfrastructure(config, { db: f.db });
    deps = infra;
    await catalogFixtures(infra);
  });
  afterAll(async () => {
    await infra?.close();
    await f?.drop();
  });

  /**
   * Drives the process manager from the log like the consumer engine does: in order, checkpoint
   * after each handled event. A throw (crash) leaves the checkpoint before the event; a new process
   * manager (restart) resumes from there.
   */
  async function drive(pm: EventProcessManager, cp: { position: LogPosition }, until: LogPosition): Promise<void> {
    // on PostgreSQL an event becomes readable once no older transaction is in flight (invariant 4): read until `until` was handled
    while (comparePositions(cp.position, until) < 0) {
      const page = await deps.store.readPage(cp.position, { typePrefixes: pm.typePrefixes, maxCount: 50 });
      for (const e of page.events) {
        await pm.handle(e, deps);
        cp.position = e.position;
      }
      if (comparePositions(page.scannedTo, cp.position) > 0) cp.position = page.scannedTo;
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** One run: crash once after step `crashAfter` (if given), restart, and return the end state with run-specific ids replaced. */
  /**
   * The consumer engine's runner (what the worker runs): the first one dies at the step (its failure
   * is retried or it is stopped, as a killed process would be), a second one takes over from the checkpoint.
   */
  async function onEngine(crashing: EventProcessManager, clean: EventProcessManager, crashed: () => boolean, until: () => LogPosition): Promise<{ settled(): Promise<void>; stop(): Promise<void> }> {
    const options = { errorRetryMs: 10, maxErrorRetryMs: 20 };
    let runner = eventProcessManagerRunner(crashing, deps, options);
    await runner.start();
    let restarted = false;
    const settled = async () => {
      for (const t0 = Date.now(); Date.now() - t0 < 20_000; await new Promise((r) => setTimeout(r, 10))) {
        if (crashed() && !restarted) {
          await runner.stop();
          runner = eventProcessManagerRunner(clean, deps, options);
          await runner.start();
          restarted = true;
        }
        const at = runner.status().position;
        if (at && comparePositions(at, until()) >= 0) return;
      }
      throw new Error(`the engine's runner did not reach the last fact: ${JSON.stringify(runner.status(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    };
    return { settled, stop: () => runner.stop() };
  }

  async function play(s: Scenario, crashAfter?: VerificationStep, mode: 'driver' | 'engine' = 'driver'): Promise<{ state: unknown; steps: VerificationStep[]; crashes: number }> {
    const run = randomUUID();
    const subjectKey = infra.pseudonymizer.subject(`user-${run}`);
    const requestId = randomUUID();
    const consentId = randomUUID();
    const cp = { position: await deps.store.headPosition() };
    await handleCommand(deps.store, consent.consentDecider, consent.consentStreamId(subjectKey), {
      type: 'RecordConsent', subjectKey, consentId, status: 'given', categories: ['user.contact.email'], purposes: ['marketing'], basis: 'consent', consentVersion: 'v1',
      givenAt: new Date(T.getTime() - 86_400_000).toISOString(), proof: PROOF, now: new Date(T.getTime() - 86_400_000),
    }, ctx());
    if (s.holdings) await receipts(infra, subjectKey);
    let last = cp.position;
    const rights = async (c: RightsCommand) => {
      const r = await runRequestCommand(deps, requestId, c, ctx(), { readYourWrites: false });
      if (r.appended) last = r.appended.position;
    };
    await rights({ type: 'ReceiveRequest', requestId, subjectKey, requestType: s.requestType, jurisdiction: s.jurisdiction, channel: 'api', objection: s.objection ?? null, openRequests: [], now: T });
    if (foldRequest((await deps.store.readStream(requestStreamId(requestId))).events).status === 'received') await rights({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now: T });

    const steps: VerificationStep[] = [];
    let crashes = 0;
    const pm = (crashing: boolean) =>
      rightsVerificationProcessManager({
        afterStep: (step, id) => {
          if (id !== requestId) return;
          steps.push(step);
          if (crashing && crashes === 0 && step === crashAfter) {
            crashes++;
            throw new Crash(step);
          }
        },
      });
    const engine = mode === 'engine' ? await onEngine(pm(true), pm(false), () => crashes > 0, () => last) : null;
    const driveWithRestart = async () => {
      if (engine) return engine.settled();
      try {
        await drive(pm(true), cp, last);
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
        await drive(pm(false), cp, last);
      }
    };
    try {
      await driveWithRestart();
      for (const c of s.then ?? []) {
        await rights(c);
        await driveWithRestart();
      }
    } finally {
      await engine?.stop();
    }
    return { state: await endState(subjectKey, requestId, consentId), steps, crashes };
  }

  /** Request and consent streams (types, data, actor, causation), the data key, with this run's ids replaced by names. */
  async function endState(subjectKey: string, requestId: string, consentId: string): Promise<unknown> {
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

  describe.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', (_label, s) => {
    let reference: unknown;

    beforeAll(async () => {
      const r = await play(s);
      expect(r.steps).toEqual(s.steps);
      reference = r.state;
    });

    it('an uninterrupted run records each fact once', () => {
      const r = reference as { request: Array<{ type: string; data: any }>; ledger: Array<{ type: string }>; key: boolean; status: string };
      expect({ request: r.request.map((e) => e.type), ledger: r.ledger.map((e) => e.type), key: r.key, status: r.status }).toEqual(s.facts);
      expect(r.request.filter((e) => e.type === DISPATCHED).map((e) => e.data.task_id).sort()).toEqual(s.facts.request.includes(DISPATCHED) ? ['TASK-billing', 'TASK-crm'] : []);
      const erased = r.request.find((e) => e.type === 'rights.subject_erased');
      if (erased) expect(erased.data).toMatchObject({ erased: { data_keys_shredded: 1 }, retained: s.holdings ? [expect.objectContaining({ system_id: 'billing', category: 'user.financial.transaction' })] : [] });
    });

    it.each(s.steps.map((step) => [step]))('killed after %s, then restarted: the same end state, no fact twice', async (step) => {
      const r = await play(s, step);
      expect(r.crashes).toBe(1);
      expect(r.state).toEqual(reference);
    });

    it.each(s.steps.map((step) => [step]))("on the consumer engine's runner, failing after %s: the same end state, no fact twice", async (step) => {
      const r = await play(s, step, 'engine');
      expect(r.crashes).toBe(1);
      expect(r.state).toEqual(reference);
    });
  });

  it('handling every fact again from the start (a reset checkpoint) changes nothing', async () => {
    const before = await deps.store.headPosition();
    const pm = rightsVerificationProcessManager();
    await drive(pm, { position: { tx: -1n, pos: -1n } }, before);
    expect(await deps.store.headPosition()).toEqual(before);
  });
});

/** Two systems: crm (marketing on consent) and billing (payment records under contract, disclosed to a payment provider). */
async function catalogFixtures(infra: Infrastructure): Promise<void> {
  const meta = () => ({ event_id: randomUUID(), occurred_at: T.toISOString(), recorded_at: T.toISOString(), actor: 'apikey:test', correlation_id: randomUUID(), causation_id: null });
  for (const [system_id, recipients] of [['crm', []], ['billing', ['payment-provider']]] as const) {
    await infra.store.append(`catalog-system-${system_id}`, [{ type: 'catalog.system_registered', data: { system: { system_id, name: system_id, recipients } }, metadata: meta() }], 'any');
  }
  await infra.store.append('catalog-activity-shop', [{
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

async function receipts(infra: Infrastructure, subjectKey: string): Promise<void> {
  const stored_at = new Date(T.getTime() - 3_600_000).toISOString();
  const receipt = (system_id: string, category: string, purpose: string) => ({
    type: 'catalog.processing_recorded',
    data: { receipt_id: randomUUID(), subject_key: subjectKey, system_id, category, purpose, stored_at },
    metadata: { event_id: randomUUID(), occurred_at: stored_at, recorded_at: stored_at, actor: 'apikey:test', correlation_id: randomUUID(), causation_id: null },
  });
  await infra.store.append(`receipts-${subjectKey}`, [
    receipt('crm', 'user.contact.email', 'marketing'),
    receipt('billing', 'user.financial.transaction', 'essential.service.fulfilment'),
    receipt('billing', 'user.contact.address', 'essential.service.fulfilment'),
  ], 'any');
}
