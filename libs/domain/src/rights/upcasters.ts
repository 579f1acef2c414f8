import type { Upcaster } from '../shared';

/**
 * Rights event upcasters (applied on read by the event store). `rights.subject_erased` v1 -> v2:
 * `retained` added. A v1 erasure was recorded when the data map purged every holding of the subject,
 * so it reads as "nothing retained" and a rebuild gives the rows it gave then.
 */
export const RIGHTS_UPCASTERS: readonly Upcaster[] = [
  { type: 'rights.subject_erased', fromVersion: 1, upcast: (d: Record<string, unknown>) => ({ ...d, retained: Array.isArray(d.retained) ? d.retained : [] }) },
];
