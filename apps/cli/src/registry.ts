import type { CliCommand } from './command';
import { keysCommand } from './commands/keys';
import { projectionsCommand } from './commands/projections';

/** Every operator command; add yours here. */
export const COMMANDS: CliCommand[] = [keysCommand, projectionsCommand];
