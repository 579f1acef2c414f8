import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { consent, domainUpcasters, rights } from '@pl/domain';
import { CryptoEventCodec, MasterKeyRing, PersonalFieldRegistry, Pseudonymizer, SubjectKeyStore } from '@pl/crypto';
import { PgDatabase, PgliteDatabase, SqlEventStore, type EventStore, type SqlDatabase } from '@pl/eventstore';
import { OutboundPolicy, type HostResolver } from '@pl/outbound';
import type { AppConfig } from './config';
import { lockDataDir } from './data-dir-lock';

/**
 * The composition root shared by api, worker and cli: adapters are chosen here from configuration,
 * nowhere else.
 */
export interface Infrastructure {
  readonly config: AppConfig;
  /** Read models, checkpoints, keys (PostgreSQL, or PGlite on the embedded default). */
  readonly db: SqlDatabase;
  readonly store: EventStore;
  readonly pseudonymizer: Pseudonymizer;
  /** Per-subject data keys (crypto-shredding: `keys.shred(subjectKey)`). */
  readonly keys: SubjectKeyStore;
  /** Encrypts/decrypts the personal fields registered in `PERSONAL_FIELDS`; pass as `{ codec }` to handleCommand. */
  readonly codec: CryptoEventCodec;
  /** Where outbound calls may go (ARCHITECTURE invariant 14): pass it to every outbound request. */
  readonly outbound: OutboundPolicy;
  close(): Promise<void>;
}

export interface InfrastructureOverrides {
  readonly db?: SqlDatabase;
  /** Tests resolve host names themselves: no DNS query leaves the machine. */
  readonly resolve?: HostResolver;
}

export async function createInfrastructure(config: AppConfig, overrides: InfrastructureOverrides = {}): Promise<Infrastructure> {
  const opened = overrides.db ? { db: overrides.db, close: async () => undefined } : await openDatabase(config);
  const db = opened.db;
  const store = await openEventStore(config, db);
  const keys = new SubjectKeyStore(db, MasterKeyRing.fromConfig(config));
  try {
    await store.init();
    await keys.init();
  } catch (e) {
    // Release what was opened, or a failed start (e.g. EventStoreDB unreachable) keeps the process alive.
    await store.close().catch(() => undefined);
    await opened.close().catch(() => undefined);
    throw e;
  }
  const closers: Array<() => Promise<void>> = [() => store.close(), () => keys.close(), () => opened.close()];
  return {
    config,
    db,
    store,
    pseudonymizer: new Pseudonymizer(config.pseudonymSecret),
    keys,
    codec: new CryptoEventCodec(keys, PERSONAL_FIELDS),
    outbound: new OutboundPolicy(config.outboundAllowed, overrides.resolve),
    close: async () => {
      for (const c of closers) await c().catch(() => undefined);
    },
  };
}

/** Personal fields of every context's events (ARCHITECTURE invariant 2); register yours here. */
export const PERSONAL_FIELDS = new PersonalFieldRegistry([...consent.CONSENT_PERSONAL_FIELDS, ...rights.RIGHTS_PERSONAL_FIELDS]);

async function openDatabase(config: AppConfig): Promise<{ db: SqlDatabase; close(): Promise<void> }> {
  if (config.databaseUrl) {
    const db = new PgDatabase(config.databaseUrl);
    return { db, close: () => db.close() };
  }
  const dir = join(config.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const release = lockDataDir(config.dataDir);
  try {
    const db = await PgliteDatabase.open(dir);
    return {
      db,
      close: async () => {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}

async function openEventStore(config: AppConfig, db: SqlDatabase): Promise<EventStore> {
  if (config.eventStore === 'eventstoredb') {
    // Loaded only here so the embedded and PostgreSQL setups never load the gRPC client.
    const { EventStoreDbEventStore } = await import('@pl/eventstore/eventstoredb/eventstoredb-event-store');
    return EventStoreDbEventStore.fromConnectionString(config.eventStoreConnectionString!, { upcasters: domainUpcasters() });
  }
  return new SqlEventStore(db, { upcasters: domainUpcasters() });
}
