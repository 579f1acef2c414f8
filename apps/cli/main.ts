import { UNSAFE_TEXT_MESSAGES, unsafeTextReason } from '@pl/domain';
import { loadConfig } from '../common/config';
import { createInfrastructure, type Infrastructure } from '../common/infrastructure';
import { invoke, PROGRAM, programHelp, type CliIo } from './src/command';
import { COMMANDS } from './src/registry';

const stdio: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: (line) => (process.stdout.isTTY ? process.stdout.write(`\r\x1b[K${line}`) : process.stdout.write(`${line}\n`)),
};

/**
 * `npm run cli -- <command> ...` (or `node dist/apps/cli/main.js`). Uses the same configuration as the service.
 * Exit codes: 0 done (and --help), 1 failed, 2 bad usage or input (nothing opened or changed).
 */
export async function runCli(argv: string[], options: { io?: CliIo; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const io = options.io ?? stdio;
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h') {
    io.out(programHelp(COMMANDS));
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`${name === undefined ? 'a command is needed' : `unknown command${/^[a-z][a-z-]{0,40}$/.test(name) ? ` ${name}` : ''}`}; usage: ${PROGRAM} <command> [options] (--help lists the commands)`);
    return 2;
  }
  // invariant 10: the same refusal as at the HTTP edge, before anything is opened or appended
  const unsafe = args.findIndex((a) => unsafeTextReason(a) !== null);
  if (unsafe >= 0) {
    io.err(`${command.name}: argument ${unsafe + 1} ${UNSAFE_TEXT_MESSAGES[unsafeTextReason(args[unsafe])!]}`);
    return 2;
  }
  let infra: Infrastructure | null = null;
  try {
    const open = async (a: { needsInfra: boolean; allowLegacyKeyTable?: boolean }) =>
      a.needsInfra ? (infra = await createInfrastructure(loadConfig(options.env ?? process.env), { allowLegacyKeyTable: a.allowLegacyKeyTable, readYourWrites: false })) : null;
    const code = await invoke(command, args, io, open, { refusalsAsExit: true });
    if (io === stdio && process.stdout.isTTY) process.stdout.write('\n');
    return code;
  } catch (e) {
    io.err(`${command.name} failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await (infra as Infrastructure | null)?.close();
  }
}

if (require.main === module) {
  // `... | head`: a closed pipe ends the command quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : undefined));
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
