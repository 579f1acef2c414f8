import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { catalog, DomainError } from '@pl/domain';
import { action, defineCommand } from '../command';

// The HTTP routes' DTOs, loaded when a value is checked (the module loads @nestjs/swagger: seconds at start).
const dtos = () => require('../../../api/src/catalog/catalog.dto') as typeof import('../../../api/src/catalog/catalog.dto');

const HEADER = (what: string) =>
  `# ${what} by privacy-ledger (taxonomy ${catalog.TAXONOMY_VERSION}, fideslang ${catalog.FIDESLANG_VERSION})\n`;

/** Fides `system:` / `dataset:` / `organization:` YAML files of a directory -> the service's manifest; every lossy or missing fact reported with its line. */
export const importFidesCommand = defineCommand({
  name: 'import-fides',
  action: action({
    summary: 'convert Fides manifests (system, dataset, organization YAML) into a privacy manifest, reporting what is lost or missing',
    positionals: [{ name: 'dir', description: 'a directory of Fides .yml/.yaml files', required: true }],
    options: {
      out: { type: 'string', value: 'manifest.yaml', description: 'write the manifest to this file (default: stdout)' },
      'storage-country': { type: 'string', value: 'ISO 3166 code', description: 'storage country of systems that declare none' },
      owner: { type: 'string', value: 'team', description: 'owner of systems that declare none' },
    },
    json: true,
    needsInfra: false,
    async run({ positionals: [dir], values }, io) {
      let files: catalog.FidesFile[];
      try {
        files = readdirSync(dir)
          .filter((n) => /\.ya?ml$/i.test(n))
          .sort()
          .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
      } catch (e) {
        io.err(`${dir}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        return 2;
      }
      if (!files.length) {
        io.err(`${dir}: no .yml or .yaml files`);
        return 2;
      }
      let result: catalog.FidesImport;
      try {
        result = catalog.importFides(files, { storageCountry: values['storage-country']?.toUpperCase(), owner: values.owner });
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        io.err(`${dir}: ${e.message}`);
        return 1;
      }
      for (const n of result.notes) io.err(`${n.file ? join(dir, n.file) : dir}:${n.line ?? 1}: ${n.severity}: ${n.message}`);
      const counts = (s: string) => result.notes.filter((n) => n.severity === s).length;
      const body = HEADER(`Imported from the Fides manifests in ${dir}`) + stringify(result.manifest);
      const out = values.out;
      if (out) writeFileSync(out, body);
      const m = result.manifest;
      io.err(`${dir}: ${m.systems?.length ?? 0} system(s), ${m.activities?.length ?? 0} activit(y/ies), ${m.flows?.length ?? 0} flow(s); ${counts('missing')} missing, ${counts('lossy')} lossy${out ? `; written to ${out}` : ''}`);
      return { json: { manifest: m, notes: result.notes, ...(out ? { written_to: out } : {}) }, text: out ? [] : [body.replace(/\n$/, '')] };
    },
  }),
});

/** The catalog (as of a date, from the log) as Fides manifests: system.yml and dataset.yml. */
export const exportFidesCommand = defineCommand({
  name: 'export-fides',
  action: action({
    summary: 'write the catalog as Fides manifests (system.yml, dataset.yml)',
    options: {
      'out-dir': { type: 'string', value: 'dir', required: true, description: 'the directory to write system.yml and dataset.yml to' },
      'as-of': { type: 'string', value: 'ISO timestamp', description: 'the catalog as it stood at this time (default: now)' },
    },
    validate: () => dtos().LineageQuery,
    json: true,
    needsInfra: true,
    async run({ values }, _io, infra) {
      const dir = values['out-dir']!;
      const at = values['as-of'] ? new Date(values['as-of']) : new Date();
      const c = await infra!.catalog.catalogAt(at);
      const { system, dataset } = catalog.exportFides(c);
      mkdirSync(dir, { recursive: true });
      const what = `Exported as of ${at.toISOString()}`;
      writeFileSync(join(dir, 'system.yml'), HEADER(what) + stringify({ system }));
      writeFileSync(join(dir, 'dataset.yml'), HEADER(what) + stringify({ dataset }));
      return {
        json: { systems: system.length, datasets: dataset.length, as_of: at.toISOString(), files: [join(dir, 'system.yml'), join(dir, 'dataset.yml')] },
        text: [`${system.length} system(s), ${dataset.length} dataset(s) as of ${at.toISOString()} written to ${dir}`],
      };
    },
  }),
});
