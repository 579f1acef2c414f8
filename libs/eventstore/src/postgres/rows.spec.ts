import { UpcasterRegistry } from '@pl/domain';
import { decodeRow, type EventRow } from './rows';

const registry = new UpcasterRegistry([
  { type: 'consent.given', fromVersion: 1, upcast: (d: { purpose: string }) => ({ purposes: [d.purpose] }) },
  { type: 'consent.given', fromVersion: 2, upcast: (d: { purposes: string[] }) => ({ ...d, source: 'unknown' }) },
]);

const row = (over: Partial<EventRow>): EventRow => ({
  gp: '42',
  tx: '7',
  stream_id: 'consent-sub_x',
  revision: '3',
  type: 'consent.given',
  schema_version: 1,
  data: '{"purpose":"ads"}',
  metadata: '{"event_id":"e1","actor":"service:t"}',
  ...over,
});

describe('decodeRow (the upcaster hook on read)', () => {
  it('lifts an old row through every upcaster to the current version and keeps the stored bytes', () => {
    const e = decodeRow(row({}), registry);
    expect(e.schemaVersion).toBe(3);
    expect(e.data).toEqual({ purposes: ['ads'], source: 'unknown' });
    expect(e.raw).toEqual({ data: '{"purpose":"ads"}', metadata: '{"event_id":"e1","actor":"service:t"}', schemaVersion: 1 });
    expect(e).toMatchObject({ streamId: 'consent-sub_x', revision: 3n, position: { tx: 7n, pos: 42n }, globalPosition: 42n });
  });

  it('starts from the stored version and leaves current rows and other types alone', () => {
    expect(decodeRow(row({ schema_version: 2, data: '{"purposes":["a"]}' }), registry).data).toEqual({ purposes: ['a'], source: 'unknown' });
    expect(decodeRow(row({ schema_version: 3, data: '{"purposes":["a"],"source":"web"}' }), registry).data).toEqual({ purposes: ['a'], source: 'web' });
    const other = decodeRow(row({ type: 'consent.withdrawn', data: '{"purpose":"ads"}' }), registry);
    expect([other.schemaVersion, other.data]).toEqual([1, { purpose: 'ads' }]);
  });
});
