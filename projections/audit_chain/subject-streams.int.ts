import { EventStoreDbEventStore } from '@pl/eventstore/eventstoredb/eventstoredb-event-store';
import { KurrentDbStandIn } from '../../test/support/kurrentdb-stand-in';
import { subjectRequestStreams } from './subject-streams';

/**
 * The request look-up without a SQL index (EventStoreDB): only the rights context's events leave the
 * server. Through the real client to the loopback stand-in server (test/support/kurrentdb-stand-in.ts),
 * which records what it was asked.
 */
describe('a subject\'s request streams on EventStoreDB', () => {
  const subject = `sub_${'A'.repeat(32)}`;
  const other = `sub_${'B'.repeat(32)}`;
  let server: KurrentDbStandIn;
  let store: EventStoreDbEventStore;

  beforeAll(async () => {
    server = new KurrentDbStandIn();
    store = EventStoreDbEventStore.fromConnectionString(await server.start());
    await store.init();
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it('finds them with a server-side filter on rights events, not by reading the whole log', async () => {
    server.write('dsr-r1', 'rights.request_received', JSON.stringify({ request_id: 'r1', subject_key: subject }));
    server.write('dsr-r1', 'rights.identity_verified', JSON.stringify({ request_id: 'r1' }));
    server.write('dsr-r2', 'rights.request_received', JSON.stringify({ request_id: 'r2', subject_key: other }));
    for (let i = 0; i < 20; i++) server.write(`consent-${subject}`, 'consent.given', JSON.stringify({ subject_key: subject }));
    const reads = server.reads.length;
    expect(await subjectRequestStreams(store, subject)).toEqual(new Set(['dsr-r1']));
    // forward reads of $all (a backwards read of one event finds the head)
    const asked = server.reads.slice(reads).filter((o) => o.hasAll() && o.getReadDirection() === 0);
    expect(asked.length).toBeGreaterThan(0);
    for (const o of asked) expect(o.getFilter()!.getEventType()!.getPrefixList()).toEqual(['rights.']);
  });
});
