import { declarePersonalFields } from '../shared/personal-fields';
import type { ActivityEvent } from './activity';
import type { FlowEvent } from './flow';
import type { ProcessorRecordEvent } from './processor-record';
import type { ReceiptEvent } from './receipts';
import type { SystemEvent } from './system';

type CatalogEventType = SystemEvent['type'] | ActivityEvent['type'] | FlowEvent['type'] | ProcessorRecordEvent['type'] | ReceiptEvent['type'];

/**
 * The catalog describes the controller's processing, not its data subjects: receipts and retention
 * facts carry only the pseudonymous subject key, ids, taxonomy codes and times. The names and
 * contact details in systems, activities and processor records are of the controller, its
 * representative and DPO, which the law has published and shown in the Art. 30 records (Art. 13(1)(a)-(b),
 * 30(1)(a), 37(7)); the deciders compare them to tell an update from a repeat, so they stay in clear.
 * Free-text descriptions must not name data subjects (docs/security.md).
 */
export const CATALOG_PERSONAL_FIELDS = declarePersonalFields<CatalogEventType>({
  'catalog.system_registered': [],
  'catalog.system_updated': [],
  'catalog.system_retired': [],
  'catalog.data_element_registered': [],
  'catalog.data_element_updated': [],
  'catalog.data_element_removed': [],
  'catalog.activity_registered': [],
  'catalog.activity_updated': [],
  'catalog.activity_retired': [],
  'catalog.flow_registered': [],
  'catalog.flow_updated': [],
  'catalog.flow_retired': [],
  'catalog.processor_record_registered': [],
  'catalog.processor_record_updated': [],
  'catalog.processor_record_retired': [],
  'catalog.processing_recorded': [],
  'catalog.retention_expired': [],
  'catalog.retention_obligation_ended': [],
});
