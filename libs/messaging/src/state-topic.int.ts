import { consent, type RecordedEvent } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { SUBJECT, givenEvent, optOutEvent, restrictedEvent } from '../../../test/support/consent-events';
import { consentStateBinding } from './consent-state';
import { StateTopicFolder, type StateMessageV1 } from './state-topic';
import { newEvent } from '../test/kafka-support';

/**
 * The consent-state topic's fold (no broker needed): every message carries the subject's state
 * through its event, as the decider's own evolve folds the stream, whatever the batching and
 * whether the folder continues from its cache or reads the stream again.
 */
describe.each(SQL_BACKENDS)('StateTopicFolder on %s', (_name, open) => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  beforeEach(async () => {
    fresh = await open();
    store = new SqlEventStore(fresh.db);
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    await fresh.drop();
  });

  const facts: consent.ConsentEvent[] = [
    givenEvent({ consent_id: 'c1' }),
    optOutEvent('2026-02-01T00:00:00.000Z'),
    restrictedEvent('2026-03-01T00:00:00.000Z'),
    givenEvent({ consent_id: 'c2', at: '2026-04-01T00:00:00.000Z', data_categories: ['user.behavior'], processing_purposes: ['analytics.reporting'] }),
    {
      type: 'consent.withdrawn',
      data: { subject_key: SUBJECT, withdrawn_at: '2026-05-01T00:00:00.000Z', data_categories: null, processing_purposes: null, affected: [{ category: 'user.contact.email', purpose: 'marketing.communications.email', consent_id: 'c1' }] },
    },
  ];
  const expected = facts.map((_, i) => consent.snapshotOf(facts.slice(0, i + 1).reduce(consent.evolve, consent.initialConsentState())));
  const states = (msgs: { value: string | null }[]) => msgs.map((m) => (JSON.parse(m.value!) as StateMessageV1).state);

  async function recorded(): Promise<RecordedEvent[]> {
    for (const f of facts) await store.append(consent.consentStreamId(SUBJECT), [newEvent(f.type, f.data as never)], 'any');
    return (await store.readStream(consent.consentStreamId(SUBJECT))).events;
  }

  it('one batch, one event per batch, and a reset or a fresh folder mid-stream all give the decider fold through each event', async () => {
    const events = await recorded();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(facts.map((f) => f.type)));
    expect(states(await new StateTopicFolder(consentStateBinding, store).messagesFor(events))).toEqual(expected);

    const oneByOne = new StateTopicFolder(consentStateBinding, store);
    const out = [];
    for (const e of events) out.push(...(await oneByOne.messagesFor([e])));
    expect(states(out)).toEqual(expected);

    const resumed = new StateTopicFolder(consentStateBinding, store);
    const first = await resumed.messagesFor(events.slice(0, 2));
    resumed.reset();
    const rest = await resumed.messagesFor(events.slice(2, 4));
    const fresh = await new StateTopicFolder(consentStateBinding, store).messagesFor(events.slice(4));
    expect(states([...first, ...rest, ...fresh])).toEqual(expected);
    // a batch that repeats an event already folded (a redelivery) folds it once
    const again = new StateTopicFolder(consentStateBinding, store);
    await again.messagesFor(events.slice(0, 3));
    expect(states(await again.messagesFor(events.slice(2, 3)))).toEqual([expected[2]]);
  });
});
