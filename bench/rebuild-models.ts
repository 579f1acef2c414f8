/**
 * Rebuilds chosen read models of an existing PostgreSQL database, one after another, several times
 * each: the single-model figures of docs/benchmarks.md ("Session 8"). Keep a database from
 * `bench/audit-rebuild.ts --keep` and run this against it from each checkout being compared.
 *
 *   bash bench/run.sh bench/rebuild-models.ts --url postgres://root@127.0.0.1:5432/<db> [--only breach_register,audit_chain] [--reps 3] [--batch 5000] [--trace]
 *
 * Prints, per read model, the seconds of each rebuild; with --trace, the time and count of each
 * statement its batches ran (per rebuild), slowest first.
 */
import { rebuildProjection } from '@pl/application';
import { PgDatabase, type SqlExecutor } from '@pl/eventstore';
import { loadConfig } from '../apps/common/config';
import { createInfrastructure } from '../apps/common/infrastructure';
import { PROJECTIONS } from '../apps/worker/src/registry';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};

async function main(): Promise<void> {
  const url = arg('url', '');
  if (!url) throw new Error('--url postgres://... is required (a database bench/audit-rebuild.ts --keep left)');
  const only = arg('only', '').split(',').filter(Boolean);
  const reps = Number(arg('reps', '2'));
  const batchSize = Number(arg('batch', '5000'));
  const db = new PgDatabase(url);
  const stats = new Map<string, [number, number]>();
  if (process.argv.includes('--trace')) {
    const transaction = db.transaction.bind(db);
    db.transaction = <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
      transaction((tx) =>
        fn({
          exec: (sql) => tx.exec(sql),
          query: async (sql, ...rest) => {
            const started = performance.now();
            try {
              return await tx.query(sql, ...rest);
            } finally {
              const key = sql.replace(/\s+/g, ' ').slice(0, 90);
              const [ms, n] = stats.get(key) ?? [0, 0];
              stats.set(key, [ms + performance.now() - started, n + 1]);
            }
          },
        } as SqlExecutor),
      );
  }
  const infra = await createInfrastructure(loadConfig({ DATA_DIR: '/tmp/privacy-ledger-bench', MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), DATABASE_URL: url }), { db });
  for (const def of PROJECTIONS.filter((p) => !only.length || only.includes(p.name))) {
    const seconds: string[] = [];
    for (let i = 0; i < reps; i++) {
      const started = Date.now();
      await rebuildProjection(infra.db, infra.store, def, { batchSize });
      seconds.push(((Date.now() - started) / 1000).toFixed(2));
    }
    console.log(`${def.name.padEnd(18)} ${seconds.join(' ')} s`);
    for (const [sql, [ms, n]] of [...stats.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, 12)) {
      console.log(`  ${(ms / reps).toFixed(0).padStart(6)} ms ${String(n / reps).padStart(5)}x ${sql}`);
    }
    stats.clear();
  }
  await infra.close();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
