import { randomUUID } from 'node:crypto';
import { comparePositions, type LogPosition } from '@pl/domain';
import { loadConfig } from '../../../../apps/common/config';
import { createInfrastructure, type Infrastructure } from '../../../../apps/common/infrastructure';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { DISPATCHED, VERIFICATION_SCENARIOS, catalogFixtures, openRequest, recordOnRequest, verificationEndState, type RequestIds, type VerificationScenario } from '../../../../test/support/rights-verification';
import { eventProcessManagerRunner } from '../consumers/event-process-manager';
import type { AppDeps, EventProcessManager } from '../core/app-deps';
import { rightsVerificationProcessManager, type VerificationStep } from './verification.process-manager';

class Crash extends Error {}

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
    await catalogFixtures(infra.store);
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

  async function play(s: VerificationScenario, crashAfter?: VerificationStep, mode: 'driver' | 'engine' = 'driver'): Promise<{ state: unknown; steps: VerificationStep[]; crashes: number }> {
    const run = randomUUID();
    const ids: RequestIds = { subjectKey: infra.pseudonymizer.subject(`user-${run}`), requestId: randomUUID(), consentId: randomUUID() };
    const { requestId } = ids;
    const cp = { position: await deps.store.headPosition() };
    let last = await openRequest(deps, s, ids);

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
        last = (await recordOnRequest(deps, requestId, c)) ?? last;
        await driveWithRestart();
      }
    } finally {
      await engine?.stop();
    }
    return { state: await verificationEndState(deps, ids), steps, crashes };
  }

  describe.each(VERIFICATION_SCENARIOS.map((s) => [s.name, s] as const))('%s', (_label, s) => {
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
