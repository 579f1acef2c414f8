import { START } from '@eventstore/db-client';
import { UpcasterRegistry } from '@pl/domain';
import { fromEsdbEvent, isServiceEvent, matchesPrefixes, SCHEMA_VERSION_KEY, toEventData, toReadPosition } from './mapping';

const metadata = { event_id: '9b0d2a4e-3c1f-4f7a-9a53-7d6c1e0b2f11', occurred_at: 'T', recorded_at: 'T', actor: 'service:x', correlation_id: 'c', causation_id: null };

describe('EventStoreDB mapping', () => {
  it('stores the schema version in metadata and gives it back, upcast, with the rest of the metadata untouched', () => {
    const data = toEventData({ type: 'consent.given', schemaVersion: 1, data: { purpose: 'ads' }, metadata });
    expect(data).toMatchObject({ id: metadata.event_id, type: 'consent.given', contentType: 'application/json', metadata: { ...metadata, [SCHEMA_VERSION_KEY]: 1 } });
    const upcasters = new UpcasterRegistry([{ type: 'consent.given', fromVersion: 1, upcast: (d: { purpose: string }) => ({ purposes: [d.purpose] }) }]);
    const recorded = fromEsdbEvent(
      {
        streamId: 'consent-sub_1',
        id: metadata.event_id,
        isJson: true,
        revision: 4n,
        type: 'consent.given',
        created: new Date(0),
        data: { purpose: 'ads' },
        metadata: data.metadata as Record<string, unknown>,
        position: { commit: 1200n, prepare: 1100n },
      },
      upcasters,
    );
    expect(recorded).toMatchObject({ streamId: 'consent-sub_1', revision: 4n, position: { tx: 1200n, pos: 1100n }, globalPosition: 1200n, schemaVersion: 2, data: { purposes: ['ads'] }, metadata });
    expect(recorded.metadata).not.toHaveProperty(SCHEMA_VERSION_KEY);
    expect(JSON.parse(recorded.raw!.data)).toEqual({ purpose: 'ads' });
  });

  it('maps the log start to START and positions to commit/prepare', () => {
    expect(toReadPosition({ tx: -1n, pos: -1n })).toBe(START);
    expect(toReadPosition({ tx: 10n, pos: 9n })).toEqual({ commit: 10n, prepare: 9n });
  });

  it('keeps only the service events and filters by type prefix', () => {
    const base = { id: 'x', revision: 0n, created: new Date(0), data: {}, metadata: undefined, isJson: true as const };
    expect(isServiceEvent({ ...base, streamId: 's-1', type: 'consent.given' })).toBe(true);
    expect(isServiceEvent({ ...base, streamId: '$stats-1', type: 'x' })).toBe(false);
    expect(isServiceEvent({ ...base, streamId: 's-1', type: '$metadata' })).toBe(false);
    expect(isServiceEvent(undefined)).toBe(false);
    expect(matchesPrefixes('consent.given', ['rights.', 'consent.'])).toBe(true);
    expect(matchesPrefixes('breach.noted', ['consent.'])).toBe(false);
    expect(matchesPrefixes('breach.noted', undefined)).toBe(true);
  });
});
