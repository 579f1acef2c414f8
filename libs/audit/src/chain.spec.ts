import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainLink, contentHash, GENESIS_LINK, type ChainFields } from './chain';
import { AuditSigner, headMessage, verifyHead } from './signer';
import { mentionsSubject } from './subjects';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const script = require('../../../scripts/verify-audit-export.js');

const fields: ChainFields = { tx: 7n, pos: 42n, stream: 'consent-sub_x', revision: 3n, type: 'consent.given', schemaVersion: 2, data: '{"a":"é"}', metadata: '{"event_id":"e1"}' };

/** The encoding spelled out byte by byte, independent of the implementation. */
function byHand(f: ChainFields): string {
  const lp = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([(b.length >>> 24) & 255, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255]), b]);
  };
  const body = Buffer.concat([Buffer.from('privacy-ledger/audit/content/v1'), ...['7', '42', f.stream, '3', f.type, '2', f.data, f.metadata].map(lp)]);
  return createHash('sha256').update(body).digest('hex');
}

describe('audit chain encoding', () => {
  it('hashes the length-prefixed fields, the same in the service and in the standalone script', () => {
    expect(contentHash(fields)).toBe(byHand(fields));
    const line = { tx: '7', pos: '42', stream: fields.stream, revision: '3', type: fields.type, schema_version: 2, data: fields.data, metadata: fields.metadata };
    expect(script.contentHash(line)).toBe(contentHash(fields));
    const link = chainLink(GENESIS_LINK, contentHash(fields));
    expect(link).toBe(createHash('sha256').update('privacy-ledger/audit/link/v1').update(Buffer.alloc(32)).update(Buffer.from(contentHash(fields), 'hex')).digest('hex'));
    expect(script.chainLink(GENESIS_LINK, contentHash(fields))).toBe(link);
  });

  it('is unambiguous: moving bytes between fields changes the hash', () => {
    expect(contentHash({ ...fields, stream: 'ab', type: 'c' })).not.toBe(contentHash({ ...fields, stream: 'a', type: 'bc' }));
    expect(contentHash({ ...fields, data: '{}', metadata: '' })).not.toBe(contentHash({ ...fields, data: '', metadata: '{}' }));
    expect(contentHash({ ...fields, tx: 1n, pos: 23n })).not.toBe(contentHash({ ...fields, tx: 12n, pos: 3n }));
    expect(contentHash({ ...fields, schemaVersion: 1 })).not.toBe(contentHash(fields));
  });

  it('chains: every link depends on the previous one', () => {
    const c = contentHash(fields);
    expect(chainLink(chainLink(GENESIS_LINK, c), c)).not.toBe(chainLink(GENESIS_LINK, c));
  });
});

describe('signed heads', () => {
  const head = { seq: '9', tx: '100', pos: '10', link: 'ab'.repeat(32) };

  it('signs with Ed25519; any change to the head or another key fails verification', () => {
    const signer = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
    const signed = signer.sign(head, new Date('2026-01-01T00:00:00Z'));
    expect(verifyHead(signed, signer.publicKeyPem)).toBe(true);
    expect(headMessage(signed)).toBe(script.headMessage(signed));
    expect(verifyHead({ ...signed, seq: '10' }, signer.publicKeyPem)).toBe(false);
    expect(verifyHead({ ...signed, link: 'cd'.repeat(32) }, signer.publicKeyPem)).toBe(false);
    expect(verifyHead(signed, new AuditSigner(generateKeyPairSync('ed25519').privateKey).publicKeyPem)).toBe(false);
  });

  it('reads AUDIT_SIGNING_KEY as PEM or base64 DER, or generates one into DATA_DIR once', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    const a = AuditSigner.fromConfig({ auditSigningKey: pem, dataDir: '/nonexistent' });
    expect(AuditSigner.fromConfig({ auditSigningKey: der, dataDir: '/nonexistent' }).keyId).toBe(a.keyId);
    expect(() => AuditSigner.fromConfig({ auditSigningKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), dataDir: '/x' })).toThrow(/Ed25519/);
    const dir = mkdtempSync(join(tmpdir(), 'pl-audit-key-'));
    try {
      const g = AuditSigner.fromConfig({ auditSigningKey: null, dataDir: dir });
      expect(statSync(join(dir, 'audit-signing.key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'audit-signing.key'), 'utf8')).toContain('PRIVATE KEY');
      expect(AuditSigner.fromConfig({ auditSigningKey: null, dataDir: dir }).keyId).toBe(g.keyId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('subject mentions', () => {
  const key = `sub_${'a'.repeat(32)}`;
  it('finds a whole pseudonym in a stream name or stored JSON, not a longer one', () => {
    expect(mentionsSubject(key, `consent-${key}`)).toBe(true);
    expect(mentionsSubject(key, 'x', `{"subject_key":"${key}"}`)).toBe(true);
    expect(mentionsSubject(key, `consent-${key}b`)).toBe(false);
    expect(mentionsSubject(key, `consent-sub_${'b'.repeat(32)}`)).toBe(false);
  });
});
