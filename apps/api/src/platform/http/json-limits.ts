/**
 * Limits applied to a JSON body before it is parsed (ARCHITECTURE invariant 10). No request DTO
 * nests deeper than a handful of levels; class-transformer and class-validator recurse once per
 * level, so a body nested ~1,500 deep overflowed the stack (a 500) before any DTO rule ran.
 */
export const JSON_MAX_DEPTH = 32;

/** True when arrays/objects in `text` nest deeper than `max`. One pass, no recursion, strings skipped. */
export function jsonDepthExceeds(text: string, max = JSON_MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Thrown by the body parser; the error filter answers 400 with this code's fixed message. */
export class JsonTooDeepError extends Error {
  readonly code = 'PL_JSON_TOO_DEEP';
  readonly statusCode = 400;
  constructor() {
    super(`JSON body nests deeper than ${JSON_MAX_DEPTH} levels`);
  }
}
