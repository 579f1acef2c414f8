import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export const masterKeyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 16);

/**
 * The master key (from configuration or a KMS) wraps the per-subject data keys. Its id is stored
 * next to each wrapped key, so a new master key re-wraps the data keys (`SubjectKeyStore.rewrap`)
 * without touching a single event.
 */
export class MasterKeyRing {
  private readonly byId = new Map<string, Buffer>();

  constructor(readonly current: MasterKey, previous: readonly MasterKey[] = []) {
    for (const k of [current, ...previous]) {
      if (k.key.length !== 32) throw new Error('master keys must be 32 bytes');
      this.byId.set(k.id, k.key);
    }
  }

  /** `MASTER_KEY` (current) plus the retired keys still configured (`MASTER_KEYS_PREVIOUS`, parsed by the app's config). */
  static fromConfig(config: { masterKey: Buffer; masterKeyId: string; previousMasterKeys?: readonly MasterKey[] }): MasterKeyRing {
    return new MasterKeyRing({ id: config.masterKeyId, key: config.masterKey }, config.previousMasterKeys ?? []);
  }

  /** Ids of every configured key, the current one first. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  wrap(dataKey: Buffer, context: string): { masterKeyId: string; wrapped: string } {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.current.key, iv);
    c.setAAD(Buffer.from(`pl-wrap-v1\u0000${context}`));
    const ct = Buffer.concat([c.update(dataKey), c.final()]);
    return { masterKeyId: this.current.id, wrapped: Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64') };
  }

  unwrap(masterKeyId: string, wrapped: string, context: string): Buffer {
    const key = this.byId.get(masterKeyId);
    if (!key) throw new Error(`master key ${masterKeyId} is not configured (add it to MASTER_KEYS_PREVIOUS to re-wrap)`);
    const buf = Buffer.from(wrapped, 'base64');
    const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
    d.setAAD(Buffer.from(`pl-wrap-v1\u0000${context}`));
    d.setAuthTag(buf.subarray(buf.length - 16));
    return Buffer.concat([d.update(buf.subarray(12, buf.length - 16)), d.final()]);
  }
}
