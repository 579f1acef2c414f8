import { conflict, notFound, type DomainEvent } from '../shared';
import { sameJson } from './common';

export type DefineMode = 'create' | 'update' | 'upsert';

/** Systems known at decision time, with their role (looked up by the caller from the log). */
export type KnownSystems = Readonly<Record<string, { readonly role: 'controller' | 'processor' }>>;

/**
 * The register/update/retire life of a catalog entity (system, activity, flow, processor record):
 * `Define<Name>` registers it (mode create or upsert), updates it with the fields that changed (update
 * or upsert; nothing when nothing changed, so applying a manifest twice appends nothing), and
 * `Retire<Name>` retires it once. What differs per entity is only how its input is validated and
 * normalised, and the names of its events.
 */
export type DefineCommand<Name extends string, Input, Context = unknown> = { readonly type: `Define${Name}`; readonly mode: DefineMode; readonly input: Input; readonly now: Date } & Context;
export type RetireCommand<Name extends string> = { readonly type: `Retire${Name}`; readonly id: string; readonly now: Date };
export type LifecycleCommand<Name extends string, Input, Context = unknown> = DefineCommand<Name, Input, Context> | RetireCommand<Name>;

export type LifecycleState<Snapshot> = { readonly status: 'none' } | { readonly status: 'active' | 'retired'; readonly entity: Snapshot };

/** `catalog.<kind>_registered` carries `{ [key]: snapshot }`, `_updated` adds `changed`, `_retired` carries `{ [idField]: id }`. */
export interface LifecycleSpec<Name extends string, Kind extends string, Key extends string, IdField extends string, Input, Snapshot, Context> {
  /** Command suffix: `Define<name>`, `Retire<name>`. */
  readonly name: Name;
  /** Event prefix: `catalog.<kind>_registered|_updated|_retired`. */
  readonly kind: Kind;
  readonly key: Key;
  readonly idField: IdField;
  /** For refusals: "<what> does not exist". */
  readonly what: string;
  readonly normalize: (input: Input, command: DefineCommand<Name, Input, Context>) => Snapshot;
}

export type LifecycleEvent<Kind extends string, Key extends string, IdField extends string, Snapshot> =
  | DomainEvent<`catalog.${Kind}_registered`, { [K in Key]: Snapshot }>
  | DomainEvent<`catalog.${Kind}_updated`, { [K in Key]: Snapshot } & { changed: string[] }>
  | DomainEvent<`catalog.${Kind}_retired`, { [K in IdField]: string }>;

/** The fields of `after` that differ from `before`, sorted. */
export function changedFields<T extends object>(before: T, after: T): string[] {
  return (Object.keys(after) as Array<keyof T>)
    .filter((k) => !sameJson(before[k], after[k]))
    .map(String)
    .sort();
}

/** The lifecycle decider of one entity; the system decider extends it with its data elements. */
export function lifecycleDecider<Name extends string, Kind extends string, Key extends string, IdField extends string, Input, Snapshot extends object, Context = unknown>(
  spec: LifecycleSpec<Name, Kind, Key, IdField, Input, Snapshot, Context>,
) {
  type State = LifecycleState<Snapshot>;
  type Event = LifecycleEvent<Kind, Key, IdField, Snapshot>;
  const registered = `catalog.${spec.kind}_registered`;
  const updated = `catalog.${spec.kind}_updated`;
  const retired = `catalog.${spec.kind}_retired`;
  const event = (type: string, data: object) => ({ type, data }) as Event;
  const idOf = (s: Snapshot) => (s as Record<string, unknown>)[spec.idField] as string;

  function define(cmd: DefineCommand<Name, Input, Context>, state: State): Event[] {
    const entity = spec.normalize(cmd.input, cmd);
    if (state.status === 'none') {
      if (cmd.mode === 'update') throw notFound(`${spec.what} does not exist`);
      return [event(registered, { [spec.key]: entity })];
    }
    if (cmd.mode === 'create') throw conflict(`${spec.what} already exists`);
    const changed = changedFields(state.entity, entity);
    if (state.status === 'active' && !changed.length) return [];
    return [event(updated, { [spec.key]: entity, changed })];
  }

  return {
    initialState: (): State => ({ status: 'none' }),
    evolve(state: State, e: DomainEvent): State {
      const data = e.data as Record<string, unknown>;
      if (e.type === registered || e.type === updated) return { status: 'active', entity: data[spec.key] as Snapshot };
      if (e.type === retired) return state.status === 'none' ? state : { ...state, status: 'retired' };
      return state;
    },
    decide(cmd: LifecycleCommand<Name, Input, Context>, state: State): Event[] {
      if (cmd.type === `Define${spec.name}`) return define(cmd as DefineCommand<Name, Input, Context>, state);
      if (state.status === 'none') throw notFound(`${spec.what} does not exist`);
      if (state.status === 'retired') return [];
      return [event(retired, { [spec.idField]: idOf(state.entity) })];
    },
  };
}
