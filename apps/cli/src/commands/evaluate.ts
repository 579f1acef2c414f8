import { readFileSync } from 'node:fs';
import { catalog, DomainError } from '@pl/domain';
import { parseArgs, type CliCommand } from '../command';

/** Reads a manifest file; prints a line-numbered error and returns null when it cannot be read or parsed. */
export function readManifest(file: string, io: { err(line: string): void }): { source: string } | null {
  try {
    return { source: readFileSync(file, 'utf8') };
  } catch (e) {
    io.err(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    return null;
  }
}

export function formatFinding(file: string, f: catalog.Finding): string {
  return `${file}:${f.line ?? 1}: ${f.severity} ${f.code}: ${f.message}`;
}

/** CI gate: no server, no database. Exit 0 when no error finding, 1 when any, 2 on usage errors. */
export const evaluateCommand: CliCommand = {
  name: 'evaluate',
  summary: 'check a privacy manifest (CI): exit 1 on any error finding',
  usage: 'evaluate <manifest.yaml> [--at <ISO date>] [--format text|json]',
  needsInfra: false,
  async run(args, io) {
    const { positional, flags } = parseArgs(args);
    const file = positional[0];
    const at = typeof flags.at === 'string' ? new Date(flags.at) : new Date();
    if (!file || Number.isNaN(at.getTime()) || (flags.format && !['text', 'json'].includes(String(flags.format)))) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const read = readManifest(file, io);
    if (!read) return 2;
    let findings: catalog.Finding[];
    try {
      findings = catalog.evaluateManifestYaml(read.source, at).findings;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const line = (e.details?.line as number | undefined) ?? 1;
      if (flags.format === 'json') io.out(JSON.stringify({ file, ok: false, findings: [{ severity: 'error', code: 'malformed_manifest', message: e.message, path: [], line }] }));
      else io.err(`${file}:${line}: error malformed_manifest: ${e.message}`);
      return 1;
    }
    const errors = findings.filter((f) => f.severity === 'error').length;
    if (flags.format === 'json') io.out(JSON.stringify({ file, at: at.toISOString(), ok: errors === 0, findings }, null, 2));
    else {
      for (const f of findings) (f.severity === 'error' ? io.err : io.out)(formatFinding(file, f));
      io.out(`${file}: ${errors} error(s), ${findings.filter((f) => f.severity === 'warning').length} warning(s)`);
    }
    return errors ? 1 : 0;
  },
};
