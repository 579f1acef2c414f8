import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { invalid } from '@pl/domain';

/**
 * The published key format (draft-ietf-httpapi-idempotency-key-header, "Security Considerations":
 * a fixed, validated format of enough entropy): 16 to 255 of `A-Z a-z 0-9 . _ ~ : + / = -`, sent as
 * a structured-field string (`"8e03978e-..."`, the draft's syntax) or bare. A UUID fits.
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._~:+/=-]{16,255}$/;
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The key of a request, or null when it sent none (the header is optional). A malformed key: 400, nothing done. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (Array.isArray(header)) throw invalid('send one Idempotency-Key header, not several', { field: 'Idempotency-Key' });
  const trimmed = header.trim();
  const value = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  if (!IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw invalid('Idempotency-Key must be 16 to 255 characters of A-Z a-z 0-9 . _ ~ : + / = - (a UUID fits), optionally in double quotes', {
      field: 'Idempotency-Key',
    });
  }
  return value;
}

/** JSON with object keys sorted at every depth: the same payload gives the same text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface FingerprintInput {
  readonly method: string;
  /** Path and query as requested (a path parameter or query value changes the request). */
  readonly url: string;
  readonly body: unknown;
  /** Headers that change what a command does (Sec-GPC records an opt-out). */
  readonly gpc?: string | string[];
}

/** SHA-256 over method, path + query, the canonical body and the headers that change the outcome. */
export function requestFingerprint(r: FingerprintInput): string {
  const gpc = Array.isArray(r.gpc) ? r.gpc.join(',') : (r.gpc ?? '');
  return createHash('sha256').update([r.method.toUpperCase(), r.url, gpc.trim(), canonicalJson(r.body)].join('\n')).digest('hex');
}

/**
 * Keys are scoped per caller and never stored as sent: the table holds an HMAC of caller and key.
 * A stored answer (which can carry personal data, e.g. the user id echoed back) is sealed with
 * AES-256-GCM under a key derived from the caller's own Idempotency-Key, so the database alone
 * cannot read it: only a retry bearing the key can.
 */
export class IdempotencyKeys {
  constructor(private readonly secret: Buffer) {}

  hash(caller: string, key: string): string {
    return this.mac('idempotency-key', caller, key).toString('hex');
  }

  seal(caller: string, key: string, plaintext: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.mac('idempotency-answer', caller, key), iv);
    cipher.setAAD(Buffer.from(this.hash(caller, key)));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]);
  }

  open(caller: string, key: string, sealed: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.mac('idempotency-answer', caller, key), sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(this.hash(caller, key)));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  }

  private mac(purpose: string, caller: string, key: string): Buffer {
    return createHmac('sha256', this.secret).update(`${purpose}\u0000${caller}\u0000${key}`).digest();
  }
}
