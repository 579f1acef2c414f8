import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/app';

/**
 * Fuzzing every command route of the app's own OpenAPI document (issue 12): generated bodies full
 * of hostile strings, deep nesting, huge strings and wrong types. Each answer must be < 500 and
 * must not echo a rejected value; afterwards every projection reaches the head and a withdrawal
 * still denies validate. Seeded and bounded: RUNS per route.
 */
jest.setTimeout(300_000);

const SEED = 20261202;
const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
const COMMAND_METHODS = ['post', 'put', 'patch', 'delete'] as const;
const USER = 'fuzz-subject@example.com';

const HOSTILE = ['\u0000', '\ud800', '\udfff', '\u202e', '\u200f', '\u200b', '\u200d', '\ufeff', '\u001b[31m', '\u001b]0;x\u0007', '\r\n', '\u0085', '\u2028'];
/** Marks generated strings, so an echo of them is recognisable in any answer. */
const tag = (s: string) => `fz${s}`;
const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE).map(tag),
  fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 12 })).map(([a, h, b]) => tag(`${a}${h}${b}`)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(tag),
  fc.constant(tag(`${'\u202e'.repeat(3)}${'x'.repeat(70_000)}`)),
);
const deep = (n: number, leaf: unknown): unknown => (n === 0 ? leaf : { a: deep(n - 1, leaf) });
const deepArray = (n: number): unknown => (n === 0 ? [] : [deepArray(n - 1)]);
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]), fc.constant(-1), fc.constant(1e308));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: wrongType },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 40 }).map((n) => deep(n, tag('\u0000'))) },
);

type Doc = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, any> } };
type Op = { method: string; path: string; schema: any };

/** A plausible value for a schema property: its example, enum or type. */
function plausible(doc: Doc, s: any, depth = 0): unknown {
  const schema = resolve(doc, s);
  if (!schema || depth > 4) return 'x';
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'array') return [plausible(doc, schema.items, depth + 1)];
  if (schema.type === 'object' || schema.properties) return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, plausible(doc, v, depth + 1)]));
  if (schema.type === 'integer' || schema.type === 'number') return 1;
  if (schema.type === 'boolean') return true;
  if (schema.format === 'date-time') return new Date(Date.now() - 60_000).toISOString();
  return 'fuzz-value';
}

function resolve(doc: Doc, schema: any): any {
  if (schema?.$ref) return doc.components?.schemas?.[String(schema.$ref).split('/').pop()!];
  if (schema?.allOf?.length === 1) return resolve(doc, schema.allOf[0]);
  return schema;
}

/** Bodies: a plausible body with some fields replaced, hostile keys, deep nesting, a 1 MB string, wrong top-level types. */
function bodies(doc: Doc, schema: any): fc.Arbitrary<unknown> {
  const base = (plausible(doc, schema) ?? {}) as Record<string, unknown>;
  const keys = base && typeof base === 'object' && !Array.isArray(base) ? Object.keys(base) : [];
  const mutated = fc
    .tuple(fc.subarray(keys.length ? keys : ['x'], { minLength: 1 }), fc.array(hostileValue, { minLength: keys.length || 1, maxLength: keys.length || 1 }))
    .map(([chosen, values]) => ({ ...base, ...Object.fromEntries(chosen.map((k, i) => [k, values[i]])) }));
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: fc.tuple(hostileString, hostileValue).map(([k, v]) => ({ ...base, [k]: v })) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(deep(1500, 1), { checks: deepArray(1500) }, deep(40, 'x')) },
    { weight: 1, arbitrary: fc.constant({ ...base, [keys[0] ?? 'x']: tag('\u0000'.repeat(8) + 'y'.repeat(1 << 20)) }) },
    { weight: 1, arbitrary: fc.oneof(wrongType, hostileString, fc.array(hostileValue, { maxLength: 3 })) },
  );
}

/**
 * Every generated string in a body: values, and keys other than plain names (an unknown key that
 * is a plain name, like a misspelt field, may be named in `details[].field`: README, HTTP conventions).
 */
function taggedStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') {
    if (v.startsWith('fz') && v.length > 2) out.push(v);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k.startsWith('fz') && !/^[A-Za-z0-9_]{1,64}$/.test(k)) out.push(k);
      taggedStrings(x, out);
    }
  }
  return out;
}

function answerStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(k), answerStrings(x, out);
  return out;
}

describe.each(['pglite', 'postgres'] as const)('fuzzing every command route of the OpenAPI document (%s)', (backend) => {
  let t: TestApp;
  let doc: Doc;
  let ops: Op[];
  const params: Record<string, string> = {};
  const idsByPrefix: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ backend });
    doc = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as Doc;
    ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      COMMAND_METHODS.filter((m) => item[m]).map((m) => ({ method: m.toUpperCase(), path, schema: item[m].requestBody?.content?.['application/json']?.schema ?? null })),
    );
    // Real ids for path parameters, so the fuzzed body reaches the command, not only a 404.
    const ok = (r: { status: number; body: any }, what: string) => {
      if (r.status >= 300) throw new Error(`fixture ${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    ok(await t.request('POST', '/consent/record', { user_id: USER, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], consent_status: 'granted', consent_timestamp: new Date(Date.now() - 60_000).toISOString(), legal_basis: 'consent', consent_version: 'v1' }), 'consent');
    ok(await t.request('POST', '/governance/systems', { system_id: 'fuzz-sys', name: 'Fuzz', owner: 'ops', storage: [{ country: 'DE' }] }), 'system');
    ok(await t.request('POST', '/governance/systems/fuzz-sys/elements', { element_id: 'fuzz-el', name: 'email', category: 'user.contact.email' }), 'element');
    const dsr = ok(await t.request('POST', '/data-subject/requests', { user_id: USER, request_type: 'access', jurisdiction: 'GDPR' }), 'request');
    const breach = await t.request('GET', '/breaches');
    Object.assign(params, { user_id: USER, element: 'fuzz-el', service: 'fuzz-svc', task_id: randomUUID() });
    Object.assign(idsByPrefix, { '/data-subject/requests/': dsr.request_id, '/governance/systems/': 'fuzz-sys', '/breaches/': breach.body?.breaches?.[0]?.breach_id ?? randomUUID(), '/demo/': randomUUID() });
  });
  afterAll(() => t?.close());

  /** Path parameters: the seeded ids where a route expects one, a fresh UUID or slug otherwise. */
  const pathFor = (path: string) =>
    path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const byPrefix = Object.entries(idsByPrefix).find(([prefix]) => path.startsWith(prefix));
      const value = name === 'id' && byPrefix ? byPrefix[1] : (params[name] ?? (name === 'id' ? 'fuzz-id' : randomUUID()));
      return encodeURIComponent(value);
    });

  it('enumerates the command routes from /docs/openapi.json', () => {
    expect(ops.length).toBeGreaterThan(30);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(expect.arrayContaining(['POST /consent/record', 'POST /consent/withdraw', 'POST /data-subject/requests']));
  });

  it('answers every generated body below 500, without echoing a rejected value', async () => {
    const failures: string[] = [];
    for (const [i, op] of ops.entries()) {
      const arb = op.schema ? bodies(doc, op.schema) : fc.oneof(hostileValue, fc.constant(undefined));
      await fc.assert(
        fc.asyncProperty(arb, async (body) => {
          const res = await t.request(op.method, pathFor(op.path), body === undefined ? undefined : JSON.stringify(body));
          const where = `${op.method} ${op.path} -> ${res.status}`;
          if (res.status >= 500) failures.push(`${where}: ${JSON.stringify(res.body).slice(0, 200)}`);
          if (res.status >= 400) {
            const answer = answerStrings(res.body);
            for (const s of taggedStrings(body)) {
              if (answer.some((a) => a.includes(s))) failures.push(`${where}: echoes a rejected value ${JSON.stringify(s.slice(0, 40))} in ${JSON.stringify(res.body).slice(0, 300)}`);
            }
            if (answer.some((a) => /[\u0000-\u0008\u000b\u000e-\u001f\u007f\u202e\u200b]/.test(a))) failures.push(`${where}: control characters in the error body`);
          }
          return true;
        }),
        { seed: SEED + i, numRuns: RUNS, endOnFailure: true },
      );
    }
    expect([...new Set(failures)]).toEqual([]);
  });

  it('leaves every projection at the head, and a withdrawal afterwards is denied by validate', async () => {
    const validate = () => t.request('GET', `/consent/validate?user_id=${encodeURIComponent(USER)}&data_category=user.contact.email&processing_purpose=marketing`);
    expect((await validate()).body).toMatchObject({ processing_allowed: true });
    const withdrawn = await t.request('POST', '/consent/withdraw', { user_id: USER, data_categories: [] });
    expect(withdrawn.status).toBeLessThan(300);
    expect((await validate()).body).toMatchObject({ processing_allowed: false, reason: 'consent_withdrawn' });
    let lags: Array<{ projection: string; behind: number }> = [];
    for (let i = 0; i < 300; i++) {
      const health = await t.request('GET', '/health', undefined, null);
      lags = health.body.checks?.projections?.detail ?? [];
      if (lags.length && lags.every((l) => l.behind === 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(lags.filter((l) => l.behind !== 0)).toEqual([]);
    expect(lags.length).toBeGreaterThan(3);
  });
});
