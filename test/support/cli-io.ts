import type { CliIo } from '../../apps/cli/src/command';

/** A CLI's output captured line by line: stdout, stderr and progress lines. */
export function captureCliIo(): CliIo & { stdout: string[]; stderr: string[]; progressLines: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progressLines: string[] = [];
  return { stdout, stderr, progressLines, out: (l) => stdout.push(l), err: (l) => stderr.push(l), progress: (l) => progressLines.push(l) };
}
