import type { ActivitySnapshot } from './activity';
import type { FlowSnapshot } from './flow';
import type { ProcessorRecordSnapshot } from './processor-record';
import type { DataElementSnapshot, SystemSnapshot } from './system';

/**
 * The catalog's entities as they stood at a date (Art. 30 records "as of"): the query port's
 * `catalogAt` result, read by the data map, lineage, the Article 30 records and the Fides export.
 */
export interface CatalogAt {
  readonly at: Date;
  readonly systems: readonly SystemSnapshot[];
  /** Data elements of each system in `systems`, by system id. */
  readonly elements: ReadonlyMap<string, readonly DataElementSnapshot[]>;
  readonly activities: readonly ActivitySnapshot[];
  readonly flows: readonly FlowSnapshot[];
  readonly processorRecords: readonly ProcessorRecordSnapshot[];
}
