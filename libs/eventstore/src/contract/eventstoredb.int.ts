import { EventStoreDBClient } from '@eventstore/db-client';
import { clientConnectionString } from '../eventstoredb/connection';
import { EventStoreDbEventStore } from '../eventstoredb/eventstoredb-event-store';
import { eventStoreContract } from './event-store-contract';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString) {
  eventStoreContract('EventStoreDB', async ({ upcasters }) => {
    const client = EventStoreDBClient.connectionString(clientConnectionString(connectionString));
    const store = new EventStoreDbEventStore(client, { upcasters, idleCheckpointMs: 200 });
    return {
      store,
      rawBytes: true,
      truncateBefore: async (streamId, revision) => {
        await client.setStreamMetadata(streamId, { truncateBefore: Number(revision) });
      },
      tombstone: async (streamId) => {
        await client.tombstoneStream(streamId);
      },
      dispose: () => store.close(),
    };
  }, { tombstones: true });
} else {
  const reason = 'EVENTSTORE_CONNECTION_STRING is not set, so there is no EventStoreDB server to run the contract suite against';
  console.warn(`EventStore contract: EventStoreDB suite SKIPPED: ${reason}`);
  describe('EventStore contract: EventStoreDB', () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}
