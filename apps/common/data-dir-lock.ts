import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUseError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`DATA_DIR ${dir} is in use by process ${pid}: the embedded database is single-process; stop that process first (or use PostgreSQL)`);
    this.name = 'DataDirInUseError';
  }
}

const heldHere = new Set<string>();

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it.
 * `pglite.pid` in DATA_DIR names the holder; a file left by a process that no longer runs (a crash,
 * or a restarted container where the pid repeats) is taken over. Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'pglite.pid');
  if (heldHere.has(file)) throw new DataDirInUseError(dir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      heldHere.add(file);
      return () => {
        heldHere.delete(file);
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) throw new DataDirInUseError(dir, pid);
      unlinkSync(file);
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
