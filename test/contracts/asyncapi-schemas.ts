import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createGenerator } from 'ts-json-schema-generator';
import { parseDocument } from 'yaml';
import { BREACH_PERSONAL_FIELDS } from '../../libs/domain/src/breach/breach.events';
import { CONSENT_PERSONAL_FIELDS } from '../../libs/domain/src/consent/personal-fields';

/**
 * The JSON Schemas of docs/asyncapi.yaml that are generated from the code's types
 * (test/contracts/asyncapi-types.ts): each root type and every type it uses, under
 * `components.schemas`, marked `x-generated-from`. asyncapi.spec.ts compares them with a fresh
 * generation; after changing a wire type, refresh the document with
 * `bash bench/run.sh test/contracts/asyncapi-schemas.ts --write` and review the diff against the
 * versioning rules (docs/asyncapi.md).
 */
export const ROOT = join(__dirname, '../..');
export const ASYNCAPI_PATH = join(ROOT, 'docs/asyncapi.yaml');
const TYPES_PATH = join(__dirname, 'asyncapi-types.ts');
const TYPES_REL = 'test/contracts/asyncapi-types.ts';

/** `consent.opt_out_recorded` -> `ConsentOptOutRecordedEventData`: the root of an event type's `data` in asyncapi-types.ts. */
const dataRoot = (type: string): string => `${type.split(/[._]/).map((w) => w[0].toUpperCase() + w.slice(1)).join('')}EventData`;

/** Consent event type -> the root of its `data` (asyncapi-types.ts), whose personal fields travel encrypted with the subject's key. */
export const CONSENT_DATA_ROOTS: Readonly<Record<string, string>> = Object.fromEntries(CONSENT_PERSONAL_FIELDS.map((d) => [d.type, dataRoot(d.type)]));
/** Breach event type -> the root of its `data`, whose personal fields (staff's free text) travel encrypted with the breach's key. */
export const BREACH_DATA_ROOTS: Readonly<Record<string, string>> = Object.fromEntries(BREACH_PERSONAL_FIELDS.map((d) => [d.type, dataRoot(d.type)]));

export const GENERATED_ROOTS: readonly string[] = [
  'EventEnvelopeV1',
  'ConsentStateMessage',
  'TaskDispatchedData',
  'RightsTaskResult',
  'RecipientNotified',
  'RetentionExpiredData',
  'RetentionObligationEndedData',
  'AuditHead',
  'EncryptedField',
  ...Object.values(CONSENT_DATA_ROOTS),
  ...Object.values(BREACH_DATA_ROOTS),
];

type Schema = Record<string, unknown>;

/** Rewrites `#/definitions/X` to `#/components/schemas/X`, drops `$schema`. */
function relocate(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(relocate);
  if (!v || typeof v !== 'object') return v;
  const out: Schema = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$schema') continue;
    out[k] = k === '$ref' && typeof x === 'string' ? x.replace('#/definitions/', '#/components/schemas/') : relocate(x);
  }
  return out;
}

/** Every generated schema by name (roots and the types they use), each marked with where it comes from. */
export function generateWireSchemas(roots: readonly string[] = GENERATED_ROOTS): Record<string, Schema> {
  const generator = createGenerator({ path: TYPES_PATH, skipTypeCheck: true, expose: 'export', topRef: false, jsDoc: 'extended', additionalProperties: false, sortProps: true });
  const all: Record<string, Schema> = {};
  for (const root of roots) {
    const { definitions = {}, ...schema } = generator.createSchema(root) as Schema & { definitions?: Record<string, Schema> };
    for (const [name, def] of Object.entries(definitions)) all[name] = relocate(def) as Schema;
    // an alias of an imported type of the same name comes back as a reference to its own definition
    if (schema.$ref !== `#/definitions/${root}`) all[root] = relocate(schema) as Schema;
  }
  for (const [fields, roots, encrypted] of [[CONSENT_PERSONAL_FIELDS, CONSENT_DATA_ROOTS, ENCRYPTED], [BREACH_PERSONAL_FIELDS, BREACH_DATA_ROOTS, ENCRYPTED_FOR_BREACH]] as const) {
    for (const d of fields) {
      const root = roots[d.type];
      if (all[root]) all[root] = d.paths.reduce((s, path) => encryptedAt(s, path.split('.'), all, `${root}.${path}`, encrypted), all[root]);
    }
  }
  return Object.fromEntries(Object.keys(all).sort().map((name) => [name, { 'x-generated-from': `${TYPES_REL}#${name}`, ...all[name] }]));
}

/** A personal field as the log stores it and the relay publishes it: encrypted with the subject's key (null stays null). */
const ENCRYPTED: Schema = { anyOf: [{ $ref: '#/components/schemas/EncryptedField' }, { type: 'null' }], description: 'Personal data: encrypted with the subject\'s data key (shredded on erasure)' };
/** Free text written while handling a breach (it may name people): encrypted with a key of the breach's stream. */
const ENCRYPTED_FOR_BREACH: Schema = { anyOf: [{ $ref: '#/components/schemas/EncryptedField' }, { type: 'null' }], description: 'Free text that may name people: encrypted with a data key of the breach\'s stream' };

/** `schema` with the field at `path` replaced by `encrypted`; referenced types on the way are copied, never changed. */
function encryptedAt(schema: Schema, path: readonly string[], defs: Record<string, Schema>, where: string, encrypted: Schema): Schema {
  if (!path.length) return encrypted;
  const ref = typeof schema.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : null;
  const s = structuredClone(ref ? defs[ref] : schema) as Schema & { properties?: Record<string, Schema>; items?: Schema };
  const [head, ...rest] = path;
  if (head === '*' && s.items) s.items = encryptedAt(s.items, rest, defs, where, encrypted);
  else if (s.properties?.[head]) s.properties[head] = encryptedAt(s.properties[head], rest, defs, where, encrypted);
  else throw new Error(`personal field ${where} is not in the type`);
  return s;
}

/** The schemas of the document that say they are generated. */
export function documentedWireSchemas(yamlText: string): Record<string, Schema> {
  const doc = parseDocument(yamlText).toJS() as { components?: { schemas?: Record<string, Schema> } };
  return Object.fromEntries(Object.entries(doc.components?.schemas ?? {}).filter(([, s]) => typeof s['x-generated-from'] === 'string'));
}

/** Replaces the generated schemas in the document text, keeping everything else (comments included). */
export function withWireSchemas(yamlText: string, schemas: Record<string, Schema>): string {
  const doc = parseDocument(yamlText);
  const existing = documentedWireSchemas(yamlText);
  for (const name of Object.keys(existing)) if (!(name in schemas)) doc.deleteIn(['components', 'schemas', name]);
  for (const [name, schema] of Object.entries(schemas)) doc.setIn(['components', 'schemas', name], doc.createNode(schema));
  return doc.toString({ lineWidth: 0 });
}

if (require.main === module) {
  const text = readFileSync(ASYNCAPI_PATH, 'utf8');
  const generated = generateWireSchemas();
  const current = isDeepStrictEqual(documentedWireSchemas(text), generated);
  if (process.argv.includes('--write')) {
    writeFileSync(ASYNCAPI_PATH, withWireSchemas(text, generated));
    console.log(current ? 'docs/asyncapi.yaml: generated schemas unchanged' : 'docs/asyncapi.yaml: generated schemas refreshed');
  } else {
    console.log(current ? 'docs/asyncapi.yaml: generated schemas are current' : 'docs/asyncapi.yaml: generated schemas differ (run with --write)');
    if (!current) process.exitCode = 1;
  }
}
