import { rebuildProjection, type ProjectionDefinition } from '@pl/application';
import { readModelDigest } from '@pl/audit';
import type { Infrastructure } from '../../../common/infrastructure';
import { PROJECTIONS } from '../../../worker/src/registry';
import { action, defineCommand, type CliIo } from '../command';

export interface ReplayResult {
  readonly name: string;
  readonly events: number;
  readonly seconds: number;
  readonly before: string | null;
  readonly after: string;
}

/**
 * Replay parity (ARCHITECTURE invariant 1): drops and rebuilds every read model from the log and
 * prints a digest of each before and after. Stop the worker first (the rebuild needs each
 * projection's lock).
 */
export async function replayAll(
  infra: Pick<Infrastructure, 'db' | 'store'>,
  io: CliIo,
  projections: readonly ProjectionDefinition[] = PROJECTIONS,
  concurrency = 1,
): Promise<ReplayResult[]> {
  const results = new Map<string, ReplayResult>();
  const progress = new Map<string, string>();
  const show = () => io.progress([...progress.entries()].map(([n, p]) => `${n} ${p}`).join('  '));
  const queue = [...projections];
  const worker = async () => {
    for (let def = queue.shift(); def; def = queue.shift()) {
      const before = await readModelDigest(infra.db, def.name).then((d) => (d.tables.length ? d.digest : null));
      const started = Date.now();
      const r = await rebuildProjection(infra.db, infra.store, def, {
        batchSize: 5000,
        onProgress: (done, total) => {
          progress.set(def!.name, `${total ? Math.floor((100 * done) / total) : 100}%`);
          show();
        },
      });
      progress.delete(def.name);
      const seconds = (Date.now() - started) / 1000;
      const after = await readModelDigest(infra.db, def.name);
      results.set(def.name, { name: def.name, events: r.events, seconds, before, after: after.digest });
      const parity = before === null ? 'new' : before === after.digest ? 'identical' : 'CHANGED';
      io.out(`${def.name.padEnd(20)} ${String(r.events).padStart(9)} events ${seconds.toFixed(1).padStart(7)} s  sha256 ${after.digest}  ${parity}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return projections.map((p) => results.get(p.name)!);
}

export const replayCommand = defineCommand({
  name: 'replay',
  action: action({
    summary: 'drop and rebuild every read model from the log; print a SHA-256 digest per read model (before/after parity; exit 1 when one changed)',
    options: {
      only: { type: 'string', value: 'name', multiple: true, description: 'these read models only' },
      parallel: { type: 'string', value: 'n', description: 'rebuild n read models at a time (PostgreSQL; default 1)' },
    },
    json: true,
    needsInfra: true,
    async run({ values }, io, infra) {
      const only = values.only;
      const targets = only ? PROJECTIONS.filter((p) => only.includes(p.name)) : PROJECTIONS;
      const parallel = values.parallel === undefined ? 1 : Number(values.parallel);
      if (!targets.length || !Number.isInteger(parallel) || parallel < 1 || parallel > 16) {
        io.err(`replay: ${targets.length ? '--parallel must be an integer from 1 to 16' : `no projection matches; known: ${PROJECTIONS.map((p) => p.name).join(', ')}`}`);
        return 2;
      }
      const started = Date.now();
      const results = await replayAll(infra!, io, targets, infra!.db.kind === 'pglite' ? 1 : parallel);
      const changed = results.filter((r) => r.before !== null && r.before !== r.after);
      return {
        code: changed.length ? 1 : 0,
        json: { results, changed: changed.map((r) => r.name) },
        text: [`rebuilt ${results.length} read models in ${((Date.now() - started) / 1000).toFixed(1)} s; ${changed.length ? `changed: ${changed.map((r) => r.name).join(', ')}` : 'every existing read model identical'}`],
      };
    },
  }),
});
