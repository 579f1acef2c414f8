import { startTestApp, type TestApp } from '../support/app';

type Doc = {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, any> };
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The OpenAPI document must be usable to build requests and read answers: bodies, parameters, summaries, responses. */
describe('OpenAPI document (/docs/openapi.json)', () => {
  let t: TestApp;
  let doc: Doc;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] as any, label: `${m.toUpperCase()} ${path}` })),
    );
  const resolve = (schema: any): any => {
    if (schema?.$ref) return doc.components?.schemas?.[String(schema.$ref).replace('#/components/schemas/', '')];
    return schema;
  };

  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', worker: false });
    const res = await fetch(`${t.url}/docs/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(() => t.close());

  it('lists the routes of the contexts', () => {
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(expect.arrayContaining(['/consent/record', '/consent/validate', '/consent/{user_id}']));
    expect(operations().length).toBeGreaterThan(20);
  });

  it('every JSON request body schema has properties', () => {
    const empty: string[] = [];
    for (const { op, label } of operations()) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (!schema) continue;
      const s = resolve(schema);
      if (!s) { empty.push(`${label}: unresolved ${schema.$ref}`); continue; }
      if (s.type === 'array') continue;
      if (!s.properties || Object.keys(s.properties).length === 0) empty.push(`${label} (${schema.$ref ?? 'inline'})`);
    }
    expect(empty).toEqual([]);
  });

  it('/consent/validate documents its query parameters', () => {
    const params = (doc.paths['/consent/validate'].get.parameters ?? []) as Array<{ name: string; in: string; required?: boolean }>;
    const query = params.filter((p) => p.in === 'query').map((p) => p.name);
    expect(query).toEqual(expect.arrayContaining(['user_id', 'data_category', 'processing_purpose']));
  });

  it('every operation has a summary', () => {
    const missing = operations().filter(({ op }) => typeof op.summary !== 'string' || op.summary.trim() === '').map((o) => o.label);
    expect(missing).toEqual([]);
  });

  it('every operation documents a success (2xx) and an error (4xx) response, each with a schema', () => {
    const missing: string[] = [];
    const withSchema = (response: any): boolean => Object.values(response?.content ?? {}).some((c: any) => !!c?.schema);
    for (const { op, label } of operations()) {
      const entries = Object.entries(op.responses ?? {}) as Array<[string, any]>;
      const success = entries.filter(([s]) => /^2\d\d$/.test(s));
      // a redirect (the OpenID Connect sign-in) succeeds with where it goes: its Location header, with a schema
      const redirect = entries.some(([s, r]) => /^30[1237]$/.test(s) && !!r?.headers?.Location?.schema);
      if (!redirect && !success.some(([s, r]) => s === '204' || withSchema(r))) missing.push(`${label}: no 2xx with a schema`);
      // a public operation without parameters (GET /audit/public-key) refuses nothing: it has no 4xx to document
      const refusesNothing = Array.isArray(op.security) && op.security.length === 0 && !op.parameters?.length && !op.requestBody;
      if (!refusesNothing && !entries.some(([s, r]) => /^4\d\d$/.test(s) && withSchema(r))) missing.push(`${label}: no 4xx with a schema`);
    }
    expect(missing).toEqual([]);
  });

  it('every error response carries the one error body, as the exception filter sends it', async () => {
    const refs = new Set<string>();
    for (const { op } of operations()) {
      for (const [status, response] of Object.entries(op.responses ?? {}) as Array<[string, any]>) {
        if (Number(status) >= 400) refs.add(response.content?.['application/json']?.schema?.$ref ?? `${status}: none`);
      }
    }
    expect([...refs]).toEqual(['#/components/schemas/ErrorBody']);
    const unauthorised = await fetch(`${t.url}/consent/declared-bases`);
    expect(unauthorised.status).toBe(401);
    const body = (await unauthorised.json()) as object;
    expect(Object.keys(body).sort()).toEqual(Object.keys(resolve({ $ref: '#/components/schemas/ErrorBody' }).properties).sort());
  });

  it('every path parameter is documented', () => {
    const missing: string[] = [];
    for (const { path, op, label } of operations()) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const documented = new Set(((op.parameters ?? []) as Array<{ name: string; in: string }>).filter((p) => p.in === 'path').map((p) => p.name));
      for (const n of names) if (!documented.has(n)) missing.push(`${label}: ${n}`);
    }
    expect(missing).toEqual([]);
  });
});
