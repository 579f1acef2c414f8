import { randomUUID } from 'node:crypto';
import { handleCommand, rebuildProjection } from '@pl/application';
import { ccpaMetricsTimezone, ccpaRequestMetrics, type RequestMetricsGroup } from '@pl/domain/law/ccpa-metrics';
import { requestDecider, requestStreamId, type RightsCommand } from '@pl/domain/rights';
import type { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { projectWholeLog, projectionFixture } from '../../test/support/project-log';
import { requestMetricsGroups, requestMetricsGroupsScanned, rightsProjection } from './index';

/**
 * 11 CCR § 7102 figures from rm_rights: the year and the days to respond are California's calendar
 * days (a request received on 31 December 23:30 in Los Angeles is that year's, though UTC says 1 January).
 */
jest.setTimeout(120_000);
describe.each(SQL_BACKENDS)('CCPA request metrics from the rights projection on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;

  const run = (id: string, cmd: RightsCommand) => handleCommand(store, requestDecider, requestStreamId(id), cmd, { actor: 'apikey:test', correlationId: randomUUID(), now: cmd.now });
  const receive = async (type: 'opt_out_sale_sharing' | 'access', jurisdiction: 'CCPA' | 'GDPR', received: string, closed?: { at: string; rejected?: boolean }) => {
    const id = randomUUID();
    await run(id, { type: 'ReceiveRequest', requestId: id, subjectKey: `sub_${id.replace(/-/g, '')}`, requestType: type, jurisdiction, channel: 'api', openRequests: [], now: new Date(received) });
    if (closed?.rejected) await run(id, { type: 'RejectRequest', reason: 'manifestly_unfounded', explanation: 'test', now: new Date(closed.at) });
    else if (closed) await run(id, { type: 'CompleteRequest', now: new Date(closed.at) });
  };

  beforeAll(async () => {
    ({ f, store } = await projectionFixture(fresh, rightsProjection));
    await receive('opt_out_sale_sharing', 'CCPA', '2026-01-01T07:30:00Z', { at: '2026-01-02T18:00:00Z' }); // 31 Dec 2025 23:30 PST -> 2 Jan: 2 days
    await receive('opt_out_sale_sharing', 'CCPA', '2025-06-10T12:00:00Z', { at: '2025-06-15T06:00:00Z' }); // 10 Jun -> 14 Jun 23:00 PDT: 4 days (5 in UTC)
    await receive('opt_out_sale_sharing', 'CCPA', '2025-07-01T12:00:00Z', { at: '2025-07-08T12:00:00Z', rejected: true }); // 7 days
    await receive('opt_out_sale_sharing', 'CCPA', '2025-08-01T12:00:00Z');
    await receive('opt_out_sale_sharing', 'CCPA', '2026-01-01T08:30:00Z', { at: '2026-01-01T09:00:00Z' }); // 1 Jan 2026 00:30 PST: next year
    await receive('opt_out_sale_sharing', 'CCPA', '2025-01-01T07:59:00Z', { at: '2025-01-01T09:00:00Z' }); // 31 Dec 2024 23:59 PST: previous year
    await receive('access', 'GDPR', '2025-03-01T12:00:00Z');
    await projectWholeLog(f.db, store, rightsProjection);
  });
  afterAll(() => f.drop());

  it('counts the California year of receipt and California days to the response', async () => {
    const tz = ccpaMetricsTimezone();
    expect(tz).toBe('America/Los_Angeles');
    const groups = await requestMetricsGroups(f.db, 'CCPA', 2025, tz);
    expect([...groups].sort((a, b) => (a.days ?? -1) - (b.days ?? -1))).toEqual([
      { request_type: 'opt_out_sale_sharing', status: 'verified', days: null, n: 1 },
      { request_type: 'opt_out_sale_sharing', status: 'completed', days: 2, n: 1 },
      { request_type: 'opt_out_sale_sharing', status: 'completed', days: 4, n: 1 },
      { request_type: 'opt_out_sale_sharing', status: 'rejected', days: 7, n: 1 },
    ]);
    expect(ccpaRequestMetrics(2025, tz, groups).rows.find((r) => r.metric === 'opt_out_sale_sharing')).toMatchObject({
      received: 4, complied_in_whole_or_in_part: 2, denied: 1, pending: 1, median_days: 4, mean_days: 4.3,
    });
    expect((await requestMetricsGroups(f.db, 'CCPA', 2024, tz)).map((g) => g.n)).toEqual([1]);
    expect((await requestMetricsGroups(f.db, 'CCPA', 2026, tz)).map((g) => g.n)).toEqual([1]);
  });
});

/**
 * The § 7102 counts the trigger keeps (request_metrics) are the requests grouped: after each step the
 * projection applies (a request received, then verified, completed, rejected or extended; a subject
 * erased), and after a rebuild into a shadow schema renamed live.
 */
describe.each(SQL_BACKENDS)('request_metrics, the kept § 7102 counts, on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  const tz = ccpaMetricsTimezone();
  const run = (id: string, cmd: RightsCommand) => handleCommand(store, requestDecider, requestStreamId(id), cmd, { actor: 'apikey:test', correlationId: randomUUID(), now: cmd.now });
  const sorted = (groups: RequestMetricsGroup[]) => [...groups].sort((a, b) => `${a.request_type}/${a.status}/${a.days}`.localeCompare(`${b.request_type}/${b.status}/${b.days}`));
  const kept = async (year = 2025) => sorted(await requestMetricsGroups(f.db, 'CCPA', year, tz));
  const scanned = async (year = 2025) => sorted(await requestMetricsGroupsScanned(f.db, 'CCPA', year, tz));

  beforeAll(async () => {
    ({ f, store } = await projectionFixture(fresh, rightsProjection));
  });
  afterAll(() => f.drop());

  it('follow each request from receipt to its outcome, and survive a rebuild', async () => {
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const subject = `sub_${'a'.repeat(32)}`;
    for (const [i, id] of ids.entries()) {
      const at = new Date(Date.UTC(2025, 2 + i, 10, 12));
      await run(id, { type: 'ReceiveRequest', requestId: id, subjectKey: i < 2 ? subject : `sub_${id.replace(/-/g, '')}`, requestType: i % 2 ? 'access' : 'opt_out_sale_sharing', jurisdiction: 'CCPA', channel: 'api', openRequests: [], now: at });
    }
    await projectWholeLog(f.db, store, rightsProjection);
    expect((await kept()).reduce((s, g) => s + g.n, 0)).toBe(6);
    expect(await kept()).toEqual(await scanned());

    await run(ids[0], { type: 'CompleteRequest', now: new Date('2025-03-20T12:00:00Z') });
    await run(ids[2], { type: 'RejectRequest', reason: 'manifestly_unfounded', explanation: 'test', now: new Date('2025-05-12T12:00:00Z') });
    await run(ids[4], { type: 'CompleteRequest', now: new Date('2025-07-11T06:30:00Z') }); // 10 Jul 23:30 PDT: 0 days
    await projectWholeLog(f.db, store, rightsProjection);
    const after = await kept();
    expect(after).toEqual(await scanned());
    expect(after).toEqual(expect.arrayContaining([
      { request_type: 'opt_out_sale_sharing', status: 'completed', days: 10, n: 1 },
      { request_type: 'opt_out_sale_sharing', status: 'rejected', days: 2, n: 1 },
      { request_type: 'opt_out_sale_sharing', status: 'completed', days: 0, n: 1 },
    ]));
    // no group left at zero is read
    expect(after.every((g) => g.n > 0)).toBe(true);

    await rebuildProjection(f.db, store, rightsProjection);
    expect(await kept()).toEqual(after);
    expect(await kept(2024)).toEqual([]);
  });

  it('another zone than the kept one groups the requests themselves', async () => {
    const utc = sorted(await requestMetricsGroups(f.db, 'CCPA', 2025, 'UTC'));
    expect(utc).toEqual(sorted(await requestMetricsGroupsScanned(f.db, 'CCPA', 2025, 'UTC')));
    // 11 Jul 06:30 UTC is 10 Jul in California: 0 days there, 1 in UTC
    expect(utc).toEqual(expect.arrayContaining([{ request_type: 'opt_out_sale_sharing', status: 'completed', days: 1, n: 1 }]));
  });
});
