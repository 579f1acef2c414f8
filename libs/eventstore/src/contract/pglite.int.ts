import { freshPglite } from '../../../../test/support/databases';
import { SqlEventStore } from '../postgres/sql-event-store';
import { eventStoreContract } from './event-store-contract';

eventStoreContract('PGlite (embedded)', async ({ upcasters }) => {
  const fresh = await freshPglite();
  const store = new SqlEventStore(fresh.db, { upcasters, pollIntervalMs: 20 });
  return {
    store,
    rawBytes: true,
    truncateBefore: async (streamId, revision) => {
      await fresh.db.query('DELETE FROM es_events WHERE stream_id = $1 AND revision < $2', [streamId, revision.toString()]);
    },
    dispose: async () => {
      await store.close();
      await fresh.drop();
    },
  };
});
