import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMismatches, type ResponseMismatch } from './openapi-responses';

/** A TCP port on 127.0.0.1 that was free a moment ago (for a child process to listen on). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The variables a started service reads, which the test run's own environment must not leak into it. */
const SERVICE_VARIABLES = ['DATABASE_URL', 'EVENT_STORE', 'EVENTSTORE_CONNECTION_STRING', 'KAFKA_BROKERS', 'ADMIN_API_KEY', 'MASTER_KEY', 'MASTER_KEY_ID', 'MASTER_KEYS_PREVIOUS', 'KEYSTORE_DATABASE_URL', 'PSEUDONYM_SECRET', 'AUDIT_TSA_URL', 'OUTBOUND_ALLOWED_PRIVATE_NETWORKS', 'NODE_OPTIONS'];

/** This process's environment without the service's variables (and any others named), plus `extra`. */
export function cleanEnv(extra: Record<string, string>, drop: readonly string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [...SERVICE_VARIABLES, ...drop]) delete env[k];
  return { ...env, ...extra };
}

/** A child process's stdout read as JSON lines (other lines kept as strings), and a wait for a condition on them. */
export function jsonLines<T = any>(child: ChildProcess): { readonly lines: T[]; until(cond: (lines: T[]) => boolean, timeoutMs: number, what: string): Promise<void> } {
  const lines: T[] = [];
  let buf = '';
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts.filter((l) => l.trim())) {
      try {
        lines.push(JSON.parse(p));
      } catch {
        lines.push(p as T);
      }
    }
  });
  return {
    lines,
    async until(cond, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!cond(lines)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; exit code ${child.exitCode}; last lines: ${JSON.stringify(lines.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/**
 * Issue 17 item 1 for a service started from dist/ as a child process: `env` makes the child check
 * every response its API sends against the OpenAPI document it serves (test/support/response-check-preload.cjs,
 * the same check as the in-process test apps), and `found()` reads what it found: how many API apps
 * were checked and each mismatch, described as the test apps' close() describes them.
 */
export function responseCheck(): { readonly env: Record<string, string>; found(): { apps: number; mismatches: string }; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pl-response-check-'));
  const file = join(dir, 'found.jsonl');
  return {
    env: { NODE_OPTIONS: `--require ${join(__dirname, 'response-check-preload.cjs')}`, PL_TEST_RESPONSE_MISMATCHES: file },
    found() {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { checking?: number; mismatch?: ResponseMismatch }) : [];
      return { apps: lines.filter((l) => l.checking).length, mismatches: describeMismatches(lines.flatMap((l) => (l.mismatch ? [l.mismatch] : []))) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
