import type { SignedHead } from './signer';

/** A signed head as published (Kafka value, webhook body, `GET /audit/heads`, `cli audit heads`). */
export const PUBLISHED_HEAD_FORMAT = 'privacy-ledger/audit-head/v1';

export interface PublishedHead extends SignedHead {
  readonly format: typeof PUBLISHED_HEAD_FORMAT;
  readonly timestamp_token?: string | null;
  readonly timestamp_nonce?: string | null;
}

export function publishedHead(h: SignedHead & { timestamp_token?: string | null; timestamp_nonce?: string | null }): PublishedHead {
  return {
    format: PUBLISHED_HEAD_FORMAT,
    seq: h.seq,
    tx: h.tx,
    pos: h.pos,
    link: h.link,
    signed_at: h.signed_at,
    key_id: h.key_id,
    signature: h.signature,
    timestamp_token: h.timestamp_token ?? null,
    timestamp_nonce: h.timestamp_nonce ?? null,
  };
}

/** Compacted-topic key: one per head, so compaction keeps every head (the key names no subject). */
export const publishedHeadKey = (h: { key_id: string; seq: string }): string => `${h.key_id}:${h.seq.padStart(20, '0')}`;

const DIGITS = /^\d{1,20}$/;
const HEX64 = /^[0-9a-f]{64}$/;

function asHead(o: unknown): SignedHead | null {
  if (!o || typeof o !== 'object') return null;
  const h = o as Record<string, unknown>;
  if (h.kind !== undefined && h.kind !== 'signed_head' && h.kind !== 'head' && h.kind !== 'start') return null;
  const ok =
    typeof h.seq === 'string' && DIGITS.test(h.seq) && typeof h.tx === 'string' && DIGITS.test(h.tx) && typeof h.pos === 'string' && DIGITS.test(h.pos) &&
    typeof h.link === 'string' && HEX64.test(h.link) && typeof h.signed_at === 'string' && typeof h.key_id === 'string' && typeof h.signature === 'string';
  if (!ok) throw new Error('a head lacks seq, tx, pos, link, signed_at, key_id or signature');
  return { seq: h.seq as string, tx: h.tx as string, pos: h.pos as string, link: h.link as string, signed_at: h.signed_at as string, key_id: h.key_id as string, signature: h.signature as string };
}

/**
 * Heads an auditor holds, from a file: a JSON array or `{ "heads": [...] }` (GET /audit/heads),
 * NDJSON of published heads (the Kafka topic, webhook bodies, `cli audit heads`), or an earlier
 * export (its `signed_head`, `start` and `head` lines; its other lines are skipped).
 */
export function parseHeldHeads(text: string): SignedHead[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  const whole = trimmed.startsWith('[') || (trimmed.startsWith('{') && !trimmed.includes('\n')) ? (JSON.parse(trimmed) as unknown) : null;
  const list = Array.isArray(whole) ? whole : Array.isArray((whole as { heads?: unknown } | null)?.heads) ? (whole as { heads: unknown[] }).heads : null;
  if (list) return list.map(asHead).filter((h): h is SignedHead => h !== null);
  const out: SignedHead[] = [];
  trimmed.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} is not JSON`);
    }
    const kind = (o as { kind?: unknown }).kind;
    if (kind === 'head' && (o as { seq?: unknown }).seq === null) return; // an export of an empty chain
    if (kind !== undefined && kind !== 'signed_head' && kind !== 'head' && kind !== 'start') return;
    try {
      const h = asHead(o);
      if (h) out.push(h);
    } catch (e) {
      throw new Error(`line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return out;
}
