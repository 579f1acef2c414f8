import { readCheckpoint, rebuildProjection } from '@pl/application';
import { positionToString } from '@pl/domain';
import { PROJECTIONS } from '../../../worker/src/registry';
import { parseArgs, type CliCommand } from '../command';

export const projectionsCommand: CliCommand = {
  name: 'projections',
  summary: 'list read models and their checkpoints; rebuild one or all by replaying the log',
  usage: 'projections list | projections rebuild <name>|--all',
  needsInfra: true,
  async run(args, io, infra) {
    const { positional, flags } = parseArgs(args);
    const { db, store } = infra!;
    if (positional[0] === 'list') {
      for (const p of PROJECTIONS) {
        const cp = await readCheckpoint(db, p.name).catch(() => null);
        io.out(`${p.name.padEnd(24)} v${p.version}  checkpoint ${cp ? positionToString(cp.position) : 'none'}  events ${cp?.eventsHandled ?? 0}`);
      }
      return 0;
    }
    if (positional[0] === 'rebuild') {
      const targets = flags.all ? PROJECTIONS : PROJECTIONS.filter((p) => p.name === positional[1]);
      if (!targets.length) {
        io.err(`unknown projection ${positional[1] ?? ''}; known: ${PROJECTIONS.map((p) => p.name).join(', ')}`);
        return 2;
      }
      for (const def of targets) {
        const started = Date.now();
        const r = await rebuildProjection(db, store, def, {
          onProgress: (done, total) => io.progress(`${def.name}: ${done}/${total} positions (${total ? Math.floor((100 * done) / total) : 100}%)`),
        });
        io.out(`${def.name}: rebuilt from ${r.events} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      return 0;
    }
    io.err(`usage: ${this.usage}`);
    return 2;
  },
};
