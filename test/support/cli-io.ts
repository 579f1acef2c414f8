import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/common/config';
import type { CliIo } from '../../apps/cli/src/command';

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
