import type { DomainEvent, PersonalFieldsDeclaration, RecordedEvent } from '@pl/domain';
import { decryptField, encryptField, isEncryptedField } from './field-cipher';
import type { SubjectKeyStore } from './key-store';
import { isSubjectKey } from './pseudonym';

/**
 * Which fields of which event types are personal data: each context declares its types next to
 * their definition (libs/domain `*_PERSONAL_FIELDS`, `declarePersonalFields`).
 */
export interface PersonalFields extends PersonalFieldsDeclaration {
  /** The subject whose key encrypts the fields, overriding `keyedBy`. */
  readonly subjectOf?: (streamId: string, data: any) => string | null;
}

/** Fail closed (ARCHITECTURE invariant 13): a type nobody declared may carry personal data in clear. */
export class UndeclaredEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(`event type ${eventType} declares no personal fields: declare them (possibly none) next to its definition before appending it`);
    this.name = 'UndeclaredEventTypeError';
  }
}

export interface EncodeOptions {
  /** The subject the stream's earlier events name, for an event whose data does not (read only when needed). */
  readonly streamSubject?: () => Promise<string | null>;
}

export class PersonalFieldRegistry {
  private readonly byType = new Map<string, PersonalFields>();

  constructor(entries: readonly PersonalFields[] = []) {
    entries.forEach((e) => this.register(e));
  }

  register(e: PersonalFields): this {
    const prev = this.byType.get(e.type);
    this.byType.set(e.type, prev ? { ...e, paths: [...new Set([...prev.paths, ...e.paths])] } : e);
    return this;
  }

  get(type: string): PersonalFields | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }
}

/** A decoded event, with the personal fields that could not be decrypted because the subject's key is gone. */
export type DecodedEvent<D = any> = RecordedEvent<D> & {
  readonly erased?: boolean;
  readonly erased_fields?: string[];
  /** Paths of personal fields decrypted for this read (absent when the event carries none, or all were erased). */
  readonly decrypted_fields?: string[];
};

function defaultSubject(streamId: string, data: any): string | null {
  if (data && typeof data.subject_key === 'string' && isSubjectKey(data.subject_key)) return data.subject_key;
  const suffix = streamId.slice(streamId.indexOf('-') + 1);
  return isSubjectKey(suffix) ? suffix : null;
}

type Visit = (value: unknown, path: string) => unknown;

/** Rewrites the values at `pattern` (dotted, `*` for arrays) in a deep copy of `obj`. */
function rewrite(obj: any, pattern: string[], visit: Visit, at: string[] = []): any {
  if (pattern.length === 0) return visit(obj, at.join('.'));
  if (obj === null || typeof obj !== 'object') return obj;
  const [head, ...rest] = pattern;
  if (head === '*') {
    if (!Array.isArray(obj)) return obj;
    return obj.map((v, i) => rewrite(v, rest, visit, [...at, String(i)]));
  }
  if (!(head in obj)) return obj;
  return { ...obj, [head]: rewrite(obj[head], rest, visit, [...at, head]) };
}

/** Whether `obj` holds a value at `pattern` (as `rewrite` finds it) that is neither null nor encrypted yet; copies nothing. */
function hasPlainAt(obj: any, pattern: readonly string[], from = 0): boolean {
  if (from === pattern.length) return obj !== null && obj !== undefined && !isEncryptedField(obj);
  if (obj === null || typeof obj !== 'object') return false;
  const head = pattern[from];
  if (head === '*') return Array.isArray(obj) && obj.some((v) => hasPlainAt(v, pattern, from + 1));
  return head in obj && hasPlainAt(obj[head], pattern, from + 1);
}

/** A declared path split at its dots, once per path. */
const splitPaths = new Map<string, string[]>();
const split = (path: string): string[] => {
  let parts = splitPaths.get(path);
  if (!parts) splitPaths.set(path, (parts = path.split('.')));
  return parts;
};

/** Walks every encrypted field wherever it is (schemas change; what was encrypted stays found). */
function rewriteEncrypted(obj: any, visit: Visit, at: string[] = []): any {
  if (isEncryptedField(obj)) return visit(obj, at.join('.'));
  if (Array.isArray(obj)) return obj.map((v, i) => rewriteEncrypted(v, visit, [...at, String(i)]));
  if (obj !== null && typeof obj === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = rewriteEncrypted(v, visit, [...at, k]);
    return out;
  }
  return obj;
}

/**
 * The EventCodec of libs/application: encrypts the registered personal fields of each event with the
 * subject's data key (AES-256-GCM, random 96-bit IV, AAD = stream + event id + field path + key id)
 * and decrypts them for entitled readers. After shredding, decoding yields null and `erased: true`.
 */
export class CryptoEventCodec {
  constructor(
    private readonly keys: SubjectKeyStore,
    private readonly registry: PersonalFieldRegistry,
  ) {}

  /**
   * Encrypts the declared fields of each event, bound to `eventIds[i]`, the id event i is stored
   * under. Throws UndeclaredEventTypeError, before encrypting anything, when a type has no declaration.
   */
  async encode(streamId: string, events: readonly DomainEvent[], eventIds: readonly string[], options: EncodeOptions = {}): Promise<DomainEvent[]> {
    return (await this.encodeMany([{ streamId, events, eventIds, options }]))[0];
  }

  /**
   * `encode` for the events of several streams at once: the data keys of all their subjects are
   * fetched (or created) together, in a few statements however many subjects there are.
   */
  async encodeMany(
    items: ReadonlyArray<{ readonly streamId: string; readonly events: readonly DomainEvent[]; readonly eventIds: readonly string[]; readonly options?: EncodeOptions }>,
  ): Promise<DomainEvent[][]> {
    const declared = items.map(({ events }) =>
      events.map((e) => {
        const fields = this.registry.get(e.type);
        if (!fields) throw new UndeclaredEventTypeError(e.type);
        return fields;
      }),
    );
    // who owns each event's personal values (null: it carries none, so no key is fetched or re-created)
    const owners: Array<Array<string | null>> = [];
    for (const [k, { streamId, events, eventIds, options = {} }] of items.entries()) {
      const row: Array<string | null> = [];
      for (const [i, e] of events.entries()) {
        const fields = declared[k][i];
        const needsKey = fields.paths.some((path) => hasPlainAt(e.data, split(path)));
        if (!needsKey) {
          row.push(null);
          continue;
        }
        const sub = await this.keyOwner(fields, streamId, e.data, options);
        if (!sub) throw new Error(`cannot tell whose personal data event ${e.type} carries`);
        if (!eventIds[i]) throw new Error(`no event id to bind the personal fields of event ${e.type} to`);
        row.push(sub);
      }
      owners.push(row);
    }
    const wanted = owners.flat().filter((s): s is string => s !== null);
    const keys = wanted.length ? await this.keys.keysFor(wanted) : new Map();
    return items.map(({ streamId, events, eventIds }, k) =>
      events.map((e, i) => {
        const sub = owners[k][i];
        if (sub === null) return e;
        const dk = keys.get(sub)!;
        const eid = eventIds[i];
        let data: any = e.data;
        for (const path of declared[k][i].paths) {
          data = rewrite(data, split(path), (v, p) => (v === null || v === undefined || isEncryptedField(v) ? v : encryptField(dk.key, v, { sub, kid: dk.keyId, eid, streamId, path: p })));
        }
        return { ...e, data };
      }),
    );
  }

  private async keyOwner(fields: PersonalFields, streamId: string, data: unknown, options: EncodeOptions): Promise<string | null> {
    if (fields.subjectOf) return fields.subjectOf(streamId, data);
    if (fields.keyedBy === 'stream') return streamId;
    return defaultSubject(streamId, data) ?? (await options.streamSubject?.()) ?? null;
  }

  async decode<D = any>(events: readonly RecordedEvent[]): Promise<DecodedEvent<D>[]> {
    const out: DecodedEvent<D>[] = [];
    for (const e of events) {
      const found: Array<{ path: string; f: any }> = [];
      rewriteEncrypted(e.data, (v, path) => {
        found.push({ path, f: v });
        return v;
      });
      if (!found.length) {
        out.push(e);
        continue;
      }
      const plain = new Map<string, unknown>();
      const erased: string[] = [];
      for (const { path, f } of found) {
        const key = await this.keys.keyById(f.sub, f.kid);
        if (!key) {
          erased.push(path);
          continue;
        }
        // Bound to the event it is stored in: a ciphertext copied into another event fails authentication.
        if (f.eid !== e.metadata.event_id) throw new Error(`encrypted field ${path} does not belong to this event`);
        plain.set(path, decryptField(key, f, e.streamId, path));
      }
      const data = rewriteEncrypted(e.data, (_v, path) => (plain.has(path) ? plain.get(path) : null));
      const decrypted = plain.size ? { decrypted_fields: [...plain.keys()] } : {};
      out.push(erased.length ? { ...e, data, erased: true, erased_fields: erased, ...decrypted } : { ...e, data, ...decrypted });
    }
    return out;
  }

  /** For readers without the right to personal data: every encrypted field becomes null, nothing is decrypted. */
  omitPersonal<D = any>(events: readonly RecordedEvent[]): DecodedEvent<D>[] {
    return events.map((e) => ({ ...e, data: rewriteEncrypted(e.data, () => null) }));
  }
}
