import { randomUUID } from 'node:crypto';
import { catalog, DomainError } from '@pl/domain';
import { parseArgs, type CliCommand } from '../command';
import { formatFinding, readManifest } from './evaluate';

/** Registers or updates the catalog from a manifest, straight into the log. Idempotent: an unchanged entry appends nothing. */
export const applyCommand: CliCommand = {
  name: 'apply',
  summary: 'register or update the catalog from a privacy manifest (idempotent)',
  usage: 'apply <manifest.yaml>',
  needsInfra: true,
  async run(args, io, infra) {
    const { positional } = parseArgs(args);
    const file = positional[0];
    if (!file) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const read = readManifest(file, io);
    if (!read) return 2;
    let parsed: catalog.ParsedManifest;
    try {
      parsed = catalog.parseManifestYaml(read.source);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      io.err(`${file}:${(e.details?.line as number | undefined) ?? 1}: error malformed_manifest: ${e.message}`);
      return 1;
    }
    const ctx = { actor: 'cli:apply', correlationId: randomUUID(), now: new Date() };
    try {
      const r = await infra!.app.catalog.applyManifest(parsed.manifest, ctx);
      for (const c of r.changes) io.out(`${c.kind} ${c.id}: ${c.events.join(', ')}`);
      for (const f of r.findings.filter((x) => x.severity === 'error')) io.err(formatFinding(file, { ...f, line: parsed.lineOf(f.path) }));
      io.out(`${file}: ${r.appended} event(s) appended, ${r.unchanged} entr${r.unchanged === 1 ? 'y' : 'ies'} unchanged`);
      return 0;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const findings = (e.details?.findings as catalog.Finding[] | undefined) ?? [];
      for (const f of findings) io.err(formatFinding(file, { ...f, line: parsed.lineOf(f.path) }));
      io.err(`${file}: ${e.message}`);
      return 1;
    }
  },
};
