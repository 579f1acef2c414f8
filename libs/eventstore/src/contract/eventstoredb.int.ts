import { EventStoreDbEventStore } from '../eventstoredb/eventstoredb-event-store';
import { eventStoreContract } from './event-store-contract';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString) {
  eventStoreContract('EventStoreDB', async ({ upcasters }) => {
    const store = EventStoreDbEventStore.fromConnectionString(connectionString, { upcasters });
    return { store, rawBytes: false, dispose: () => store.close() };
  });
} else {
  const reason = 'EVENTSTORE_CONNECTION_STRING is not set, so there is no EventStoreDB server to run the contract suite against';
  console.warn(`EventStore contract: EventStoreDB suite SKIPPED: ${reason}`);
  describe('EventStore contract: EventStoreDB', () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}
