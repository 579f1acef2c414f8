/**
 * The little DER (X.690) that RFC 3161 needs: definite lengths, one-byte tags. Enough to build a
 * TimeStampReq and to walk a TimeStampResp; not a general ASN.1 library.
 */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte in the buffer. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
  readonly buf: Buffer;
}

export class DerError extends Error {}

export function readTlv(buf: Buffer, at = 0): Tlv {
  if (at + 2 > buf.length) throw new DerError('DER truncated');
  const tag = buf[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError('DER high tag numbers are not supported');
  let len = buf[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new DerError('DER length unsupported');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > buf.length) throw new DerError('DER truncated');
  return { tag, start: at, contentStart: p, end: p + len, buf };
}

export const content = (t: Tlv): Buffer => t.buf.subarray(t.contentStart, t.end);
export const whole = (t: Tlv): Buffer => t.buf.subarray(t.start, t.end);

/** The elements inside a constructed value. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.contentStart; p < t.end; ) {
    const c = readTlv(t.buf, p);
    if (c.end > t.end) throw new DerError('DER element overruns its parent');
    out.push(c);
    p = c.end;
  }
  return out;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`${what}: unexpected ASN.1 structure`);
  return t;
}

export function oidText(t: Tlv): string {
  const b = content(expectTag(t, 0x06, 'OID'));
  const parts: number[] = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) (parts.push(v), (v = 0));
  }
  return parts.join('.');
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};

export const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);

/** A non-negative INTEGER from big-endian magnitude bytes (minimal, with a 0 byte when the high bit is set). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return tlv(0x02, m[0] & 0x80 ? Buffer.concat([Buffer.from([0]), m]) : m);
}

/** INTEGER content without sign padding, for comparing an echoed nonce with the one sent. */
export function integerMagnitude(t: Tlv): Buffer {
  const b = content(expectTag(t, 0x02, 'INTEGER'));
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

export function smallInteger(t: Tlv): number {
  return integerMagnitude(t).reduce((n, x) => n * 256 + x, 0);
}
