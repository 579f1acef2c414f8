import { generateKeyPairSync } from 'node:crypto';
import { parseHeldHeads, publishedHead, publishedHeadKey } from './held-heads';
import { AuditSigner } from './signer';

describe('heads an auditor holds', () => {
  const signer = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
  const a = signer.sign({ seq: '9', tx: '100', pos: '10', link: 'ab'.repeat(32) }, new Date('2026-12-01T00:00:00Z'));
  const b = signer.sign({ seq: '19', tx: '200', pos: '20', link: 'cd'.repeat(32) }, new Date('2026-12-01T01:00:00Z'));
  const strip = (h: object) => JSON.parse(JSON.stringify(h));
  const expected = [a, b].map(strip);

  it('reads GET /audit/heads, a JSON array, NDJSON of published heads, and a single published head', () => {
    expect(parseHeldHeads(JSON.stringify({ key_id: signer.keyId, heads: [publishedHead(a), publishedHead(b)] }))).toEqual(expected);
    expect(parseHeldHeads(JSON.stringify([a, b]))).toEqual(expected);
    expect(parseHeldHeads(`${JSON.stringify(publishedHead(a))}\n\n${JSON.stringify(publishedHead(b))}\n`)).toEqual(expected);
    expect(parseHeldHeads(JSON.stringify(publishedHead(a)))).toEqual([strip(a)]);
    expect(parseHeldHeads('  ')).toEqual([]);
  });

  it('reads the heads of an earlier export and skips its other lines', () => {
    const lines = [
      { kind: 'header', format: 'privacy-ledger/audit-export/v1' },
      { kind: 'event', seq: '0', tx: '1', pos: '1', stream: 's', data: '{}' },
      { kind: 'signed_head', ...a, public_key: 'pem' },
      { kind: 'link', seq: '10', tx: '2', pos: '2', content_hash: 'x', link: 'y' },
      { kind: 'head', ...b, public_key: 'pem' },
    ];
    expect(parseHeldHeads(lines.map((l) => JSON.stringify(l)).join('\n'))).toEqual(expected);
    expect(parseHeldHeads(JSON.stringify({ kind: 'head', seq: null, link: '0'.repeat(64), note: 'the chain is empty' }))).toEqual([]);
  });

  it('names the line of a malformed head and never accepts a partial one', () => {
    expect(() => parseHeldHeads(`${JSON.stringify(a)}\nnot json`)).toThrow('line 2 is not JSON');
    expect(() => parseHeldHeads(`${JSON.stringify(a)}\n${JSON.stringify({ ...b, link: 'short' })}`)).toThrow(/^line 2: a head lacks/);
    expect(() => parseHeldHeads(JSON.stringify([{ ...a, seq: '-1' }]))).toThrow(/lacks/);
  });

  it('keys the compacted topic by key id and zero-padded seq: one key per head, in order', () => {
    expect(publishedHeadKey(a)).toBe(`${signer.keyId}:${'9'.padStart(20, '0')}`);
    expect(publishedHeadKey(a) < publishedHeadKey(b)).toBe(true);
  });
});
