import { Client } from 'pg';
import { freshPostgres, type FreshDatabase } from '../../../../test/support/databases';

const pid = async (f: FreshDatabase): Promise<number> => (await f.db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

describe('PgDatabase: pooled connections', () => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await freshPostgres();
  });
  afterAll(async () => f?.drop());

  it('keeps the connection after a statement the server refused (no new connection, no new backend for the next statement)', async () => {
    const before = await pid(f);
    for (const refused of ['SELECT 1 FROM no_such_table', 'SELECT 1/0']) {
      await expect(f.db.query(refused)).rejects.toMatchObject({ code: expect.any(String), severity: 'ERROR' });
      // one statement at a time: the pool hands out its one idle connection again
      expect(await pid(f)).toBe(before);
    }
    await f.db.exec('CREATE TABLE t (k int PRIMARY KEY); INSERT INTO t VALUES (1)');
    await expect(f.db.query('INSERT INTO t VALUES (1)')).rejects.toMatchObject({ code: '23505' });
    expect(await pid(f)).toBe(before);
  });

  it('drops a connection the server ended, and the next statement runs on a new one', async () => {
    const doomed = await pid(f);
    const admin = new Client({ connectionString: f.url! });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [doomed]);
    } finally {
      await admin.end();
    }
    await new Promise((r) => setTimeout(r, 200));
    // the ended connection fails once at most (FATAL or connection lost), then a fresh one serves
    let next: number;
    try {
      next = await pid(f);
    } catch {
      next = await pid(f);
    }
    expect(next).not.toBe(doomed);
    expect(await pid(f)).toBe(next);
  });

  it('prepares a named statement once on its connection and runs it again with new values; an unnamed one is not kept', async () => {
    const named = (k: number) => f.db.query<{ k: number; pid: number }>('SELECT $1::int AS k, pg_backend_pid() AS pid', [k], { name: 'pl_test_named' });
    const first = await named(1);
    const second = await named(2);
    expect([first.rows[0].k, second.rows[0].k]).toEqual([1, 2]);
    expect(second.rows[0].pid).toBe(first.rows[0].pid);
    await f.db.query('SELECT $1::int AS unnamed', [3]);
    const prepared = await f.db.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements ORDER BY name');
    expect(prepared.rows).toEqual([{ name: 'pl_test_named', statement: 'SELECT $1::int AS k, pg_backend_pid() AS pid' }]);
  });
});
