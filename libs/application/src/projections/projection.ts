import type { RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

/**
 * A read model: a folder under projections/ exports one of these.
 * Its tables live in their own PostgreSQL schema, `rm_<name>`; the DDL and the handler use
 * unqualified table names (the runner sets search_path), queries use `rm_<name>.<table>`.
 */
export interface ProjectionDefinition {
  /** snake_case, stable; the schema is `rm_<name>`. */
  readonly name: string;
  /** Bump when the DDL or handler semantics change: the runner then rebuilds by replay. */
  readonly version: number;
  /** Idempotent DDL (CREATE TABLE IF NOT EXISTS ...), unqualified names. */
  readonly schema: string;
  /**
   * Idempotent DDL of what only readers need: secondary indexes no handler query uses, and triggers
   * keeping summary tables. A live read model gets it with `schema`; a rebuild runs it after the
   * replay (after `summaries`), so the replay writes bare tables and each index is built once, in bulk.
   */
  readonly indexes?: string;
  /** SQL a rebuild runs once after the replay and before `indexes`: fills the summary tables that the triggers of `indexes` keep from then on. */
  readonly summaries?: string;
  /** Event type prefixes it handles (e.g. `consent.`); all events when absent. */
  readonly typePrefixes?: readonly string[];
  /**
   * Applies a batch inside the runner's transaction (rows and checkpoint commit together).
   * Must be idempotent per event (keyed on event id or position) and deterministic: replaying the
   * log into empty tables yields the same rows.
   */
  handle(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void>;
}

export const schemaOf = (p: Pick<ProjectionDefinition, 'name'> | string): string => `rm_${typeof p === 'string' ? p : p.name}`;
