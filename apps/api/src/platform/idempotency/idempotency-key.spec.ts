import { DomainError } from '@pl/domain';
import { canonicalJson, IdempotencyKeys, parseIdempotencyKey, requestFingerprint } from './idempotency-key';

const uuid = '8e03978e-40d5-43e8-bc93-6894a57f9324';

describe('Idempotency-Key header', () => {
  it('accepts a structured-field string (the draft syntax) and a bare key alike', () => {
    expect(parseIdempotencyKey(`"${uuid}"`)).toBe(uuid);
    expect(parseIdempotencyKey(uuid)).toBe(uuid);
    expect(parseIdempotencyKey(' clkyoesmbgybucifusbbtdsbohtyuuwz ')).toBe('clkyoesmbgybucifusbbtdsbohtyuuwz');
    expect(parseIdempotencyKey(undefined)).toBeNull();
  });

  it.each([
    ['too short (low entropy)', 'abc123'],
    ['too long', 'a'.repeat(256)],
    ['a space', `${uuid} x`],
    ['two keys joined by the HTTP stack', `${uuid}, ${uuid}`],
    ['a control character', `${uuid}\u0000`],
    ['non-ASCII', `${uuid}é`],
    ['an unterminated quote', `"${uuid}`],
    ['empty', ''],
  ])('refuses %s with a 400 naming the header, not echoing the value', (_what, value) => {
    let error: unknown;
    try {
      parseIdempotencyKey(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('invalid');
    expect((error as DomainError).details).toEqual({ field: 'Idempotency-Key' });
    if (value.length > 3) expect((error as DomainError).message).not.toContain(value);
  });

  it('refuses several Idempotency-Key headers', () => {
    expect(() => parseIdempotencyKey([uuid, uuid])).toThrow(/one Idempotency-Key/);
  });
});

describe('request fingerprint', () => {
  const base = { method: 'POST', url: '/consent/record', body: { user_id: 'u', data_categories: ['a', 'b'], meta: { x: 1, y: 2 } } };

  it('is the same whatever the order of object keys', () => {
    const reordered = { meta: { y: 2, x: 1 }, data_categories: ['a', 'b'], user_id: 'u' };
    expect(requestFingerprint({ ...base, body: reordered })).toBe(requestFingerprint(base));
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: null }] })).toBe('{"a":[{"c":null,"d":1}],"b":1}');
  });

  it.each([
    ['the method', { method: 'PUT' }],
    ['the path', { url: '/consent/withdraw' }],
    ['the query', { url: '/consent/record?dry=1' }],
    ['a body value', { body: { ...base.body, user_id: 'v' } }],
    ['the array order', { body: { ...base.body, data_categories: ['b', 'a'] } }],
    ['a nested value', { body: { ...base.body, meta: { x: 1, y: 3 } } }],
    ['an added field', { body: { ...base.body, extra: true } }],
    ['the Sec-GPC header', { gpc: '1' }],
  ])('changes with %s', (_what, change) => {
    expect(requestFingerprint({ ...base, ...change })).not.toBe(requestFingerprint(base));
  });

  it('treats no body and an empty JSON body as different payloads, a bodiless request consistently', () => {
    expect(requestFingerprint({ method: 'POST', url: '/x', body: undefined })).toBe(requestFingerprint({ method: 'POST', url: '/x', body: undefined }));
    expect(requestFingerprint({ method: 'POST', url: '/x', body: {} })).not.toBe(requestFingerprint({ method: 'POST', url: '/x', body: undefined }));
  });
});

describe('IdempotencyKeys', () => {
  const keys = new IdempotencyKeys(Buffer.from('test-secret-0123456789abcdef0123'));

  it('scopes a key per caller and never keeps it as sent', () => {
    expect(keys.hash('k1', uuid)).not.toBe(keys.hash('k2', uuid));
    expect(keys.hash('k1', uuid)).toBe(keys.hash('k1', uuid));
    expect(keys.hash('k1', uuid)).not.toContain(uuid);
    expect(new IdempotencyKeys(Buffer.from('another-secret-0123456789abcdef0')).hash('k1', uuid)).not.toBe(keys.hash('k1', uuid));
  });

  it('seals a stored answer so that only the same caller with the same key opens it', () => {
    const sealed = keys.seal('k1', uuid, '{"user_id":"alice@example.com"}');
    expect(sealed.toString('latin1')).not.toContain('alice');
    expect(keys.open('k1', uuid, sealed)).toBe('{"user_id":"alice@example.com"}');
    expect(() => keys.open('k2', uuid, sealed)).toThrow();
    expect(() => keys.open('k1', `${uuid.slice(0, -1)}5`, sealed)).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => keys.open('k1', uuid, tampered)).toThrow();
  });
});
