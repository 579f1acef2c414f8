import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { UNSAFE_TEXT_MESSAGES, unsafeTextPath, type intake } from '@pl/domain';
import schema from './privacy-event.schema.json';

export { schema as PRIVACY_EVENT_SCHEMA };

const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date-time']);
const check = ajv.compile<intake.PrivacyEvent>(schema);

export type ParsedPrivacyEvent = { ok: true; event: intake.PrivacyEvent } | { ok: false; reason: string; field: string };

/** The field the JSON Schema error is about, as a dotted path (`event_data.description`), never the value. */
function fieldOf(e: ErrorObject): string {
  const at = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : null;
  const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : null;
  const leaf = missing ?? extra;
  const safe = leaf && /^[A-Za-z0-9_]{1,64}$/.test(leaf) ? leaf : leaf ? '(field name not shown)' : null;
  return [at, safe].filter(Boolean).join('.') || '(event)';
}

const PROBLEMS: Record<string, (e: ErrorObject) => string> = {
  required: () => 'is required',
  additionalProperties: () => 'is not a field of a privacy event',
  type: (e) => `must be of type ${(e.params as { type: string | string[] }).type}`,
  enum: (e) => `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`,
  format: (e) => `must be an ISO 8601 ${(e.params as { format: string }).format}`,
  minItems: (e) => `must have at least ${(e.params as { limit: number }).limit} item(s)`,
  maxItems: (e) => `must have at most ${(e.params as { limit: number }).limit} items`,
  minLength: (e) => `must be at least ${(e.params as { limit: number }).limit} character(s)`,
  maxLength: (e) => `must be at most ${(e.params as { limit: number }).limit} characters`,
  maxProperties: (e) => `must have at most ${(e.params as { limit: number }).limit} fields`,
  pattern: () => 'has characters outside A-Z a-z 0-9 . _ : -',
};

/**
 * Checks one privacy event against the committed JSON Schema (privacy-event.schema.json) and the
 * text rules of every edge (invariant 10). The reason names the field and the rule, never the value.
 * `textChecked`: the caller has already refused unsafe text anywhere in `value` (the intake topic's
 * message check does, before this), so the text rules are not walked a second time.
 */
export function parsePrivacyEvent(value: unknown, options: { readonly textChecked?: boolean } = {}): ParsedPrivacyEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'a privacy event must be a JSON object', field: '(event)' };
  if (!check(value)) {
    const e = check.errors![0];
    const field = fieldOf(e);
    const problem = PROBLEMS[e.keyword]?.(e) ?? `must satisfy the schema's ${e.keyword}`;
    return { ok: false, reason: `${field} ${problem}`, field };
  }
  const unsafe = options.textChecked ? null : unsafeTextPath(value);
  if (unsafe) return { ok: false, reason: `${unsafe.path} ${UNSAFE_TEXT_MESSAGES[unsafe.reason]}`, field: unsafe.path };
  return { ok: true, event: value };
}
