import { copyLog, replayDigests, type ReplayDigest } from '@pl/application';
import { domainUpcasters, positionToString } from '@pl/domain';
import { PgDatabase, PgliteDatabase, SqlEventStore, type EventStore, type SqlDatabase } from '@pl/eventstore';
import { PROJECTIONS } from '../../../worker/src/registry';
import { action, defineCommand, type CliIo } from '../command';

interface Target {
  readonly label: string;
  readonly db: SqlDatabase;
  readonly store: EventStore;
  close(): Promise<void>;
}

const ESDB_SCHEMES = ['esdb:', 'esdb+discover:', 'kurrentdb:', 'kurrentdb+discover:', 'kurrent:', 'kurrent+discover:', 'kdb:', 'kdb+discover:'];

/** A scratch log and read-model database per target; a URL is shown without its credentials. */
async function openTarget(spec: string): Promise<Target> {
  if (spec === 'pglite') {
    const db = await PgliteDatabase.open();
    return { label: 'pglite', db, store: new SqlEventStore(db, { upcasters: domainUpcasters() }), close: () => db.close() };
  }
  const url = new URL(spec);
  const where = `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') {
    const db = new PgDatabase(spec);
    return { label: `postgres ${where}`, db, store: new SqlEventStore(db, { upcasters: domainUpcasters(), notify: false }), close: () => db.close() };
  }
  if (ESDB_SCHEMES.includes(url.protocol)) {
    // Loaded only here: the other targets never load the gRPC client.
    const { EventStoreDbEventStore } = await import('@pl/eventstore/eventstoredb/eventstoredb-event-store');
    const store = EventStoreDbEventStore.fromConnectionString(spec, { upcasters: domainUpcasters() });
    const db = await PgliteDatabase.open(); // its read models
    return { label: `eventstoredb ${where}`, db, store, close: async () => (await store.close(), await db.close()) };
  }
  throw new Error(`unknown target scheme ${url.protocol} (pglite, postgres://, esdb:// or kurrentdb://)`);
}

/**
 * The log's replay parity across backends (issue 15): copies the configured log into each target
 * (an empty log), rebuilds every read model there and prints a portable digest per read model
 * (positions replaced by event ids); exit 0 only when every target gives the same digests.
 */
export async function replayDigestAcross(source: EventStore, specs: readonly string[], io: CliIo): Promise<{ code: number; results: Map<string, ReplayDigest[]> }> {
  const results = new Map<string, ReplayDigest[]>();
  // every target gets the same prefix of the log, whatever is appended (or becomes visible) meanwhile
  const upTo = await source.headPosition();
  for (const spec of specs) {
    const t = await openTarget(spec);
    try {
      await t.store.init();
      const copied = await copyLog(source, t.store, { upTo, onProgress: (n) => io.progress(`${t.label}: ${n} events copied`) });
      io.out(`${t.label}: ${copied} events copied`);
      results.set(t.label, await replayDigests(t.db, t.store, PROJECTIONS));
    } finally {
      await t.close();
    }
  }
  const labels = [...results.keys()];
  let differ = 0;
  for (const p of PROJECTIONS) {
    const row = labels.map((l) => results.get(l)!.find((r) => r.name === p.name)!);
    if (row[0].skipped) {
      io.out(`${p.name.padEnd(20)} not compared: ${row[0].skipped}`);
      continue;
    }
    const same = row.every((r) => r.digest === row[0].digest);
    if (!same) differ += 1;
    io.out(`${p.name.padEnd(20)} ${row.map((r, i) => `${labels[i]} ${r.digest}`).join('  ')}  ${labels.length < 2 ? '' : same ? 'equal' : 'DIFFER'}`.trimEnd());
  }
  io.out(`log copied up to ${positionToString(upTo)}`);
  io.out(labels.length < 2 ? `one target: nothing to compare` : differ ? `${differ} read model(s) differ between backends` : `every compared read model equal on ${labels.join(', ')}`);
  return { code: differ ? 1 : 0, results };
}

export const replayDigestCommand = defineCommand({
  name: 'replay-digest',
  action: action({
    summary: 'copy the log into empty scratch logs on other backends, replay every read model there and compare portable digests',
    positionals: [
      {
        name: 'target',
        description: 'pglite (in memory) | postgres://... (an empty database) | esdb://... or kurrentdb://... (an empty server; read models in memory)',
        required: true,
        variadic: true,
      },
    ],
    json: true,
    needsInfra: true,
    async run({ positionals }, io, infra) {
      try {
        const { code, results } = await replayDigestAcross(infra!.store, positionals, io);
        return { code, json: { targets: Object.fromEntries(results) }, text: [] };
      } catch (e) {
        io.err(`replay-digest: ${(e as Error).message}`);
        return 2;
      }
    },
  }),
});
