import { EventStoreDBClient } from '@eventstore/db-client';
import { KurrentDbStandIn } from '../../../../test/support/kurrentdb-stand-in';
import { clientConnectionString } from '../eventstoredb/connection';
import { EventStoreDbEventStore } from '../eventstoredb/eventstoredb-event-store';
import { eventStoreContract } from './event-store-contract';

/**
 * The contract suite against the in-repo KurrentDB stand-in (test/support/kurrentdb-stand-in.ts: the
 * real client over real gRPC, an in-memory log), so the EventStoreDB adapter's every path, appendMany
 * included, runs on every machine. The stand-in is not the server: eventstoredb.int.ts runs the same
 * suite against a real one where EVENTSTORE_CONNECTION_STRING is set.
 */
eventStoreContract('EventStoreDB stand-in', async ({ upcasters }) => {
  const server = new KurrentDbStandIn();
  const url = await server.start();
  const client = EventStoreDBClient.connectionString(clientConnectionString(url));
  const store = new EventStoreDbEventStore(client, { upcasters, idleCheckpointMs: 200 });
  return {
    store,
    rawBytes: true,
    truncateBefore: async (streamId, revision) => {
      server.truncateBefore.set(streamId, revision);
    },
    tombstone: async (streamId) => {
      server.tombstoned.add(streamId);
    },
    dispose: async () => {
      await store.close();
      await server.stop();
    },
  };
}, { tombstones: true });
