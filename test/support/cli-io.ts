import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/common/config';
import type { CliIo } from '../../apps/cli/src/command';
import { createInfrastructure, type Infrastructure } from '../../apps/common/infrastructure';
import { freshPglite, type FreshDatabase } from './databases';

/** A CLI's output captured line by line: stdout, stderr and progress lines. */
export function captureCliIo(): CliIo & { stdout: string[]; stderr: string[]; progressLines: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progressLines: string[] = [];
  return { stdout, stderr, progressLines, out: (l) => stdout.push(l), err: (l) => stderr.push(l), progress: (l) => progressLines.push(l) };
}

/** The configuration CLI tests run with: a temporary DATA_DIR and fixed test keys. */
export const cliTestConfig = () =>
  loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-cli-')), MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), PSEUDONYM_SECRET: 'cli-test-pseudonym-secret-012345' });

/**
 * Infrastructure over a fresh PGlite database for the CLI commands of one describe block, built before
 * its tests and closed after them: `const cli = cliInfraPerSuite(); ... cli.infra`.
 */
export function cliInfraPerSuite(): { readonly infra: Infrastructure } {
  let f: FreshDatabase;
  const holder = {} as { infra: Infrastructure };
  beforeAll(async () => {
    f = await freshPglite();
    holder.infra = await createInfrastructure(cliTestConfig(), { db: f.db });
  });
  afterAll(async () => {
    await holder.infra?.close();
    await f?.drop();
  });
  return holder;
}
