import { randomUUID } from 'node:crypto';
import { handleCommand } from '@pl/application';
import { ccpaMetricsTimezone, ccpaRequestMetrics } from '@pl/domain/law/ccpa-metrics';
import { requestDecider, requestStreamId, type RightsCommand } from '@pl/domain/rights';
import type { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { projectWholeLog, projectionFixture } from '../../test/support/project-log';
import { requestMetricsGroups, rightsProjection } from './index';

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
