import { Pseudonymizer } from '@pl/crypto';
import * as messaging from '@pl/messaging';
import { isSubjectKey as ledgerIsSubjectKey } from '@pl/domain';
import { HEADERS, STANDARD_WEBHOOK_HEADERS, SubjectKeys, TOPICS, WEBHOOK_HEADERS, isSubjectKey, verifyWebhook } from '@pl/sdk';
import { Webhook } from 'standardwebhooks';

describe('SDK wire contract', () => {
  it('uses the same topic and header names as the relay', () => {
    expect(TOPICS).toEqual(messaging.TOPICS);
    expect(HEADERS).toEqual(messaging.HEADERS);
    expect(WEBHOOK_HEADERS).toEqual(messaging.WEBHOOK_HEADERS);
    expect(STANDARD_WEBHOOK_HEADERS).toEqual(messaging.STANDARD_WEBHOOK_HEADERS);
  });

  it('recognises subject keys exactly as the ledger does (the SDK keeps its own copy: it imports nothing)', () => {
    const samples = [`sub_${'Ab9_-'.repeat(6)}xy`, 'sub_abc12345', `sub_${'a'.repeat(33)}`, `xsub_${'a'.repeat(32)}`, `sub_${'a'.repeat(31)}=`, 'alice@example.com'];
    for (const s of samples) expect([s, isSubjectKey(s)]).toEqual([s, ledgerIsSubjectKey(s)]);
  });

  it('maps user ids to the same subject keys as the ledger', () => {
    const secret = 'a-pseudonym-secret-of-32-bytes!!';
    const keys = new SubjectKeys(secret);
    const p = new Pseudonymizer(secret);
    for (const id of ['alice@example.com', 'u-1', 'ü']) expect(keys.of(id)).toBe(p.subject(id));
    expect(keys.of(p.subject('x'))).toBe(p.subject('x'));
    expect(() => new SubjectKeys(null).of('alice@example.com')).toThrow(/pseudonym secret/);
  });

  it('verifies what the deliverer signs, and rejects tampering, another secret and stale timestamps', () => {
    const ts = 1_700_000_000;
    const body = '{"event_id":"e1","type":"consent.withdrawn"}';
    const headers = { [WEBHOOK_HEADERS.timestamp]: String(ts), [WEBHOOK_HEADERS.signature]: messaging.signWebhook('whsec_1', ts, body) };
    const now = ts * 1000 + 10_000;
    expect(verifyWebhook({ secret: 'whsec_1', rawBody: body, headers, nowMs: now })).toEqual({ ok: true });
    expect(verifyWebhook({ secret: 'whsec_1', rawBody: body.replace('withdrawn', 'given'), headers, nowMs: now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ secret: 'whsec_2', rawBody: body, headers, nowMs: now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ secret: 'whsec_1', rawBody: body, headers, nowMs: now + 600_000 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyWebhook({ secret: 'whsec_1', rawBody: body, headers: {}, nowMs: now })).toEqual({ ok: false, reason: 'missing_headers' });
  });

  it('Standard Webhooks: what the deliverer signs verifies with the standardwebhooks library and the SDK; during a rotation either secret verifies', () => {
    const current = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const previous = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const other = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    const ts = Math.floor(Date.now() / 1000);
    const body = '{"event_id":"e1","type":"consent.withdrawn"}';
    const headers = (secrets: string[]) => ({
      [STANDARD_WEBHOOK_HEADERS.id]: '42',
      [STANDARD_WEBHOOK_HEADERS.timestamp]: String(ts),
      [STANDARD_WEBHOOK_HEADERS.signature]: messaging.signStandardWebhook(secrets, '42', ts, body),
    });
    // the reference library (what receivers in other languages mirror) accepts it and returns the payload
    expect(new Webhook(current).verify(body, headers([current]))).toEqual(JSON.parse(body));
    for (const s of [current, previous]) expect(new Webhook(s).verify(body, headers([current, previous]))).toEqual(JSON.parse(body));
    expect(() => new Webhook(other).verify(body, headers([current, previous]))).toThrow(/No matching signature/);
    expect(() => new Webhook(current).verify(body.replace('withdrawn', 'given'), headers([current]))).toThrow(/No matching signature/);
    expect(() => new Webhook(current).verify(body, { ...headers([current]), [STANDARD_WEBHOOK_HEADERS.id]: '43' })).toThrow(/No matching signature/);
    // the SDK agrees with the library
    expect(verifyWebhook({ secret: previous, rawBody: body, headers: headers([current, previous]) })).toEqual({ ok: true });
    expect(verifyWebhook({ secret: other, rawBody: body, headers: headers([current, previous]) })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ secret: current, rawBody: body, headers: headers([current]), nowMs: (ts + 600) * 1000 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    // a library-signed message verifies with the SDK too
    const signed = new Webhook(current).sign('msg_1', new Date(ts * 1000), body);
    expect(verifyWebhook({ secret: current, rawBody: body, headers: { [STANDARD_WEBHOOK_HEADERS.id]: 'msg_1', [STANDARD_WEBHOOK_HEADERS.timestamp]: String(ts), [STANDARD_WEBHOOK_HEADERS.signature]: signed } })).toEqual({ ok: true });
  });
});
