import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../apps/cli/main';
import type { CliIo } from '../../apps/cli/src/command';
import { demoSubjects } from '../../apps/cli/src/commands/seed';
import { startTestApp, type TestApp } from '../support/app';
import { freshPostgres, type FreshDatabase } from '../support/databases';

jest.setTimeout(180_000);

async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `seed` from the CLI into a fresh database, then what a new user sees through HTTP. */
describe('CLI seed: demo data a new user sees on the dashboards (postgres)', () => {
  let f: FreshDatabase;
  let t: TestApp;
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => undefined };
  // The same secrets as startTestApp, so the CLI and the API derive the same pseudonyms.
  const env = () => ({
    DATABASE_URL: f.url!,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-seed-')),
    MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    PSEUDONYM_SECRET: 'test-pseudonym-secret-0123456789',
  });

  beforeAll(async () => {
    f = await freshPostgres();
  });
  afterAll(async () => {
    await t?.close();
    await f?.drop();
  });

  it('loads the catalog, receipts and consents once; validate, data map and dashboard reflect them', async () => {
    expect(await runCli(['seed', '--subjects', '10'], { io, env: env() })).toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toMatch(/^catalog: 33 event\(s\) appended, 0 entries unchanged/);
    const expected = demoSubjects(10);
    const receipts = expected.reduce((n, s) => n + s.receipts.length, 0);
    const consents = expected.reduce((n, s) => n + s.consents.length, 0);
    const withdrawals = expected.filter((s) => s.withdraw).length;
    expect(withdrawals).toBeGreaterThan(0);
    expect(out[1]).toBe(`subjects: 10 (demo-user-1 .. demo-user-10): ${receipts} receipt(s), ${consents} consent(s), ${withdrawals} withdrawal(s)`);

    // A second run adds nothing.
    out.length = 0;
    expect(await runCli(['seed', '--subjects', '10'], { io, env: env() })).toBe(0);
    expect(out[0]).toMatch(/^catalog: 0 event\(s\) appended, 33 entries unchanged/);
    expect(out[1]).toMatch(/already has receipts; nothing added/);

    t = await startTestApp({ database: f });
    const dashboard = await eventually('catalog read model', async () => {
      const r = await t.request('GET', '/governance/dashboard');
      return r.body.counts?.systems === 5 ? r.body : null;
    });
    expect(dashboard.counts).toMatchObject({ systems: 5, activities: 4, flows: 4 });

    await eventually('consent read model', async () => (await t.request('GET', '/consent/demo-user-10')).body.known === true);
    const validate = async (user: string, category: string, purpose: string) =>
      (await t.request('GET', `/consent/validate?user_id=${user}&data_category=${category}&processing_purpose=${purpose}`)).body;
    // demo-user-1: newsletter consent, no analytics consent.
    expect(await validate('demo-user-1', 'user.contact.email', 'marketing.communications.email')).toMatchObject({ processing_allowed: true, reason: 'consent_given' });
    expect(await validate('demo-user-1', 'user.device.ip_address', 'analytics.reporting')).toMatchObject({ processing_allowed: false });
    // demo-user-4: analytics consent; newsletter consent withdrawn.
    expect(await validate('demo-user-4', 'user.device.ip_address', 'analytics.reporting')).toMatchObject({ processing_allowed: true });
    expect(await validate('demo-user-4', 'user.contact.email', 'marketing.communications.email')).toMatchObject({ processing_allowed: false, reason: 'consent_withdrawn' });
    // demo-user-5: Sec-GPC opt-out wins over the advertising consent.
    expect(await validate('demo-user-5', 'user.behavior.browsing_history', 'marketing.advertising.third_party')).toMatchObject({ processing_allowed: false, reason: 'opted_out' });

    const map = await eventually('data map', async () => {
      const r = await t.request('GET', '/privacy/data-map/demo-user-2');
      return r.body.systems?.length >= 3 ? r.body : null;
    });
    expect(map.systems.map((s: { system_id: string }) => s.system_id).sort()).toEqual(['accounts-db', 'newsletter', 'shop-web', 'web-analytics']);

    // Demo user ids are pseudonymised like any other: never in clear in the log.
    const clear = await t.infra.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM es_events WHERE stream_id LIKE '%demo-user%' OR data::text LIKE '%demo-user%'`);
    expect(clear.rows[0].n).toBe('0');
    expect((await t.request('GET', '/audit/verify')).body).toMatchObject({ ok: true });
  });
});
