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
