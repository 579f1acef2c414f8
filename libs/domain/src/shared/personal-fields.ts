/**
 * Which fields of an event type are personal data (ARCHITECTURE invariants 2 and 13). Every event
 * type the log can hold has one, next to its definition; the store encrypts the declared fields on
 * every append and refuses a type without a declaration.
 */
export interface PersonalFieldsDeclaration {
  readonly type: string;
  /** Dotted paths into the event data; `*` walks an array (`items.*.note`). Empty: no personal field. */
  readonly paths: readonly string[];
  /**
   * Whose data key encrypts them. `subject` (default): the data's `subject_key`, else the stream's
   * `sub_...` suffix, else the subject the stream's earlier events name. `stream`: a key of the
   * stream itself, for free text about a record rather than about one subject (a breach); shredding
   * that key erases the text.
   */
  readonly keyedBy?: 'subject' | 'stream';
}

/**
 * Declares the personal fields of every type of a context's event union: the mapped type makes the
 * compiler refuse a union member left out (and a type that is not in the union).
 */
export function declarePersonalFields<T extends string>(
  declared: { readonly [K in T]: readonly string[] },
  keyedBy?: 'subject' | 'stream',
): PersonalFieldsDeclaration[] {
  return Object.entries<readonly string[]>(declared).map(([type, paths]) => ({ type, paths, ...(keyedBy ? { keyedBy } : {}) }));
}
