import { startTestApp, type TestApp } from '../support/app';

type Doc = {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, any> };
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The OpenAPI document must be usable to build requests: bodies, parameters and summaries. */
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
