import { writeFileSync } from 'node:fs';
import { catalog } from '@pl/domain';
import { action, defineCommand } from '../command';

// The HTTP routes' DTOs, loaded when a value is checked (the module loads @nestjs/swagger: seconds at start).
const dtos = () => require('../../../api/src/catalog/catalog.dto') as typeof import('../../../api/src/catalog/catalog.dto');

/** Article 30 records as of any date, folded straight from the log (no read model needed); the checks of GET /governance/ropa. */
export const ropaCommand = defineCommand({
  name: 'ropa',
  action: action({
    summary: 'export Article 30 records (controller or processor view) as of a date',
    options: {
      view: { type: 'string', description: 'controller (Art. 30(1), default) or processor (Art. 30(2)) records' },
      format: { type: 'string', description: 'json (default) or csv' },
      'as-of': { type: 'string', value: 'ISO timestamp', description: 'the records as they stood at this time (default: now)' },
      out: { type: 'string', value: 'file', description: 'write the records to this file (default: stdout)' },
    },
    validate: () => dtos().RopaQuery,
    json: true,
    needsInfra: true,
    async run({ values, json }, io, infra) {
      const view = values.view === 'processor' ? 'processor' : 'controller';
      if (json && values.format === 'csv') {
        io.err('ropa: --json prints JSON; leave out --format csv');
        return 2;
      }
      const at = values['as-of'] ? new Date(values['as-of']) : new Date();
      const records = await infra!.catalog.ropa(view, at);
      const doc = { view, as_of: at.toISOString(), source: view === 'processor' ? 'GDPR Art. 30(2)' : 'GDPR Art. 30(1)', ...catalog.taxonomyVersions(), records };
      const body =
        values.format === 'csv'
          ? view === 'processor'
            ? catalog.processorRecordsCsv(records as catalog.ProcessorRecordRow[])
            : catalog.controllerRecordsCsv(records as catalog.ControllerRecord[])
          : JSON.stringify(doc, null, 2);
      if (values.out) {
        writeFileSync(values.out, body);
        return { json: { records: records.length, as_of: at.toISOString(), written_to: values.out }, text: [`${records.length} record(s) as of ${at.toISOString()} written to ${values.out}`] };
      }
      return { json: doc, text: [body.replace(/\r?\n$/, '')] };
    },
  }),
});
