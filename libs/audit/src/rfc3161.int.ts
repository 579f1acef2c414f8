import { generateKeyPairSync } from 'node:crypto';
import { OutboundPolicy } from '@pl/outbound';
import { startLocalTsa, type LocalTsa } from '../../../test/support/openssl-tsa';
import { headImprint, requestHeadTimestamp } from './head-timestamp';
import { TimestampError, verifyTimestampToken } from './rfc3161';
import { AuditSigner } from './signer';

const TSA_PORT = Number(process.env.TSA_TEST_PORT ?? 19152);

describe('RFC 3161 against a local openssl TSA', () => {
  let tsa: LocalTsa;
  beforeAll(async () => {
    tsa = await startLocalTsa(TSA_PORT);
  });
  afterAll(() => tsa?.close());

  const loopbackAllowed = OutboundPolicy.fromSetting('127.0.0.1/32');
  const signer = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
  const head = signer.sign({ seq: '41', tx: '900', pos: '42', link: 'ab'.repeat(32) }, new Date('2026-12-02T10:00:00Z'));

  it('gets a token for a signed head and verifies imprint, nonce, signature and the TSA certificate', async () => {
    const before = Date.now();
    const ts = await requestHeadTimestamp(loopbackAllowed, tsa.url, head);
    const info = verifyTimestampToken(Buffer.from(ts.token, 'base64'), { sha256: headImprint(head), nonce: Buffer.from(ts.nonce, 'hex'), caCertPem: tsa.caCertPem });
    expect(info.tsa).toContain('privacy-ledger test TSA');
    expect(info.policy).toBe('1.3.6.1.4.1.99999.1');
    expect(Math.abs(Date.parse(info.genTime) - before)).toBeLessThan(60_000);
  });

  it('rejects the token for another head, another nonce, another CA, or altered bytes', async () => {
    const ts = await requestHeadTimestamp(loopbackAllowed, tsa.url, head);
    const token = Buffer.from(ts.token, 'base64');
    const other = signer.sign({ ...head, link: 'cd'.repeat(32) }, new Date(head.signed_at));
    expect(() => verifyTimestampToken(token, { sha256: headImprint(other) })).toThrow(/message imprint/);
    expect(() => verifyTimestampToken(token, { sha256: headImprint(head), nonce: Buffer.from('0102030405060708', 'hex') })).toThrow(/nonce/);
    const foreign = await startLocalTsa(0);
    try {
      expect(() => verifyTimestampToken(token, { sha256: headImprint(head), caCertPem: foreign.caCertPem })).toThrow(/not issued by the given CA/);
    } finally {
      await foreign.close();
    }
    // flip one byte of the signature (the last bytes of the token are the signer's signature value)
    const bent = Buffer.from(token);
    bent[bent.length - 3] ^= 0x01;
    expect(() => verifyTimestampToken(bent, { sha256: headImprint(head) })).toThrow(TimestampError);
  });

  it('sends nothing to a loopback TSA that the outbound policy does not allow-list; each call reports its outcome class', async () => {
    const before = tsa.requests();
    const outcomes: string[] = [];
    await expect(requestHeadTimestamp(OutboundPolicy.fromSetting(null), tsa.url, head, { onOutcome: (o) => outcomes.push(o) })).rejects.toThrow(/refused_destination/);
    expect(tsa.requests()).toBe(before);
    await requestHeadTimestamp(loopbackAllowed, tsa.url, head, { onOutcome: (o) => outcomes.push(o) });
    expect(outcomes).toEqual(['refused_destination', 'http_200']);
  });

  it('reports a TSA outage as an error, not a token', async () => {
    tsa.setDown(true);
    try {
      await expect(requestHeadTimestamp(loopbackAllowed, tsa.url, head)).rejects.toThrow(/http_503/);
    } finally {
      tsa.setDown(false);
    }
  });
});
