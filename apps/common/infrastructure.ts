import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { AUDIT_PERSONAL_FIELDS } from '@pl/audit';
import { DOMAIN_PERSONAL_FIELDS, domainUpcasters } from '@pl/domain';
import { CryptoEventCodec, EncryptingEventStore, hasSubjectKeysTable, MasterKeyRing, PersonalFieldRegistry, Pseudonymizer, SubjectKeyStore } from '@pl/crypto';
import { waitForCheckpoint, type AppDeps } from '@pl/application';
import { PgDatabase, PgliteDatabase, SqlEventStore, type EventStore, type SqlDatabase } from '@pl/eventstore';
import { OutboundPolicy, type HostResolver } from '@pl/outbound';
import { createApplication, type Application } from './application';
import { CatalogReadModels, integrationResolver } from '@pl/projections/catalog';
import type { AppConfig } from './config';
import { lockDataDir } from './data-dir-lock';

/**
 * The composition root shared by api, worker and cli: adapters are chosen here from configuration,
 * nowhere else; it is the `AppDeps` every use case is built over, and `app` holds those use cases.
 */
export interface Infrastructure extends AppDeps {
  readonly config: AppConfig;
  /** Read models, checkpoints, keys (PostgreSQL, or PGlite on the embedded default). */
  readonly db: SqlDatabase;
  /** The log, encrypting the declared personal fields of every append and refusing undeclared types (invariant 13). */
  readonly store: EventStore;
  readonly pseudonymizer: Pseudonymizer;
  /** Per-subject data keys (crypto-shredding: `keys.shred(subjectKey)`). */
  readonly keys: SubjectKeyStore;
  /** The key store's database: `db` itself unless KEYSTORE_DATABASE_URL puts the keys apart from the log. */
  readonly keysDb: SqlDatabase;
  /** Decrypts the personal fields declared in `PERSONAL_FIELDS` for entitled readers (the store encrypts them). */
  readonly codec: CryptoEventCodec;
  /** Where outbound calls may go (ARCHITECTURE invariant 14): pass it to every outbound request. */
  readonly outbound: OutboundPolicy;
  /** Each context's use cases, bound once to these dependencies: API, worker and CLI call them. */
  readonly app: Application;
  close(): Promise<void>;
}

export class LegacyKeyTableError extends Error {
  constructor() {
    super('KEYSTORE_DATABASE_URL is set but the main database still holds the data keys (table subject_keys): run `cli keystore migrate --drop-source` first (docs/rights.md, "Erasure and backups")');
    this.name = 'LegacyKeyTableError';
  }
}

export interface InfrastructureOverrides {
  readonly db?: SqlDatabase;
  /** Tests resolve host names themselves: no DNS query leaves the machine. */
  readonly resolve?: HostResolver;
  /** Only for `cli keystore`: open even though the data keys still sit in the main database. */
  readonly allowLegacyKeyTable?: boolean;
  /** False for the CLI, which runs without the worker: its commands record facts and wait for no read model. */
  readonly readYourWrites?: boolean;
}

export async function createInfrastructure(config: AppConfig, overrides: InfrastructureOverrides = {}): Promise<Infrastructure> {
  const opened = overrides.db ? { db: overrides.db, close: async () => undefined } : await openDatabase(config);
  const db = opened.db;
  // Closed in the reverse order of opening.
  const closers: Array<() => Promise<void>> = [() => opened.close()];
  const release = async () => {
    for (const c of [...closers].reverse()) await c().catch(() => undefined);
  };
  try {
    const keysDb = await openKeyStoreDatabase(config, db);
    closers.push(keysDb.close);
    // Starting on an empty new store would leave every existing subject unreadable and the old keys in the log's backups.
    if (keysDb.db !== db && !overrides.allowLegacyKeyTable && (await hasSubjectKeysTable(db))) throw new LegacyKeyTableError();
    const log = await openEventStore(config, db);
    closers.push(() => log.close());
    const keys = new SubjectKeyStore(keysDb.db, MasterKeyRing.fromConfig(config));
    closers.push(() => keys.close());
    await log.init();
    await keys.init();
    const codec = new CryptoEventCodec(keys, PERSONAL_FIELDS);
    const store = new EncryptingEventStore(log, codec);
    const timeouts = config.readYourWritesTimeoutsMs;
    const deps: AppDeps = {
      store,
      db,
      keys,
      pseudonymizer: new Pseudonymizer(config.pseudonymSecret),
      codec,
      readYourWrites:
        overrides.readYourWrites === false
          ? async () => undefined
          : (projection, position, timeoutMs) => waitForCheckpoint(db, projection, position, timeoutMs ?? timeouts[projection] ?? timeouts.default),
      catalog: new CatalogReadModels(store, db, {
        integrationOf: integrationResolver(db, config.kafkaBrokers.length > 0),
        basesCacheMs: Number(process.env.CONSENT_BASES_CACHE_MS ?? 1000),
      }),
    };
    return {
      ...deps,
      config,
      keysDb: keysDb.db,
      outbound: new OutboundPolicy(config.outboundAllowed, overrides.resolve, config.outboundCa),
      app: createApplication(deps, config),
      close: release,
    };
  } catch (e) {
    // Release what was opened, or a failed start (e.g. EventStoreDB unreachable) keeps the process alive.
    await release();
    throw e;
  }
}

/** Every event type the log may hold, with its personal fields (invariants 2 and 13): declared by each context next to its events. */
export const PERSONAL_FIELDS = new PersonalFieldRegistry([...DOMAIN_PERSONAL_FIELDS, ...AUDIT_PERSONAL_FIELDS]);

async function openDatabase(config: AppConfig): Promise<{ db: SqlDatabase; close(): Promise<void> }> {
  if (config.databaseUrl) {
    const db = new PgDatabase(config.databaseUrl);
    return { db, close: () => db.close() };
  }
  return openPgliteDir(config.dataDir);
}

async function openKeyStoreDatabase(config: AppConfig, db: SqlDatabase): Promise<{ db: SqlDatabase; close(): Promise<void> }> {
  if (!config.keyStore) return { db, close: async () => undefined };
  if (config.keyStore.kind === 'pglite') return openPgliteDir(config.keyStore.dir);
  const keysDb = new PgDatabase(config.keyStore.url);
  return { db: keysDb, close: () => keysDb.close() };
}

/** PGlite under `<dir>/pglite`, guarded by `<dir>/pglite.pid` (one process per directory). */
async function openPgliteDir(parent: string): Promise<{ db: SqlDatabase; close(): Promise<void> }> {
  const dir = join(parent, 'pglite');
  mkdirSync(dir, { recursive: true });
  const release = lockDataDir(parent);
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
