import { UpcasterRegistry } from './shared';
import { RIGHTS_UPCASTERS } from './rights/upcasters';

/** Every upcaster of the domain's events: the registry the event store applies on read. */
export function domainUpcasters(): UpcasterRegistry {
  return new UpcasterRegistry([...RIGHTS_UPCASTERS]);
}
