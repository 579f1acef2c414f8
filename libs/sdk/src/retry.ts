/**
 * Start-up retries. A service often starts next to a broker (or a ledger relay) that is itself
 * starting: the topic may not exist yet, or exist without elected leaders. Those errors pass on
 * their own, so `start()` waits them out (with backoff, up to a deadline) instead of failing.
 */

/** kafkajs protocol error types that mean "not yet", never "wrong". */
const TRANSIENT_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'PREFERRED_LEADER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'NOT_CONTROLLER',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'UNKNOWN_LEADER_EPOCH',
  'FENCED_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
]);

/** kafkajs error classes that mean the broker (or its metadata) is not reachable or not loaded yet. */
const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
]);

/** Raised by the SDK itself for a condition that passes (e.g. a topic listed without partitions yet). */
export class NotReadyYetError extends Error {
  readonly transient = true;
  constructor(message: string) {
    super(message);
    this.name = 'NotReadyYetError';
  }
}

/**
 * True when `e` (or an error it wraps: kafkajs puts the last attempt's error in `cause` or
 * `originalError` when its own retries run out) says the topic or its leaders are not there yet,
 * or that the broker is not reachable yet.
 */
export function isTransientStartError(e: unknown): boolean {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const x = cur as { type?: unknown; name?: unknown; transient?: unknown; cause?: unknown; originalError?: unknown };
    if (x.transient === true) return true;
    if (typeof x.type === 'string' && TRANSIENT_TYPES.has(x.type)) return true;
    if (typeof x.name === 'string' && TRANSIENT_NAMES.has(x.name)) return true;
    cur = x.cause ?? x.originalError;
  }
  return false;
}

export interface StartRetryOptions {
  /** First delay between attempts (ms); doubled each time up to `maxMs`, with jitter. Default 100. */
  readonly initialMs?: number;
  /** Longest delay between attempts (ms). Default 2000. */
  readonly maxMs?: number;
}

export interface RetryContext {
  /** Absolute time (ms since epoch) after which no new attempt starts. */
  readonly deadline: number;
  /** Stops waiting (e.g. `stop()` was called): the loop rejects with the last error. */
  readonly cancelled?: () => boolean;
  /** Called before each wait with the attempt number and the error that caused it. */
  readonly onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  /** Undo a partial attempt (disconnect clients) before waiting. */
  readonly cleanup?: () => Promise<void>;
}

/** Delay before attempt `attempt + 1`: exponential, half of it jittered. */
export function retryDelay(attempt: number, options: StartRetryOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 2000;
  const exp = Math.min(max, initial * 2 ** Math.min(attempt - 1, 20));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/**
 * Runs `attempt` until it resolves. A transient error (see `isTransientStartError`) is retried with
 * backoff while the deadline allows; any other error, or the deadline, rejects with that error.
 */
export async function retryTransient<T>(attempt: () => Promise<T>, ctx: RetryContext, options: StartRetryOptions = {}): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      await ctx.cleanup?.();
      const remaining = ctx.deadline - Date.now();
      if (!isTransientStartError(e) || ctx.cancelled?.() || remaining <= 0) throw e;
      // the last wait is cut to the deadline, so one attempt is made at the deadline itself
      const delay = Math.min(retryDelay(n, options), remaining);
      ctx.onRetry?.(n, e, delay);
      await new Promise((r) => setTimeout(r, delay));
      if (ctx.cancelled?.()) throw e;
    }
  }
}
