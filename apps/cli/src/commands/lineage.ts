import { action, defineCommand } from '../command';

// The HTTP routes' DTOs, loaded when a value is checked (the module loads @nestjs/swagger: seconds at start).
const dtos = () => require('../../../api/src/catalog/catalog.dto') as typeof import('../../../api/src/catalog/catalog.dto');

/** A data element's lineage as the catalog stood at a date, folded from the log (the same use case and checks as GET /catalog/elements/{id}/lineage). */
export const lineageCommand = defineCommand({
  name: 'lineage',
  action: action({
    summary: 'upstream and downstream systems, flows and activities of a data element, as of a date',
    positionals: [{ name: 'element-id', description: 'the data element', required: true }],
    options: {
      system: { type: 'string', value: 'system-id', field: 'system_id', description: 'the system of the element, when several systems have an element of this id' },
      'as-of': { type: 'string', value: 'ISO timestamp', description: 'the catalog as it stood at this time (default: now)' },
    },
    validate: () => dtos().LineageQuery,
    json: true,
    needsInfra: true,
    async run({ positionals: [element], values }, _io, infra) {
      const lineage = await infra!.app.catalog.lineage(element, { systemId: values.system ?? null, asOf: values['as-of'] ? new Date(values['as-of']) : null });
      return { json: lineage, text: [JSON.stringify(lineage, null, 2)] };
    },
  }),
});
