/**
 * Idle cost: CPU and memory of the service started as a user starts it and then left alone (no
 * request, no event). Needs a build (`npm run -s build`): it runs the compiled entry points, as
 * `npm start` / `npm run start:api` / `npm run start:worker` do.
 *
 *   npm run -s build && bash bench/run.sh bench/idle.ts [--setups embedded,embedded-restart,postgres] [--warmup 20] [--seconds 60]
 *       [--roots .,/path/to/other/checkout] [--rounds 1] [--db-prefix bench_idle]
 *
 * Each process is started as its npm script says (`start`, `start:api`, `start:worker` in the
 * checkout's package.json): the same environment settings and Node options, then the entry point.
 *
 * Setups (--setups, default all three):
 * - embedded: `npm start` = `node dist/apps/main.js` (API + worker in one process, PGlite) with no configuration
 *   but a fresh DATA_DIR and a free port: the first start, which creates the database;
 * - embedded-restart: the same on a DATA_DIR a first start created (started, stopped, started
 *   again): every later start;
 * - postgres: `node dist/apps/api/main.js` and `node dist/apps/worker/main.js` as two processes on a
 *   fresh PostgreSQL database on DATABASE_URL's server (default the local one), with MASTER_KEY set
 *   (required there), plus the PostgreSQL backends serving that database.
 *
 * After the start-up line and a warm-up, it samples every second for the measured window:
 * - CPU: utime + stime from /proc/<pid>/stat (all threads) at the start and the end of the window,
 *   as % of one core; for PostgreSQL, every backend of the database (pids from pg_stat_activity,
 *   read from /proc; a backend that exits within a second loses its last second);
 * - memory: VmRSS (mean and last over the window) and VmHWM (peak RSS since start) from
 *   /proc/<pid>/status;
 * - log lines written during the window (an idle service should write none).
 * --roots runs the same measurement on several checkouts (each built), one after another, so a
 * baseline commit and the current code are compared in one run on one machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir, cpus, hostname, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execSync } from 'node:child_process';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL, freshPostgres } from '../test/support/databases';
import { CLK_TCK, cpuTicks } from './timing';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const SETUPS = arg('setups', 'embedded,embedded-restart,postgres').split(',').filter(Boolean);
const WARMUP_S = Number(arg('warmup', '20'));
const SECONDS = Number(arg('seconds', '60'));
const ROUNDS = Number(arg('rounds', '1'));
const ROOTS = arg('roots', '.').split(',').filter(Boolean).map((r) => resolve(r));
const DB_PREFIX = arg('db-prefix', 'bench_idle');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS and VmHWM in KiB. */
function memory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/\s(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? NaN);
    return { rss: kb('VmRSS:'), hwm: kb('VmHWM:') };
  } catch {
    return null;
  }
}

interface Command {
  readonly env: Record<string, string>;
  readonly nodeArgs: readonly string[];
  readonly entry: string;
}

/** What an npm script runs, `[NAME=value ...] node [options] <entry>`, read from the checkout's package.json (without its `pre` script). */
function npmScript(root: string, script: string): Command {
  const line = String(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.[script] ?? '');
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const w = words.shift()!;
    env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  }
  if (words.shift() !== 'node' || words.length === 0) throw new Error(`npm run ${script} in ${root} is not "[NAME=value ...] node [options] <entry>": ${line}`);
  const entry = words.pop()!;
  return { env, nodeArgs: words, entry };
}

interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  logLines: number;
}

/** Spawns an npm script's command and resolves once its start-up log line is out. */
function start(name: string, root: string, command: Command, env: NodeJS.ProcessEnv, readyLine: string): Promise<Started> {
  const child = spawn(process.execPath, [...command.nodeArgs, join(root, command.entry)], { cwd: root, env: { ...env, ...command.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started: Started = { name, child, logLines: 0 };
  let output = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 180 s:\n${output.slice(-2000)}`)), 180_000);
    let ready = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      started.logLines += text.split('\n').filter(Boolean).length;
      if (!ready) {
        output += text;
        if (output.includes(readyLine)) {
          ready = true;
          clearTimeout(timer);
          resolveStart(started);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before it started:\n${output.slice(-2000)}`));
      }
    });
  });
}

async function stop(p: Started): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const timeout = sleep(15_000).then(() => 'timeout');
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    p.child.kill('SIGKILL');
    await exited;
  }
}

/** Minimal environment: what a shell gives any program, nothing of this machine's test configuration. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TZ', 'USER'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

interface Row {
  root: string;
  setup: string;
  process: string;
  cpuPct: number;
  rssMeanMiB: number;
  rssLastMiB: number;
  hwmMiB: number;
  logLines: number;
  note?: string;
}

const mib = (kib: number) => kib / 1024;

/** Samples the given processes (and, with `pgBackends`, the backends of a database) over the window. */
async function measure(procs: Started[], pgBackends: (() => Promise<number[]>) | null): Promise<{
  perProc: Array<{ name: string; cpuPct: number; rssMean: number; rssLast: number; hwm: number; logLines: number }>;
  pg: { cpuPct: number; backends: number } | null;
}> {
  const t0 = process.hrtime.bigint();
  const ticks0 = procs.map((p) => cpuTicks(p.child.pid!)!);
  const logs0 = procs.map((p) => p.logLines);
  const rss: number[][] = procs.map(() => []);
  const pgLast = new Map<number, number>();
  let pgTicks = 0;
  const pgSeen = new Set<number>();
  const samplePg = async () => {
    if (!pgBackends) return;
    for (const pid of await pgBackends()) {
      const t = cpuTicks(pid);
      if (t === null) continue;
      // a backend that appears during the window is counted from its first sample
      if (pgLast.has(pid)) pgTicks += t - pgLast.get(pid)!;
      pgLast.set(pid, t);
      pgSeen.add(pid);
    }
  };
  await samplePg();
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(1000, Math.max(0, end - Date.now())));
    procs.forEach((p, i) => {
      const m = memory(p.child.pid!);
      if (m) rss[i].push(m.rss);
    });
    await samplePg();
  }
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  const pct = (ticks: number) => (ticks / CLK_TCK / elapsedS) * 100;
  const perProc = procs.map((p, i) => {
    const t = cpuTicks(p.child.pid!);
    if (t === null) throw new Error(`${p.name} exited during the measurement`);
    const m = memory(p.child.pid!)!;
    const mean = rss[i].reduce((a, b) => a + b, 0) / Math.max(1, rss[i].length);
    return { name: p.name, cpuPct: pct(t - ticks0[i]), rssMean: mean, rssLast: m.rss, hwm: m.hwm, logLines: p.logLines - logs0[i] };
  });
  return { perProc, pg: pgBackends ? { cpuPct: pct(pgTicks), backends: pgSeen.size } : null };
}

/** `restart`: started once on the fresh DATA_DIR (which creates the database) and stopped, then measured on its second start. */
async function embedded(root: string, restart: boolean): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'idle-bench-'));
  const env = baseEnv({ DATA_DIR: dataDir, PORT: '0' });
  const entry = npmScript(root, 'start');
  const ready = 'privacy-ledger started';
  const name = 'npm start (API + worker, PGlite)';
  let svc: Started | null = null;
  try {
    if (restart) await stop(await start(name, root, entry, env, ready));
    svc = await start(name, root, entry, env, ready);
    await sleep(WARMUP_S * 1000);
    const { perProc } = await measure([svc], null);
    const setup = restart ? 'embedded-restart' : 'embedded';
    return perProc.map((p) => ({ root, setup, process: p.name, cpuPct: p.cpuPct, rssMeanMiB: mib(p.rssMean), rssLastMiB: mib(p.rssLast), hwmMiB: mib(p.hwm), logLines: p.logLines }));
  } finally {
    if (svc) await stop(svc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgres(root: string): Promise<Row[]> {
  const fresh = await freshPostgres(DB_PREFIX);
  const dataDir = mkdtempSync(join(tmpdir(), 'idle-bench-'));
  const env = baseEnv({ DATA_DIR: dataDir, PORT: '0', DATABASE_URL: fresh.url!, MASTER_KEY: randomBytes(32).toString('base64') });
  const monitor = new Client({ connectionString: ADMIN_DATABASE_URL });
  await monitor.connect();
  const procs: Started[] = [];
  try {
    // the worker first: it creates the schemas (as in a deployment where it runs the migrations)
    procs.push(await start('worker (PostgreSQL)', root, npmScript(root, 'start:worker'), env, 'worker started'));
    procs.push(await start('API (PostgreSQL)', root, npmScript(root, 'start:api'), env, 'privacy-ledger API listening'));
    await sleep(WARMUP_S * 1000);
    const backends = async () =>
      (await monitor.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [fresh.name])).rows.map((r) => r.pid);
    const { perProc, pg } = await measure(procs, backends);
    const rows: Row[] = perProc.map((p) => ({ root, setup: 'postgres', process: p.name, cpuPct: p.cpuPct, rssMeanMiB: mib(p.rssMean), rssLastMiB: mib(p.rssLast), hwmMiB: mib(p.hwm), logLines: p.logLines }));
    rows.push({ root, setup: 'postgres', process: `PostgreSQL backends of the database (${pg!.backends})`, cpuPct: pg!.cpuPct, rssMeanMiB: NaN, rssLastMiB: NaN, hwmMiB: NaN, logLines: NaN });
    return rows;
  } finally {
    for (const p of procs.reverse()) await stop(p);
    await monitor.end();
    await fresh.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const SETUP_RUNS: Record<string, (root: string) => Promise<Row[]>> = {
  embedded: (root) => embedded(root, false),
  'embedded-restart': (root) => embedded(root, true),
  postgres,
};

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '');

async function main(): Promise<void> {
  for (const root of ROOTS) {
    for (const { entry } of ['start', 'start:api', 'start:worker'].map((script) => npmScript(root, script))) {
      if (!existsSync(join(root, entry))) throw new Error(`${join(root, entry)} is missing: run npm run -s build in ${root}`);
    }
  }
  const commitOf = (root: string) => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
    } catch {
      return '?';
    }
  };
  console.log(`host ${hostname()}, ${cpus().length} CPUs (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
  console.log(`warm-up ${WARMUP_S} s, window ${SECONDS} s, CLK_TCK ${CLK_TCK}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const root of ROOTS) {
    for (const script of ['start', 'start:api', 'start:worker']) {
      const c = npmScript(root, script);
      console.log(`[${commitOf(root)}] npm run ${script}: ${[...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), 'node', ...c.nodeArgs, c.entry].join(' ')}`);
    }
  }
  const rows: Array<Row & { round: number; load: string }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const setup of SETUPS) {
      for (const root of ROOTS) {
        const load = loadavg()[0].toFixed(2);
        const run = SETUP_RUNS[setup];
        if (!run) throw new Error(`unknown setup ${setup} (${Object.keys(SETUP_RUNS).join(', ')})`);
        const got = await run(root);
        for (const r of got) {
          rows.push({ ...r, round, load });
          console.log(`  [${commitOf(root)}] ${setup} round ${round}: ${r.process}: CPU ${fmt(r.cpuPct, 2)} %, RSS ${fmt(r.rssLastMiB)} MiB (peak ${fmt(r.hwmMiB)}), log lines ${fmt(r.logLines, 0)}`);
        }
      }
    }
  }
  console.log('\n| checkout | setup | round | load (1 min) | process | CPU % of a core | RSS mean MiB | RSS at end MiB | peak RSS MiB | log lines in window |');
  console.log('|---|---|---|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${commitOf(r.root)} | ${r.setup} | ${r.round} | ${r.load} | ${r.process} | ${fmt(r.cpuPct, 2)} | ${fmt(r.rssMeanMiB)} | ${fmt(r.rssLastMiB)} | ${fmt(r.hwmMiB)} | ${fmt(r.logLines, 0)} |`);
  }
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(`${commitOf(r.root)} | ${r.setup} | ${r.round}`, (totals.get(`${commitOf(r.root)} | ${r.setup} | ${r.round}`) ?? 0) + r.cpuPct);
  console.log('\n| checkout | setup | round | total CPU % of a core (target < 1) |');
  console.log('|---|---|---|---:|');
  for (const [k, v] of totals) console.log(`| ${k} | ${fmt(v, 2)} |`);
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
