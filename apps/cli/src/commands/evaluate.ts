import { readFileSync } from 'node:fs';
import { catalog, DomainError } from '@pl/domain';
import { action, defineCommand } from '../command';

// The HTTP routes' DTOs, loaded when a value is checked (the module loads @nestjs/swagger: seconds at start).
const dtos = () => require('../../../api/src/catalog/catalog.dto') as typeof import('../../../api/src/catalog/catalog.dto');

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
export const evaluateCommand = defineCommand({
  name: 'evaluate',
  action: action({
    summary: 'check a privacy manifest (CI): exit 1 on any error finding',
    positionals: [{ name: 'manifest.yaml', description: 'the privacy manifest', required: true }],
    options: {
      at: { type: 'string', value: 'ISO date', description: 'evaluate the rules in force at this date (default: now)' },
      format: { type: 'string', choices: ['text', 'json'], description: 'text (default) or json (the same as --json)' },
    },
    validate: () => dtos().AtQuery,
    json: true,
    needsInfra: false,
    async run({ positionals: [file], values, json }, io) {
      const at = values.at ? new Date(values.at) : new Date();
      const asJson = json || values.format === 'json';
      const print = (doc: unknown, code: number, text: string[]) => ({ code, json: doc, text: asJson && !json ? [JSON.stringify(doc, null, 2)] : text });
      const read = readManifest(file, io);
      if (!read) return 2;
      let findings: catalog.Finding[];
      try {
        findings = catalog.evaluateManifestYaml(read.source, at).findings;
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        const line = (e.details?.line as number | undefined) ?? 1;
        if (!asJson) io.err(`${file}:${line}: error malformed_manifest: ${e.message}`);
        return print({ file, ok: false, findings: [{ severity: 'error', code: 'malformed_manifest', message: e.message, path: [], line }] }, 1, []);
      }
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (!asJson) for (const f of findings.filter((x) => x.severity === 'error')) io.err(formatFinding(file, f));
      const text = [
        ...findings.filter((f) => f.severity !== 'error').map((f) => formatFinding(file, f)),
        `${file}: ${errors} error(s), ${findings.filter((f) => f.severity === 'warning').length} warning(s)`,
      ];
      return print({ file, at: at.toISOString(), ok: errors === 0, findings }, errors ? 1 : 0, text);
    },
  }),
});
