import { randomInt } from 'node:crypto';
import { unsafeTextPath } from '@pl/domain';
import { jsonObjectOf, textIsClean } from './dead-lettering-consumer';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('jsonObjectOf (a message value as a JSON object, unsafe text refused: invariant 10)', () => {
  it.each([
    ['an escaped NUL in a value', '{"note":"SECRET\\u0000"}', /^note .*NUL/],
    ['an escaped lone high surrogate', '{"a":{"b":["x","SECRET\\ud800"]}}', /^a\.b\.1 .*lone UTF-16 surrogate/],
    ['an escaped lone low surrogate, upper-case hex', '{"note":"\\uDC00SECRET"}', /^note .*lone UTF-16 surrogate/],
    ['a raw noncharacter in a value', '{"note":"SECRET\ufdd0"}', /^note .*noncharacter/],
    ['an escaped noncharacter', '{"note":"SECRET\\uffff"}', /^note .*noncharacter/],
    ['a raw noncharacter in a key', '{"SECRET\ufffe":1}', /^\(key\) .*noncharacter/],
    ['an escaped NUL in a key', '{"a":{"SECRET\\u0000":1}}', /^a\.\(key\) .*NUL/],
  ])('refuses %s, naming the field and never the value', (_, text, reason) => {
    const r = jsonObjectOf(bytes(text));
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toMatch(reason);
    expect((r as { reason: string }).reason).not.toContain('SECRET');
  });

  it('accepts clean text, escapes that are not unsafe (\\u00e9, a surrogate pair, an escaped backslash before u) and raw non-BMP characters', () => {
    for (const text of ['{"a":"plain é 😀"}', '{"a":"\\u00e9\\ud83d\\ude00"}', '{"a":"C:\\\\users\\\\u0000x"}', '{"a":[1,null,true,{"b":"\\u2028"}]}']) {
      expect(jsonObjectOf(bytes(text))).toEqual({ ok: true, value: JSON.parse(text) });
    }
  });

  it('never sees a lone surrogate from raw bytes: UTF-8 decoding makes an encoded surrogate U+FFFD, as before', () => {
    const raw = Buffer.concat([bytes('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), bytes('"}')]);
    expect(jsonObjectOf(raw)).toEqual({ ok: true, value: { a: '\ufffd\ufffd\ufffd' } });
  });

  it('judges text clean only where the walk over the parsed value finds nothing (random strings of risky code units)', () => {
    const units = [0x0, 0x1, 0x41, 0x5c, 0x75, 0x22, 0xe9, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x2028];
    let clean = 0;
    for (let n = 0; n < 5000; n++) {
      const s = String.fromCharCode(...Array.from({ length: randomInt(1, 6) }, () => units[randomInt(units.length)]));
      const value = n % 2 ? { [s]: 1 } : { a: [s] };
      const text = JSON.stringify(value);
      const walked = unsafeTextPath(JSON.parse(text));
      if (textIsClean(text)) {
        clean++;
        expect(walked).toBeNull();
      }
      // the verdict is the walk's either way
      expect(jsonObjectOf(bytes(text)).ok).toBe(walked === null);
    }
    expect(clean).toBeGreaterThan(100);
  });
});
