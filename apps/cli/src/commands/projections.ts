import { readCheckpoint, rebuildProjection } from '@pl/application';
import { positionToString } from '@pl/domain';
import { PROJECTIONS } from '../../../worker/src/registry';
import { action, defineCommand } from '../command';

export const projectionsCommand = defineCommand({
  name: 'projections',
  summary: 'list read models and their checkpoints; rebuild one or all by replaying the log',
  subcommands: {
    list: action({
      summary: 'each read model, its version and checkpoint',
      json: true,
      needsInfra: true,
      async run(_input, _io, infra) {
        const rows = await Promise.all(
          PROJECTIONS.map(async (p) => {
            const cp = await readCheckpoint(infra!.db, p.name).catch(() => null);
            return { name: p.name, version: p.version, checkpoint: cp ? positionToString(cp.position) : null, events: cp?.eventsHandled ?? 0 };
          }),
        );
        return { json: { projections: rows }, text: rows.map((r) => `${r.name.padEnd(24)} v${r.version}  checkpoint ${r.checkpoint ?? 'none'}  events ${r.events}`) };
      },
    }),
    rebuild: action({
      summary: 'replay the log into fresh tables, then switch; shows progress (exit 1 while a worker holds the projection)',
      positionals: [{ name: 'name', description: 'the read model (projections list names them)' }],
      options: { all: { type: 'boolean', description: 'rebuild every read model' } },
      json: true,
      needsInfra: true,
      async run({ positionals: [name], values }, io, infra) {
        const targets = values.all ? (name ? [] : PROJECTIONS) : PROJECTIONS.filter((p) => p.name === name);
        if (!targets.length) {
          io.err(`projections rebuild: ${values.all ? 'give a name or --all, not both' : `unknown projection${name ? '' : ' (give a name or --all)'}`}; known: ${PROJECTIONS.map((p) => p.name).join(', ')}`);
          return 2;
        }
        const rebuilt = [];
        for (const def of targets) {
          const started = Date.now();
          const r = await rebuildProjection(infra!.db, infra!.store, def, {
            onProgress: (done, total) => io.progress(`${def.name}: ${done}/${total} positions (${total ? Math.floor((100 * done) / total) : 100}%)`),
          });
          rebuilt.push({ name: def.name, events: r.events, seconds: Number(((Date.now() - started) / 1000).toFixed(1)) });
        }
        return { json: { rebuilt }, text: rebuilt.map((r) => `${r.name}: rebuilt from ${r.events} events in ${r.seconds.toFixed(1)} s`) };
      },
    }),
  },
});
