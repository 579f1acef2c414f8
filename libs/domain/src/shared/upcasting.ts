/**
 * Upcasters lift an event's data from an older schema version to the next one, on read.
 * Registered per (type, fromVersion); applied repeatedly until the current version.
 */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  readonly upcast: (data: any) => any;
}

/**
 * Applied to every event after the version upcasters, with its metadata: for rewrites that do not
 * depend on the schema version (e.g. taxonomy aliases, catalog/taxonomy-aliases.ts). Must be
 * idempotent on data already in the current form.
 */
export type EventNormalizer = (type: string, data: unknown, metadata: Readonly<Record<string, unknown>> | undefined) => unknown;

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(
    upcasters: readonly Upcaster[] = [],
    private readonly normalize?: EventNormalizer,
  ) {
    for (const u of upcasters) this.register(u);
  }

  register(u: Upcaster): this {
    const key = `${u.type}@${u.fromVersion}`;
    if (this.byKey.has(key)) throw new Error(`duplicate upcaster for ${key}`);
    this.byKey.set(key, u);
    return this;
  }

  /** Returns the data and version after applying every upcaster that matches. */
  apply(type: string, schemaVersion: number, data: unknown, metadata?: Readonly<Record<string, unknown>>): { data: unknown; schemaVersion: number } {
    let version = schemaVersion;
    let current = data;
    for (let u = this.byKey.get(`${type}@${version}`); u; u = this.byKey.get(`${type}@${version}`)) {
      current = u.upcast(current);
      version += 1;
    }
    return { data: this.normalize ? this.normalize(type, current, metadata) : current, schemaVersion: version };
  }
}
