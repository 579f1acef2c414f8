import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { catalog, DomainError } from '@pl/domain';
import { parseArgs, type CliCommand } from '../command';

const HEADER = (what: string) =>
  `# ${what} by privacy-ledger (taxonomy ${catalog.TAXONOMY_VERSION}, fideslang ${catalog.FIDESLANG_VERSION})\n`;

/** Fides `system:` / `dataset:` / `organization:` YAML files of a directory -> the service's manifest; every lossy or missing fact reported with its line. */
export const importFidesCommand: CliCommand = {
  name: 'import-fides',
  summary: 'convert Fides manifests (system, dataset, organization YAML) into a privacy manifest, reporting what is lost or missing',
  usage: 'import-fides <dir> [--out <manifest.yaml>] [--storage-country <ISO 3166 code>] [--owner <team>]',
  needsInfra: false,
  async run(args, io) {
    const { positional, flags } = parseArgs(args);
    const dir = positional[0];
    const opt = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
    if (!dir || [flags.out, flags['storage-country'], flags.owner].includes(true)) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
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
      result = catalog.importFides(files, { storageCountry: opt('storage-country')?.toUpperCase(), owner: opt('owner') });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      io.err(`${dir}: ${e.message}`);
      return 1;
    }
    for (const n of result.notes) io.err(`${n.file ? join(dir, n.file) : dir}:${n.line ?? 1}: ${n.severity}: ${n.message}`);
    const counts = (s: string) => result.notes.filter((n) => n.severity === s).length;
    const body = HEADER(`Imported from the Fides manifests in ${dir}`) + stringify(result.manifest);
    const out = opt('out');
    if (out) writeFileSync(out, body);
    else io.out(body.replace(/\n$/, ''));
    io.err(`${dir}: ${result.manifest.systems?.length ?? 0} system(s), ${result.manifest.activities?.length ?? 0} activit(y/ies), ${result.manifest.flows?.length ?? 0} flow(s); ${counts('missing')} missing, ${counts('lossy')} lossy${out ? `; written to ${out}` : ''}`);
    return 0;
  },
};

/** The catalog (as of a date, from the log) as Fides manifests: system.yml and dataset.yml. */
export const exportFidesCommand: CliCommand = {
  name: 'export-fides',
  summary: 'write the catalog as Fides manifests (system.yml, dataset.yml)',
  usage: 'export-fides --out-dir <dir> [--as-of <ISO timestamp>]',
  needsInfra: true,
  async run(args, io, infra) {
    const { flags } = parseArgs(args);
    const dir = flags['out-dir'];
    const at = typeof flags['as-of'] === 'string' ? new Date(flags['as-of']) : new Date();
    if (typeof dir !== 'string' || Number.isNaN(at.getTime()) || flags['as-of'] === true) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const c = await infra!.catalog.catalogAt(at);
    const { system, dataset } = catalog.exportFides(c);
    mkdirSync(dir, { recursive: true });
    const what = `Exported as of ${at.toISOString()}`;
    writeFileSync(join(dir, 'system.yml'), HEADER(what) + stringify({ system }));
    writeFileSync(join(dir, 'dataset.yml'), HEADER(what) + stringify({ dataset }));
    io.out(`${system.length} system(s), ${dataset.length} dataset(s) as of ${at.toISOString()} written to ${dir}`);
    return 0;
  },
};
