/**
 * Upcasters lift an event's data from an older schema version to the next one, on read.
 * Registered per (type, fromVersion); applied repeatedly until the current version.
 */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  readonly upcast: (data: any) => any;
}

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const u of upcasters) this.register(u);
  }

  register(u: Upcaster): this {
    const key = `${u.type}@${u.fromVersion}`;
    if (this.byKey.has(key)) throw new Error(`duplicate upcaster for ${key}`);
    this.byKey.set(key, u);
    return this;
  }

  /** Returns the data and version after applying every upcaster that matches. */
  apply(type: string, schemaVersion: number, data: unknown): { data: unknown; schemaVersion: number } {
    let version = schemaVersion;
    let current = data;
    for (let u = this.byKey.get(`${type}@${version}`); u; u = this.byKey.get(`${type}@${version}`)) {
      current = u.upcast(current);
      version += 1;
    }
    return { data: current, schemaVersion: version };
  }
}
