import type { SqlExecutor } from '@pl/eventstore';
import { clearFault, errorClassOf, recordFault } from './faults';

/** A change between running and stuck, reported once per change (not per retry). */
export interface RunnerStateChange {
  readonly projection: string;
  readonly stuck: boolean;
  readonly errorClass: string | null;
  readonly failures: number;
}

export interface StuckState {
  /** Class of the last failure (e.g. `DatabaseError:22P05`), never its message; null after a success. */
  readonly lastError: string | null;
  /** Failures in a row since the last success. */
  readonly failures: number;
  /** Set while stuck: `stuckAfterFailures` failures in a row. */
  readonly stuck: { readonly since: string; readonly errorClass: string } | null;
}

export interface StuckTrackerOptions {
  /** Failures in a row after which the follower counts as stuck (default 3). */
  readonly stuckAfterFailures?: number;
  readonly onStateChange?: (change: RunnerStateChange) => void;
}

/**
 * Invariant 11 for any follower of the log (projection runner, webhook dispatcher): failures in a
 * row make it stuck, recorded in projection_faults for /health and the waits of commands, and
 * reported once on entering and once on leaving the state, not once per retry.
 */
export class StuckTracker {
  private lastError: string | null = null;
  private failures = 0;
  private stuck: StuckState['stuck'] = null;
  // a fault row may be left from an earlier process: the first success clears it
  private faultRecorded = true;

  constructor(
    private readonly db: SqlExecutor,
    private readonly name: string,
    private readonly options: StuckTrackerOptions = {},
  ) {}

  state(): StuckState {
    return { lastError: this.lastError, failures: this.failures, stuck: this.stuck };
  }

  /** Counts a failure; returns the failures in a row (for the retry delay). */
  noteFailure(e: unknown): { errorClass: string; failures: number } {
    this.lastError = errorClassOf(e);
    this.failures += 1;
    return { errorClass: this.lastError, failures: this.failures };
  }

  /** Enters (or stays in) the stuck state once the failures in a row reach the threshold. */
  async settleFailure(errorClass: string): Promise<void> {
    if (this.failures < (this.options.stuckAfterFailures ?? 3)) return;
    const entering = !this.stuck;
    const stuck = entering || this.stuck!.errorClass !== errorClass ? { since: this.stuck?.since ?? new Date().toISOString(), errorClass } : this.stuck!;
    this.faultRecorded = true;
    // recorded first, so whoever sees the state here finds the fault row too (/health of another process)
    await recordFault(this.db, this.name, errorClass, this.failures, new Date(stuck.since)).catch(() => undefined);
    this.stuck = stuck;
    if (entering) this.options.onStateChange?.({ projection: this.name, stuck: true, errorClass, failures: this.failures });
  }

  /** Back to normal (a batch applied, or the head reached): leaves the stuck state. */
  async succeeded(): Promise<void> {
    this.failures = 0;
    this.lastError = null;
    if (this.faultRecorded) {
      this.faultRecorded = false;
      await clearFault(this.db, this.name).catch(() => undefined);
    }
    if (!this.stuck) return;
    this.stuck = null;
    this.options.onStateChange?.({ projection: this.name, stuck: false, errorClass: null, failures: 0 });
  }
}

/** Retry delay after `failures` failures in a row: doubling from `baseMs`, at most `maxMs`. */
export function retryDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.min(failures - 1, 10), Math.max(baseMs, maxMs));
}
