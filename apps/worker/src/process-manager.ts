import type { Infrastructure } from '../../common/infrastructure';

/**
 * A durable reaction on a clock (deadlines, expiry, retention, breach clocks). Ticks run under a
 * per-name lock, so one process runs each manager at a time; a tick must be idempotent (decide from
 * the log/read models whether the event is already there) because a crash can repeat it.
 */
export interface ProcessManager {
  readonly name: string;
  readonly intervalMs: number;
  tick(infra: Infrastructure, now: Date): Promise<void>;
}
