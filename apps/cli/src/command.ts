import type { Infrastructure } from '../../common/infrastructure';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the current terminal line (progress displays); a plain line when not a TTY. */
  progress(line: string): void;
}

/** One operator command. `needsInfra: false` commands run with no database (e.g. evaluate). */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** False (or false for these arguments): runs with no database, e.g. evaluate, `keys scopes`. */
  readonly needsInfra: boolean | ((args: readonly string[]) => boolean);
  /** Opens even while the data keys still sit in the main database (KEYSTORE_DATABASE_URL migration). */
  readonly allowLegacyKeyTable?: boolean;
  /** Returns the process exit code. */
  run(args: string[], io: CliIo, infra: Infrastructure | null): Promise<number>;
}

/** `--flag value` and `--flag=value` options plus positional arguments. */
export function parseArgs(args: readonly string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) flags[a.slice(2)] = args[++i];
    else flags[a.slice(2)] = true;
  }
  return { positional, flags };
}
