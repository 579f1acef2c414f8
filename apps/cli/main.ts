import { UNSAFE_TEXT_MESSAGES, unsafeTextReason } from '@pl/domain';
import { loadConfig } from '../common/config';
import { createInfrastructure, type Infrastructure } from '../common/infrastructure';
import type { CliIo } from './src/command';
import { COMMANDS } from './src/registry';

const stdio: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: (line) => (process.stdout.isTTY ? process.stdout.write(`\r\x1b[K${line}`) : process.stdout.write(`${line}\n`)),
};

/** `npm run cli -- <command> ...` (or `node dist/apps/cli/main.js`). Uses the same configuration as the service. */
export async function runCli(argv: string[], options: { io?: CliIo; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const io = options.io ?? stdio;
  const [name, ...args] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err('usage: privacy-ledger <command> [args]\n');
    for (const c of COMMANDS) io.err(`  ${c.name.padEnd(14)} ${c.summary}\n  ${''.padEnd(14)} ${c.usage}`);
    return name ? 2 : 0;
  }
  // invariant 10: the same refusal as at the HTTP edge, before anything is opened or appended
  const unsafe = args.findIndex((a) => unsafeTextReason(a) !== null);
  if (unsafe >= 0) {
    io.err(`${command.name}: argument ${unsafe + 1} ${UNSAFE_TEXT_MESSAGES[unsafeTextReason(args[unsafe])!]}`);
    return 2;
  }
  let infra: Infrastructure | null = null;
  try {
    const needsInfra = typeof command.needsInfra === 'function' ? command.needsInfra(args) : command.needsInfra;
    if (needsInfra) infra = await createInfrastructure(loadConfig(options.env ?? process.env), { allowLegacyKeyTable: command.allowLegacyKeyTable, readYourWrites: false });
    const code = await command.run(args, io, infra);
    if (io === stdio && process.stdout.isTTY) process.stdout.write('\n');
    return code;
  } catch (e) {
    io.err(`${command.name} failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await infra?.close();
  }
}

if (require.main === module) {
  // `... | head`: a closed pipe ends the command quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : undefined));
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
