import type { CliCommand } from './command';
import { keysCommand } from './commands/keys';
import { projectionsCommand } from './commands/projections';
import { rewrapKeysCommand } from './commands/rewrap-keys';
import { webhooksCommand } from './commands/webhooks';

/** Every operator command; add yours here. */
export const COMMANDS: CliCommand[] = [keysCommand, projectionsCommand, rewrapKeysCommand, webhooksCommand];
