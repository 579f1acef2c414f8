import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A chain head: the link after event `seq` (0-based) at log position tx/pos. */
export interface ChainHead {
  readonly seq: string;
  readonly tx: string;
  readonly pos: string;
  readonly link: string;
}

export interface SignedHead extends ChainHead {
  readonly signed_at: string;
  readonly key_id: string;
  /** Ed25519 signature (base64) over `headMessage(head)`. */
  readonly signature: string;
}

/** The exact bytes signed; scripts/verify-audit-export.js builds the same string. */
export function headMessage(h: ChainHead & { signed_at: string }): string {
  return `privacy-ledger/audit/head/v1\nseq=${h.seq}\ntx=${h.tx}\npos=${h.pos}\nlink=${h.link}\nsigned_at=${h.signed_at}\n`;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function verifyHead(h: SignedHead, publicKeyPem: string): boolean {
  try {
    return verify(null, Buffer.from(headMessage(h), 'utf8'), createPublicKey(publicKeyPem), Buffer.from(h.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Signs chain heads with Ed25519. The key comes from AUDIT_SIGNING_KEY (PEM or base64 PKCS#8 DER);
 * with none configured, one is generated once into DATA_DIR/audit-signing.key (mode 0600), like the
 * master key on the embedded default.
 */
export class AuditSigner {
  readonly publicKeyPem: string;
  readonly keyId: string;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('AUDIT_SIGNING_KEY must be an Ed25519 private key');
    const pub = createPublicKey(privateKey);
    this.publicKeyPem = pub.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(pub);
  }

  static fromConfig(config: { readonly auditSigningKey: string | null; readonly dataDir: string }): AuditSigner {
    if (config.auditSigningKey) return new AuditSigner(parsePrivateKey(config.auditSigningKey));
    const file = join(config.dataDir, 'audit-signing.key');
    if (!existsSync(file)) {
      mkdirSync(config.dataDir, { recursive: true });
      const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      try {
        writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    return new AuditSigner(parsePrivateKey(readFileSync(file, 'utf8')));
  }

  sign(head: ChainHead, signedAt: Date): SignedHead {
    const unsigned = { seq: head.seq, tx: head.tx, pos: head.pos, link: head.link, signed_at: signedAt.toISOString() };
    const signature = sign(null, Buffer.from(headMessage(unsigned), 'utf8'), this.privateKey).toString('base64');
    return { ...unsigned, key_id: this.keyId, signature };
  }
}

function parsePrivateKey(text: string): KeyObject {
  const t = text.trim();
  return t.includes('-----BEGIN') ? createPrivateKey(t) : createPrivateKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'pkcs8' });
}

const signers = new WeakMap<object, AuditSigner>();

/** One signer per configuration object (the key file is read once per process). */
export function auditSignerFor(config: { readonly auditSigningKey: string | null; readonly dataDir: string }): AuditSigner {
  let s = signers.get(config);
  if (!s) {
    s = AuditSigner.fromConfig(config);
    signers.set(config, s);
  }
  return s;
}
