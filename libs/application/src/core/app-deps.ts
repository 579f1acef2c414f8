import type { LogPosition, RecordedEvent } from '@pl/domain';
import type { CryptoEventCodec, Pseudonymizer, SubjectKeyStore } from '@pl/crypto';
import type { EventStore, SqlDatabase } from '@pl/eventstore';
import type { CatalogQueries } from '../catalog/queries';

/**
 * What every context's use cases and process managers are given (issue 14, defect 7): built once in
 * the composition root (apps/common/infrastructure.ts) and bound into the use cases there, so
 * controllers, CLI commands and worker jobs stay thin adapters. No NestJS, no configuration parsing.
 */
export interface AppDeps {
  /** The log. Every append goes through it (personal fields are encrypted by the store: invariant 13). */
  readonly store: EventStore;
  /** Read models, checkpoints, locks. */
  readonly db: SqlDatabase;
  /** Decrypts personal fields for the few readers entitled to them. */
  readonly codec: CryptoEventCodec;
  /** Per-subject data keys (crypto-shredding). */
  readonly keys: SubjectKeyStore;
  /** Caller's subject id -> pseudonymous subject key (never log the former). */
  readonly pseudonymizer: Pseudonymizer;
  /** Read your writes (invariant 7): resolves once read model `projection` has passed `position`. */
  readonly readYourWrites: (projection: string, position: LogPosition, timeoutMs?: number) => Promise<void>;
  /** The catalog query port (with as-of) that rights, breach and consent ask. */
  readonly catalog: CatalogQueries;
}

/**
 * A process manager fed by facts (invariant 12): the consumer engine hands it, in log order and at
 * least once, every event whose type starts with one of `typePrefixes`, and checkpoints after the
 * handler resolved. `handle` must be idempotent (decide from the log whether its step is already
 * done), so a crash between any two of its steps is resumed by handling the same event again.
 */
export interface EventProcessManager {
  /** Stable, snake_case or kebab-case: checkpoint and lock name `pm:<name>`. */
  readonly name: string;
  readonly typePrefixes: readonly string[];
  handle(event: RecordedEvent, deps: AppDeps): Promise<void>;
}
