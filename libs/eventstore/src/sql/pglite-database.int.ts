import { PgliteDatabase } from './pglite-database';

describe('PgliteDatabase', () => {
  let db: PgliteDatabase;
  beforeAll(async () => {
    db = await PgliteDatabase.open();
  }, 60_000);
  afterAll(async () => db?.close());

  it('gives the event loop a turn during a long transaction: a timer due meanwhile runs before it ends', async () => {
    let statements = 0;
    let timerSawStatements: number | null = null;
    setTimeout(() => (timerSawStatements = statements), 1);
    await db.transaction(async (tx) => {
      const end = performance.now() + 200;
      while (performance.now() < end) {
        await tx.query('SELECT 1');
        statements += 1;
      }
    });
    expect(statements).toBeGreaterThan(10);
    // the timer ran while the transaction's statements were still going, not after the last one
    expect(timerSawStatements).not.toBeNull();
    expect(timerSawStatements!).toBeLessThan(statements);
  });

  it('keeps a transaction exclusive across its turns: a statement from outside waits for the commit', async () => {
    await db.exec('CREATE TABLE turns (n int)');
    let issuedDuringTransaction = false;
    let inTransaction = true;
    const outside = new Promise<number>((resolve, reject) =>
      setTimeout(() => {
        issuedDuringTransaction = inTransaction;
        db.query<{ c: number }>('SELECT count(*)::int AS c FROM turns').then((r) => resolve(r.rows[0].c), reject);
      }, 1),
    );
    await db.transaction(async (tx) => {
      const end = performance.now() + 100;
      while (performance.now() < end) await tx.query('INSERT INTO turns VALUES (1)');
    });
    inTransaction = false;
    const total = (await db.query<{ c: number }>('SELECT count(*)::int AS c FROM turns')).rows[0].c;
    expect(issuedDuringTransaction).toBe(true);
    expect(total).toBeGreaterThan(10);
    // issued mid-transaction, it saw every row or none: it ran after the commit
    expect(await outside).toBe(total);
  });
});
