/**
 * What tracing costs on the hottest route, and that off costs nothing measurable (issue 17 item 6):
 * GET /consent/validate over HTTP (autocannon on loopback) against the API as a child process
 * (`apps/api/main.ts`, no worker, PostgreSQL), started alternately without any OTEL variable (off:
 * the SDK is never loaded) and with tracing on (PL_TRACING=on, the OTLP exporter pointed at a closed
 * loopback port, so spans are made, batched and dropped), in the order off, on, on, off.
 *
 *   bash bench/run.sh bench/tracing-off.ts [--seconds 8] [--connections 16] [--port 20102]
 *
 * Prints one line per run and a markdown table for docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CHECKPOINT_SCHEMA, ensureProjectionSchema } from '@pl/application';
import { consentProjection } from '@pl/projections/consent';
import { freshPostgres } from '../test/support/databases';
import { arg, machineLine } from './timing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');

const ADMIN = 'bench-admin-key-0123456789abcdef0123456789';
const SECONDS = Number(arg('seconds', '8'));
const CONNECTIONS = Number(arg('connections', '16'));
const PORT = Number(arg('port', '20102'));
const CLOSED_PORT = PORT + 1; // nothing listens there: the exporter's requests fail on loopback

const MODES = {
  off: {},
  on: { PL_TRACING: 'on', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${CLOSED_PORT}`, OTEL_SERVICE_NAME: 'bench' },
} as const;

function startApi(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && k !== 'PL_TRACING'));
    const child = spawn(process.execPath, ['--require', './bench/swc-register.js', 'apps/api/main.ts'], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('listening')) resolve(child);
    });
    child.stderr!.on('data', (b) => (out += b.toString()));
    child.once('exit', (code) => reject(new Error(`api exited ${code}: ${out.slice(-2000)}`)));
  });
}

function cannon(url: string, seconds: number): Promise<{ rps: number; p50: number; p99: number; bad: number }> {
  return new Promise((resolve, reject) => {
    let i = 0;
    autocannon(
      {
        url, connections: CONNECTIONS, duration: seconds, pipelining: 1, headers: { authorization: `Bearer ${ADMIN}` },
        requests: [{ method: 'GET', setupRequest: (r: any) => ({ ...r, path: `/consent/validate?user_id=user-${i++ % 10000}&data_category=user.contact.email&processing_purpose=marketing.communications.email` }) }],
      },
      (err: Error | null, r: any) => (err ? reject(err) : resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r.errors + r.timeouts + r.non2xx })),
    );
  });
}

async function main(): Promise<void> {
  console.log(machineLine());
  const fresh = await freshPostgres('pl_bench_tracing');
  await fresh.db.exec(CHECKPOINT_SCHEMA);
  await ensureProjectionSchema(fresh.db, consentProjection);
  const rows: string[] = [];
  try {
    for (const mode of ['off', 'on', 'on', 'off'] as const) {
      const api = await startApi({ DATABASE_URL: fresh.url!, EVENT_STORE: 'postgres', PORT: String(PORT), HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, PSEUDONYM_SECRET: 'bench-pseudonym-secret-0123456789abcdef', MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'info', ...MODES[mode] });
      try {
        const url = `http://127.0.0.1:${PORT}`;
        await cannon(url, 2); // warm-up
        const load = (await import('node:os')).loadavg()[0].toFixed(1);
        const r = await cannon(url, SECONDS);
        if (r.bad) throw new Error(`${r.bad} failed requests in mode ${mode}`);
        const line = `| ${mode} | ${new Date().toISOString().slice(11, 16)} | ${load} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} |`;
        console.log(line);
        rows.push(line);
      } finally {
        api.kill('SIGTERM');
        await new Promise((r) => api.once('exit', r));
      }
    }
  } finally {
    await fresh.drop();
  }
  console.log(['', '| tracing | time (UTC) | load (1 min) | requests/s | p50 ms | p99 ms |', '|---|---|---:|---:|---:|---:|', ...rows].join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
