import { randomUUID } from 'node:crypto';
import { catalog, DomainError } from '@pl/domain';
import { action, defineCommand } from '../command';
import { formatFinding, readManifest } from './evaluate';

/** Registers or updates the catalog from a manifest, straight into the log. Idempotent: an unchanged entry appends nothing. */
export const applyCommand = defineCommand({
  name: 'apply',
  action: action({
    summary: 'register or update the catalog from a privacy manifest (idempotent)',
    positionals: [{ name: 'manifest.yaml', description: 'the privacy manifest', required: true }],
    json: true,
    needsInfra: true,
    async run({ positionals: [file] }, io, infra) {
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
        const findings = r.findings.map((f) => ({ ...f, line: parsed.lineOf(f.path) }));
        for (const f of findings.filter((x) => x.severity === 'error')) io.err(formatFinding(file, f));
        return {
          json: { file, appended: r.appended, unchanged: r.unchanged, changes: r.changes, findings },
          text: [...r.changes.map((c) => `${c.kind} ${c.id}: ${c.events.join(', ')}`), `${file}: ${r.appended} event(s) appended, ${r.unchanged} entr${r.unchanged === 1 ? 'y' : 'ies'} unchanged`],
        };
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        const findings = (e.details?.findings as catalog.Finding[] | undefined) ?? [];
        for (const f of findings) io.err(formatFinding(file, { ...f, line: parsed.lineOf(f.path) }));
        io.err(`${file}: ${e.message}`);
        return 1;
      }
    },
  }),
});
