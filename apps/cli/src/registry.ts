import type { CliCommand } from './command';
import { applyCommand } from './commands/apply';
import { evaluateCommand } from './commands/evaluate';
import { ropaCommand } from './commands/ropa';
import { exportFidesCommand, importFidesCommand } from './commands/fides';
import { lineageCommand } from './commands/lineage';
import { keysCommand } from './commands/keys';
import { projectionsCommand } from './commands/projections';
import { rewrapKeysCommand } from './commands/rewrap-keys';
import { keystoreCommand } from './commands/keystore';
import { webhooksCommand } from './commands/webhooks';
import { auditCommand } from './commands/audit';
import { replayCommand } from './commands/replay';
import { replayDigestCommand } from './commands/replay-digest';
import { seedCommand } from './commands/seed';

/** Every operator command; add yours here. */
export const COMMANDS: CliCommand[] = [applyCommand, evaluateCommand, importFidesCommand, exportFidesCommand, ropaCommand, lineageCommand, keysCommand, projectionsCommand, rewrapKeysCommand, keystoreCommand, webhooksCommand, auditCommand, replayCommand, replayDigestCommand, seedCommand];
