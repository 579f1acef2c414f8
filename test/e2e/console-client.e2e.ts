import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SCHEMA = join(ROOT, 'apps/console/src/api/schema.d.ts');

/** `npm run gen:console-client -- --check --doc <file>`: its exit code and output. */
async function check(docFile: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run('bash', ['bench/run.sh', 'scripts/openapi/console-client.ts', '--check', '--doc', docFile], { cwd: ROOT });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/**
 * The console's typed client (issue 19): apps/console/src/api/schema.d.ts is generated from the
 * OpenAPI document the API serves; a route, parameter or answer that changes without regenerating
 * it fails here (and `tsc -p apps/console/tsconfig.json` then checks the console's calls against it).
 */
describe('console client types (apps/console/src/api/schema.d.ts)', () => {
  let t: TestApp;
  let dir: string;
  let doc: { paths: Record<string, Record<string, any>> };

  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', worker: false });
    const res = await fetch(`${t.url}/docs/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
    dir = mkdtempSync(join(tmpdir(), 'pl-console-client-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('are what the document the API serves gives today (else: npm run gen:console-client)', async () => {
    const file = join(dir, 'served.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = await check(file);
    expect(r.out).toContain('console client types are current');
    expect(r.code).toBe(0);
  });

  it('are stale once an answer of the document changes: the check names the command to run', async () => {
    const changed = structuredClone(doc);
    const counts = changed.paths['/data-subject/requests/counts'].get.responses['200'].content['application/json'].schema;
    counts.properties.reopened = { type: 'number' };
    const file = join(dir, 'changed.json');
    writeFileSync(file, JSON.stringify(changed));
    const r = await check(file);
    expect(r.code).toBe(1);
    expect(r.out).toContain('npm run gen:console-client');
  });

  it('describe the console routes with their parameters and answers', () => {
    const text = readFileSync(SCHEMA, 'utf8');
    for (const path of ['/auth/session', '/data-subject/requests', '/data-subject/requests/{id}', '/data-subject/requests/{id}/timeline', '/data-subject/requests/counts', '/breaches']) {
      expect(text).toContain(`"${path}": {`);
    }
    // the queue's filters are the document's enums, not strings
    expect(text).toMatch(/request_type\?: "access" \| "rectification"/);
  });
});
