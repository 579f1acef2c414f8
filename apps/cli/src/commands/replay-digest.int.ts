import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyLog, replayDigests } from '@pl/application';
import { POSITION_IDS_TABLE, readModelDigest } from '@pl/audit';
import { domainUpcasters, LOG_START } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { freshPglite, freshPostgres, type FreshDatabase } from '../../../../test/support/databases';
import { PROJECTIONS } from '../../../worker/src/registry';
import { runCli } from '../../main';
import { captureCliIo } from '../../../../test/support/cli-io';

jest.setTimeout(300_000);

describe('replay digests: the same log replayed on PostgreSQL and PGlite gives equal read models (issue 15)', () => {
  let source: FreshDatabase;
  let env: NodeJS.ProcessEnv;
  const cli = async (...argv: string[]) => {
    const io = captureCliIo();
    const code = await runCli(argv, { io, env });
    return { code, ...io };
  };

  beforeAll(async () => {
    source = await freshPostgres('pl_digest_src');
    env = { DATABASE_URL: source.url!, DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-digest-')), MASTER_KEY: Buffer.alloc(32, 5).toString('base64') };
    const seeded = await cli('seed', '--subjects', '4');
    expect(seeded.code).toBe(0);
  });
  afterAll(() => source.drop());

  it('cli replay-digest copies the log into PGlite and an empty PostgreSQL database and finds every compared read model equal', async () => {
    const target = await freshPostgres('pl_digest_dst');
    try {
      const r = await cli('replay-digest', 'pglite', target.url!);
      expect(r.stderr).toEqual([]);
      expect(r.code).toBe(0);
      // both copies hold the same prefix of the log (up to the head when the command started)
      const events = Number(/^pglite: (\d+) events copied$/.exec(r.stdout[0])?.[1]);
      expect(events).toBeGreaterThan(20);
      expect(r.stdout).toEqual(expect.arrayContaining([`pglite: ${events} events copied`, `postgres 127.0.0.1:5432/${target.name}: ${events} events copied`]));
      for (const p of PROJECTIONS.filter((d) => d.name !== 'audit_chain')) {
        expect(r.stdout).toContainEqual(expect.stringMatching(new RegExp(`^${p.name} +pglite [0-9a-f]{64}  postgres \\S+ [0-9a-f]{64}  equal$`)));
      }
      expect(r.stdout).toContainEqual(expect.stringMatching(/^audit_chain +not compared: its links hash each event with its log position/));
      expect(r.stdout[r.stdout.length - 1]).toMatch(/^every compared read model equal on pglite, postgres /);
      // the target now holds the same log: same streams, revisions, types and stored bytes, in the same order
      const copy = await new SqlEventStore(target.db).readAll(LOG_START, { maxCount: 100_000 });
      const original = (await new SqlEventStore(source.db).readAll(LOG_START, { maxCount: 100_000 })).slice(0, events);
      const shape = (e: (typeof copy)[number]) => [e.streamId, String(e.revision), e.type, e.raw?.data, e.raw?.metadata];
      expect(copy.map(shape)).toEqual(original.map(shape));
      // a second run refuses the target that is no longer empty
      const again = await cli('replay-digest', target.url!);
      expect(again.code).toBe(2);
      expect(again.stderr).toEqual(['replay-digest: the target log is not empty']);
    } finally {
      await target.drop();
    }
  });

  it('the digests are portable only because positions become event ids; a changed row changes them', async () => {
    const src = new SqlEventStore(source.db, { upcasters: domainUpcasters() });
    const pg = await freshPostgres('pl_digest_pg');
    const lite = await freshPglite();
    try {
      const stores = [new SqlEventStore(pg.db, { upcasters: domainUpcasters(), notify: false }), new SqlEventStore(lite.db, { upcasters: domainUpcasters() })];
      const upTo = await src.headPosition();
      for (const s of stores) {
        await s.init();
        await copyLog(src, s, { upTo });
      }
      const defs = PROJECTIONS.filter((p) => p.name === 'event_counts' || p.name === 'consent');
      const [onPg, onLite] = [await replayDigests(pg.db, stores[0], defs), await replayDigests(lite.db, stores[1], defs)];
      expect(onPg).toEqual(onLite);
      expect(onPg.every((d) => d.events > 0 && /^[0-9a-f]{64}$/.test(d.digest ?? ''))).toBe(true);
      // the plain digest keeps each backend's transaction ids: it differs for the same log
      expect((await readModelDigest(pg.db, 'event_counts')).digest).not.toBe((await readModelDigest(lite.db, 'event_counts')).digest);
      // one row changed on one side: the portable digest tells
      await lite.db.query('UPDATE rm_event_counts.event_counts SET count = count + 1 WHERE type = (SELECT min(type) FROM rm_event_counts.event_counts)');
      expect((await readModelDigest(lite.db, 'event_counts', { positionIds: POSITION_IDS_TABLE })).digest).not.toBe(onPg.find((d) => d.name === 'event_counts')!.digest);
      await expect(copyLog(src, stores[1])).rejects.toThrow('the target log is not empty');
    } finally {
      await pg.drop();
      await lite.drop();
    }
  });

  it('refuses an unknown target scheme with exit 2, naming no credentials', async () => {
    const r = await cli('replay-digest', 'mysql://user:hunter2@db/x');
    expect(r.code).toBe(2);
    expect(r.stderr.join('\n')).toMatch(/unknown target scheme mysql:/);
    expect(r.stderr.join('\n')).not.toContain('hunter2');
  });
});
