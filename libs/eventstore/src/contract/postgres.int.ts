import { Pool } from 'pg';
import { freshPostgres } from '../../../../test/support/databases';
import { appendStatement } from '../postgres/append-statement';
import { SqlEventStore } from '../postgres/sql-event-store';
import { eventStoreContract } from './event-store-contract';

eventStoreContract('PostgreSQL', async ({ upcasters }) => {
  const fresh = await freshPostgres('pl_es_contract');
  const store = new SqlEventStore(fresh.db, { upcasters, pollIntervalMs: 20 });
  const raw = new Pool({ connectionString: fresh.url!, max: 4 });
  raw.on('error', () => undefined);
  return {
    store,
    rawBytes: true,
    truncateBefore: async (streamId, revision) => {
      await fresh.db.query('DELETE FROM es_events WHERE stream_id = $1 AND revision < $2', [streamId, revision.toString()]);
    },
    // The store's own INSERT, run through a raw pg client whose transaction stays open a while.
    slowAppend: async (streamId, events, holdMs) => {
      const client = await raw.connect();
      try {
        await client.query('BEGIN');
        const { sql, params } = appendStatement(streamId, events, 'no_stream');
        const r = await client.query(sql, params);
        if (r.rows[0].revision === null) throw new Error(`slow append to ${streamId} found the stream`);
        await client.query('SELECT pg_sleep($1::float8 / 1000)', [holdMs]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    dispose: async () => {
      await store.close();
      await raw.end();
      await fresh.drop();
    },
  };
});
