import { writeFileSync } from 'node:fs';
import { catalog } from '@pl/domain';
import { parseArgs, type CliCommand } from '../command';

/** Article 30 records as of any date, folded straight from the log (no read model needed). */
export const ropaCommand: CliCommand = {
  name: 'ropa',
  summary: 'export Article 30 records (controller or processor view) as of a date',
  usage: 'ropa [--view controller|processor] [--format json|csv] [--as-of <ISO timestamp>] [--out <file>]',
  needsInfra: true,
  async run(args, io, infra) {
    const { flags } = parseArgs(args);
    const view = (flags.view ?? 'controller') as string;
    const format = (flags.format ?? 'json') as string;
    const at = typeof flags['as-of'] === 'string' ? new Date(flags['as-of']) : new Date();
    if (!['controller', 'processor'].includes(view) || !['json', 'csv'].includes(format) || Number.isNaN(at.getTime()) || flags['as-of'] === true) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const records = await infra!.catalog.ropa(view as 'controller' | 'processor', at);
    const body =
      format === 'csv'
        ? view === 'processor'
          ? catalog.processorRecordsCsv(records as catalog.ProcessorRecordRow[])
          : catalog.controllerRecordsCsv(records as catalog.ControllerRecord[])
        : JSON.stringify({ view, as_of: at.toISOString(), source: view === 'processor' ? 'GDPR Art. 30(2)' : 'GDPR Art. 30(1)', ...catalog.taxonomyVersions(), records }, null, 2);
    if (typeof flags.out === 'string') {
      writeFileSync(flags.out, body);
      io.out(`${records.length} record(s) as of ${at.toISOString()} written to ${flags.out}`);
    } else io.out(body.replace(/\r?\n$/, ''));
    return 0;
  },
};
