import { storableText, type RecordedEvent } from '@pl/domain';
import { storableEvent } from './runner';

const event = (data: Record<string, unknown>, rawData = JSON.stringify(data)): RecordedEvent => {
  const metadata = { event_id: 'e-1', occurred_at: '2026-12-03T00:00:00.000Z', recorded_at: '2026-12-03T00:00:00.000Z', actor: 'test', correlation_id: 'c', causation_id: null };
  return {
    streamId: 's', revision: 0n, position: { tx: 1n, pos: 1n }, globalPosition: 1n, type: 't.happened', schemaVersion: 1,
    data: data as RecordedEvent['data'], metadata, raw: { data: rawData, metadata: JSON.stringify(metadata), schemaVersion: 1 },
  };
};

describe('storableEvent (what a read model may store)', () => {
  it('returns the event itself when its stored text has nothing that could need escaping', () => {
    const e = event({ note: 'plain text, accents é and 中文', list: ['a', 'b'] });
    expect(storableEvent(e)).toBe(e);
  });

  it('escapes NUL, lone surrogates and noncharacters that the stored text carries as JSON escapes or as they are', () => {
    for (const bad of ['a\u0000b', 'x\ud800', '\ufdd0y']) {
      const e = event({ note: bad });
      const out = storableEvent(e);
      expect(out).not.toBe(e);
      expect(storableText(bad)).not.toBe(bad);
      expect(out.data.note).toBe(storableText(bad));
    }
  });

  it('walks the data when the stored text is unknown (no raw form) or holds an escape that may be harmless', () => {
    const e = { ...event({ note: 'ok' }), raw: undefined };
    expect(storableEvent(e).data).toEqual({ note: 'ok' });
    const emoji = event({ note: 'smile \ud83d\ude00' });
    expect(storableEvent(emoji).data).toEqual({ note: 'smile \ud83d\ude00' });
  });
});
