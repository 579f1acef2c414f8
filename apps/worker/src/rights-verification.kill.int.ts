import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../common/config';
import { createInfrastructure, type Infrastructure } from '../../common/infrastructure';
import { freshPostgres } from '../../../test/support/databases';
import { cleanEnv } from '../../../test/support/processes';
import { DISPATCHED, VERIFICATION_SCENARIOS, catalogFixtures, openRequest, recordOnRequest, verificationEndState, type RequestIds } from '../../../test/support/rights-verification';

/**
 * The rights verification process manager killed for real (issue 14, defect 1): a worker process
 * (test/support/verification-worker.ts, the worker's engine via startWorker) stops right after a
 * step it has not been killed after before and is sent SIGKILL; a new process resumes from the
 * checkpoint; until one runs to the end of the log. So the run is killed once after every step of
 * every request. Each request must then be where an uninterrupted run (another database, the same
 * requests) leaves it: tasks dispatched once each, the subject erased once, completed once.
 */
jest.setTimeout(1_200_000);

const root = join(__dirname, '../../..');
const WORKER = ['-r', join(root, 'bench/swc-register.js'), join(root, 'test/support/verification-worker.ts')];
const COMMON = { MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), PSEUDONYM_SECRET: 'rights-kill-test-secret-0123456789' };

type World = { readonly env: Record<string, string>; done(): Promise<void> };

const backends: ReadonlyArray<readonly [string, () => Promise<World>]> = [
  [
    'PostgreSQL',
    async () => {
      const f = await freshPostgres('pl_kill');
      const dir = mkdtempSync(join(tmpdir(), 'pl-kill-pg-'));
      return { env: { ...COMMON, DATABASE_URL: f.url!, DATA_DIR: dir }, done: async () => { rmSync(dir, { recursive: true, force: true }); await f.drop(); } };
    },
  ],
  [
    'PGlite (data directory)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pl-kill-embedded-'));
      return { env: { ...COMMON, DATA_DIR: dir }, done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

/** The same ids in every world: a request (and its subject and consent) per scenario. */
const idsOf = (infra: Infrastructure): RequestIds[] =>
  VERIFICATION_SCENARIOS.map((_s, i) => ({ subjectKey: infra.pseudonymizer.subject(`kill-user-${i}`), requestId: `0b5e1d00-0000-4000-8000-00000000000${i}`, consentId: `c0b5e1d0-0000-4000-8000-00000000000${i}` }));

/** Opens the world in this process (the worker must not run: a PGlite directory is one process's). */
async function withInfra<T>(w: World, fn: (infra: Infrastructure, ids: RequestIds[]) => Promise<T>): Promise<T> {
  const infra = await createInfrastructure(loadConfig(w.env));
  try {
    return await fn(infra, idsOf(infra));
  } finally {
    await infra.close();
  }
}

interface ChildRun {
  /** `<step> <request id>` in the order the process reported them. */
  readonly steps: string[];
  readonly killed: boolean;
}

/** One worker process: SIGKILLed once it pauses after a new step, stopped (SIGTERM) once it is idle. */
async function runWorker(w: World, pause: boolean, killedAt: readonly string[]): Promise<ChildRun> {
  const child = spawn(process.execPath, WORKER, { cwd: root, env: cleanEnv({ ...w.env, PAUSE_AFTER_NEW_STEP: pause ? '1' : '0', KILLED_AT: killedAt.join(',') }), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d.toString()));
  const outcome = await new Promise<'paused' | 'idle'>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker neither paused nor went idle:\n${out}\n${err}`)), 300_000);
    child.stdout!.on('data', (d) => {
      out += d.toString();
      const lines = out.split('\n');
      const found = lines.includes('paused') ? 'paused' : lines.includes('idle') ? 'idle' : null;
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    void exited.then((e) => reject(new Error(`the worker exited (${JSON.stringify(e)}):\n${out}\n${err}`)));
  });
  child.kill(outcome === 'paused' ? 'SIGKILL' : 'SIGTERM');
  const exit = await exited;
  expect(exit).toEqual(outcome === 'paused' ? { code: null, signal: 'SIGKILL' } : { code: 0, signal: null });
  const steps = out.split('\n').filter((l) => l.startsWith('step ')).map((l) => l.slice('step '.length));
  return { steps, killed: outcome === 'paused' };
}

/** Worker processes until one handles the whole log; with `kill`, each is killed after its first step not killed after before. */
async function runToIdle(w: World, kill: boolean, log: { steps: string[]; kills: string[] }): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const r = await runWorker(w, kill, log.kills);
    log.steps.push(...r.steps);
    if (!r.killed) return;
    log.kills.push(r.steps[r.steps.length - 1]);
  }
  throw new Error('the worker never went idle');
}

/**
 * The requests opened, the worker run to idle; then each scenario's later commands (a lifted
 * restriction, a data release) recorded, and the worker run to idle again. The end state of each request.
 */
async function scenarioRun(w: World, kill: boolean): Promise<{ states: unknown[]; steps: string[]; kills: string[] }> {
  const log = { steps: [] as string[], kills: [] as string[] };
  await withInfra(w, async (infra, ids) => {
    await catalogFixtures(infra.store);
    for (const [i, s] of VERIFICATION_SCENARIOS.entries()) await openRequest(infra, s, ids[i]);
  });
  await runToIdle(w, kill, log);
  await withInfra(w, async (infra, ids) => {
    for (const [i, s] of VERIFICATION_SCENARIOS.entries()) for (const c of s.then ?? []) await recordOnRequest(infra, ids[i].requestId, c);
  });
  await runToIdle(w, kill, log);
  const states = await withInfra(w, (infra, ids) => Promise.all(ids.map((id) => verificationEndState(infra, id))));
  return { states, ...log };
}

/** Each request's steps, in order, each named once (a step redone after a kill that found nothing to change is not reported). */
function stepsByRequest(steps: readonly string[]): string[][] {
  return VERIFICATION_SCENARIOS.map((_s, i) => [...new Set(steps.filter((p) => p.endsWith(`00000000000${i}`)).map((p) => p.split(' ')[0]))]);
}

describe.each(backends)('rights verification process manager killed with SIGKILL after each step (%s)', (_name, open) => {
  const worlds: World[] = [];
  const world = async () => {
    const w = await open();
    worlds.push(w);
    return w;
  };
  afterAll(async () => {
    for (const w of worlds) await w.done();
  });

  it('every request reaches the end state of an uninterrupted run: tasks once each, erased once, completed once', async () => {
    const reference = await scenarioRun(await world(), false);
    expect(reference.kills).toEqual([]);
    expect(stepsByRequest(reference.steps)).toEqual(VERIFICATION_SCENARIOS.map((s) => s.steps));
    const facts = (st: any) => ({ request: st.request.map((e: { type: string }) => e.type), ledger: st.ledger.map((e: { type: string }) => e.type), key: st.key, status: st.status });
    expect(reference.states.map(facts)).toEqual(VERIFICATION_SCENARIOS.map((s) => s.facts));
    for (const st of reference.states as Array<{ request: Array<{ type: string; data: { task_id: string } }> }>) {
      const tasks = st.request.filter((e) => e.type === DISPATCHED).map((e) => e.data.task_id);
      expect(new Set(tasks).size).toBe(tasks.length);
    }

    const killed = await scenarioRun(await world(), true);
    // one kill after every step of every request, in the order an uninterrupted run takes them
    expect(killed.kills).toHaveLength(VERIFICATION_SCENARIOS.flatMap((s) => s.steps).length);
    expect(stepsByRequest(killed.kills)).toEqual(VERIFICATION_SCENARIOS.map((s) => s.steps));
    expect(killed.states).toEqual(reference.states);
  });
});
