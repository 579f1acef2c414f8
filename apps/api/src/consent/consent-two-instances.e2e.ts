import { PgDatabase } from '@pl/eventstore';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import type { FreshDatabase } from '../../../../test/support/databases';

/** Another process's view of the same PostgreSQL database: its own connection pool. */
const sameDatabase = (d: FreshDatabase): FreshDatabase => {
  const db = new PgDatabase(d.url!);
  return { db, url: d.url, name: d.name, drop: () => db.close() };
};

describe('read your writes across API instances (PostgreSQL, two APIs + one worker)', () => {
  let a: TestApp;
  let b: TestApp;
  let worker: TestApp;
  const shared: FreshDatabase[] = [];

  beforeAll(async () => {
    // Projections read below the cluster-wide transaction horizon (invariant 4): on this shared
    // server other sessions' open transactions can hold it back for seconds.
    const env = { CONSENT_READ_YOUR_WRITES_TIMEOUT_MS: '30000' };
    a = await startTestApp({ backend: 'postgres', worker: false, env });
    shared.push(sameDatabase(a.database), sameDatabase(a.database));
    b = await startTestApp({ database: shared[0], worker: false, env });
    worker = await startTestApp({ database: shared[1], worker: true, env });
  });
  afterAll(async () => {
    await b?.close();
    await worker?.close();
    for (const d of shared) await d.drop();
    await a?.close();
  });

  it('withdraw on A, validate on B answers false at once (10 rounds)', async () => {
    const q = (u: string) => `/consent/validate?user_id=${u}&data_category=user.contact.email&processing_purpose=marketing.communications.email`;
    for (let i = 0; i < 10; i++) {
      const user = `two-instances-${i}`;
      const rec = await a.request('POST', '/consent/record', {
        user_id: user,
        data_categories: ['user.contact'],
        processing_purposes: ['marketing.communications'],
        consent_status: 'granted',
        consent_timestamp: new Date().toISOString(),
        legal_basis: 'consent',
        consent_version: 'v1',
      });
      expect(rec.status).toBe(201);
      expect((await b.request('GET', q(user), undefined, b.adminKey)).body.processing_allowed).toBe(true);
      const w = await a.request('POST', '/consent/withdraw', { user_id: user, data_categories: ['user.contact'] });
      expect(w.status).toBe(200);
      const v = await b.request('GET', q(user), undefined, b.adminKey);
      expect(v.body).toMatchObject({ processing_allowed: false, reason: 'consent_withdrawn' });
    }
  }, 600_000);
});
