import { freshPglite } from '../../../../test/support/databases';
import { SqlEventStore } from '../postgres/sql-event-store';
import { eventStoreContract } from './event-store-contract';

eventStoreContract('PGlite (embedded)', async ({ upcasters }) => {
  const fresh = await freshPglite();
  const store = new SqlEventStore(fresh.db, { upcasters, pollIntervalMs: 20 });
  return {
    store,
    rawBytes: true,
    dispose: async () => {
      await store.close();
      await fresh.drop();
    },
  };
});
