/**
 * Text that PostgreSQL can store. PostgreSQL refuses NUL in `text` and `\u0000` in `jsonb`, and
 * refuses a lone UTF-16 surrogate in `jsonb` (in `text` the driver silently turns it into U+FFFD).
 * Input carrying either is refused at every edge (`unsafeTextPath`); what the log already holds is
 * stored by the read models in an escaped form (`storableText`), so a projection never depends on
 * input having been clean (ARCHITECTURE invariant 10).
 *
 * The escaped form: U+FDD0 followed by the code unit as four upper-case hex digits, for NUL
 * (U+FDD0 "0000"), each lone surrogate (e.g. U+FDD0 "D800") and U+FDD0 itself (U+FDD0 "FDD0").
 * U+FDD0 is a Unicode noncharacter, reserved for a process's internal use (Unicode 15, §23.7), and is
 * refused at the edge, so clean input is stored unchanged and the form is reversible.
 */
export const TEXT_ESCAPE = '\uFDD0';

// NUL, a high surrogate not followed by a low one, a low surrogate not preceded by a high one.
const LONE_OR_NUL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// The noncharacters U+FDD0..U+FDEF, U+FFFE and U+FFFF: the escape character and its reserved kin.
const NONCHARACTER = /[\uFDD0-\uFDEF\uFFFE\uFFFF]/;
const NEEDS_ESCAPE = /\u0000|\uFDD0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const TO_ESCAPE = new RegExp(NEEDS_ESCAPE.source, 'g');
const ESCAPED = /\uFDD0([0-9A-F]{4})/g;

export type UnsafeTextReason = 'nul' | 'lone_surrogate' | 'noncharacter';

/** Why a string cannot be accepted as input, or null when it can. */
export function unsafeTextReason(s: string): UnsafeTextReason | null {
  const m = LONE_OR_NUL.exec(s);
  if (m) return m[0] === '\u0000' ? 'nul' : 'lone_surrogate';
  return NONCHARACTER.test(s) ? 'noncharacter' : null;
}

export interface UnsafeText {
  /** Where, as a dotted path (`consent_version`, `systems.0.name`); object keys are checked too. */
  readonly path: string;
  readonly reason: UnsafeTextReason;
}

/**
 * An object key as it may appear in an error's field path: a DTO's own names are plain; any other
 * key (control characters, bidi or zero-width characters, data) is input and is not quoted back.
 */
export function fieldName(key: string): string {
  return /^[A-Za-z0-9_]{1,64}$/.test(key) ? key : '(field name not shown)';
}

/** The first string (value or object key) in `value` that cannot be accepted, or null. Never returns the value itself. */
export function unsafeTextPath(value: unknown, path = ''): UnsafeText | null {
  if (typeof value === 'string') {
    const reason = unsafeTextReason(value);
    return reason ? { path: path || '(value)', reason } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    const here = path ? `${path}.${fieldName(k)}` : fieldName(k);
    const keyReason = unsafeTextReason(k);
    // the key itself is unsafe: name its parent, never the key
    if (keyReason) return { path: path ? `${path}.(key)` : '(key)', reason: keyReason };
    const found = unsafeTextPath(v, here);
    if (found) return found;
  }
  return null;
}

export const UNSAFE_TEXT_MESSAGES: Record<UnsafeTextReason, string> = {
  nul: 'must not contain a NUL character (U+0000)',
  lone_surrogate: 'must not contain a lone UTF-16 surrogate',
  noncharacter: 'must not contain a Unicode noncharacter (U+FDD0..U+FDEF, U+FFFE, U+FFFF)',
};

/** The escaped form of `s` (see above); identity for clean text. */
export function storableText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(TO_ESCAPE, (c) => TEXT_ESCAPE + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0'));
}

/** The inverse of `storableText`. */
export function unescapeStorableText(s: string): string {
  return s.includes(TEXT_ESCAPE) ? s.replace(ESCAPED, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : s;
}

/** `storableText` applied to every string and object key of a JSON-like value; the same object when nothing needs escaping. */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const s = storableJson(v);
      if (s !== v) changed = true;
      return s;
    });
    return (changed ? out : value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sk = storableText(k);
    const sv = storableJson(v);
    if (sk !== k || sv !== v) changed = true;
    out[sk] = sv;
  }
  return (changed ? out : value) as T;
}
