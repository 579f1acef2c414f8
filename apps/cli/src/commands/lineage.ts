import { parseArgs, type CliCommand } from '../command';

/** A data element's lineage as the catalog stood at a date, folded from the log (the same use case as GET /catalog/elements/{id}/lineage). */
export const lineageCommand: CliCommand = {
  name: 'lineage',
  summary: 'upstream and downstream systems, flows and activities of a data element, as of a date',
  usage: 'lineage <element-id> [--system <system-id>] [--as-of <ISO timestamp>]',
  needsInfra: true,
  async run(args, io, infra) {
    const { positional, flags } = parseArgs(args);
    const asOf = typeof flags['as-of'] === 'string' ? new Date(flags['as-of']) : null;
    if (positional.length !== 1 || flags['as-of'] === true || flags.system === true || (asOf && Number.isNaN(asOf.getTime()))) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    const lineage = await infra!.app.catalog.lineage(positional[0], { systemId: typeof flags.system === 'string' ? flags.system : null, asOf });
    io.out(JSON.stringify(lineage, null, 2));
    return 0;
  },
};
