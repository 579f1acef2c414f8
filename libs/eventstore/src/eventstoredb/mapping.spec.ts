import { UpcasterRegistry } from '@pl/domain';
import { CAUSATION_KEY, CORRELATION_KEY, fromStored, isServiceEvent, matchesPrefixes, SCHEMA_VERSION_KEY, toEventData, toReadPosition } from './mapping';

const metadata = { event_id: '9b0d2a4e-3c1f-4f7a-9a53-7d6c1e0b2f11', occurred_at: 'T', recorded_at: 'T', actor: 'service:x', correlation_id: 'c', causation_id: 'k' };

describe('EventStoreDB mapping', () => {
  it('stores the schema version, $correlationId and $causationId in metadata and gives back the metadata as given, the data upcast and the stored bytes as raw', () => {
    const data = toEventData({ type: 'consent.given', schemaVersion: 1, data: { purpose: 'ads' }, metadata });
    expect(data).toMatchObject({
      id: metadata.event_id,
      type: 'consent.given',
      contentType: 'application/json',
      metadata: { ...metadata, [SCHEMA_VERSION_KEY]: 1, [CORRELATION_KEY]: 'c', [CAUSATION_KEY]: 'k' },
    });
    // stored bytes as the client writes them (JSON.stringify), with a space the re-serialised form would lose
    const rawData = '{"purpose": "ads"}';
    const rawMetadata = JSON.stringify(data.metadata);
    const upcasters = new UpcasterRegistry([{ type: 'consent.given', fromVersion: 1, upcast: (d: { purpose: string }) => ({ purposes: [d.purpose] }) }]);
    const recorded = fromStored(
      {
        rawData,
        rawMetadata,
        event: {
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
      },
      upcasters,
    );
    expect(recorded).toMatchObject({ streamId: 'consent-sub_1', revision: 4n, position: { tx: 1200n, pos: 1100n }, globalPosition: 1200n, schemaVersion: 2, data: { purposes: ['ads'] }, metadata });
    expect(recorded.metadata).toEqual(metadata);
    expect(recorded.raw).toEqual({ data: rawData, metadata: rawMetadata, schemaVersion: 1 });
  });

  it('maps the log start to the start of $all and positions to commit/prepare', () => {
    expect(toReadPosition({ tx: -1n, pos: -1n })).toBe('start');
    expect(toReadPosition({ tx: 10n, pos: 9n })).toEqual({ tx: 10n, pos: 9n });
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
