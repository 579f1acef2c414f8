import { createHash, hash } from 'node:crypto';
import type { RecordedEvent } from '@pl/domain';

/**
 * The audit hash chain (ARCHITECTURE invariant 9), identical for every backend and reproduced by
 * scripts/verify-audit-export.js:
 *
 *   content_n = SHA-256("privacy-ledger/audit/content/v1" || LP(tx) || LP(pos) || LP(stream) ||
 *                       LP(revision) || LP(type) || LP(schema_version) || LP(data) || LP(metadata))
 *   link_n    = SHA-256("privacy-ledger/audit/link/v1" || link_{n-1} (32 bytes) || content_n (32 bytes))
 *   link_{-1} = 32 zero bytes
 *
 * LP(x) = 4-byte big-endian byte length of UTF-8 x, then x; numbers in decimal. `data` and
 * `metadata` are the stored bytes (ciphertext for personal fields), so shredding a data key leaves
 * every link valid. Splitting content from link lets a filtered export prove continuity for the
 * events it leaves out by giving only their content hash.
 */
export const CONTENT_TAG = 'privacy-ledger/audit/content/v1';
export const LINK_TAG = 'privacy-ledger/audit/link/v1';
export const GENESIS_LINK = '0'.repeat(64);

export interface ChainFields {
  readonly tx: bigint;
  readonly pos: bigint;
  readonly stream: string;
  readonly revision: bigint;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: string;
  readonly metadata: string;
}

const CONTENT_TAG_BYTES = Buffer.from(CONTENT_TAG, 'utf8');
const LINK_TAG_BYTES = Buffer.from(LINK_TAG, 'utf8');

export function contentHash(f: ChainFields): string {
  // one buffer, one hash call: this runs once per event in a rebuild and in verification (16 small
  // updates and allocations per event were most of an audit chain rebuild's own CPU)
  const parts = [f.tx.toString(), f.pos.toString(), f.stream, f.revision.toString(), f.type, String(f.schemaVersion), f.data, f.metadata];
  let size = CONTENT_TAG_BYTES.length;
  for (const part of parts) size += 4 + Buffer.byteLength(part, 'utf8');
  const input = Buffer.allocUnsafe(size);
  let at = CONTENT_TAG_BYTES.copy(input, 0);
  for (const part of parts) {
    const length = input.write(part, at + 4, 'utf8');
    input.writeUInt32BE(length, at);
    at += 4 + length;
  }
  return hash('sha256', input, 'hex');
}

const linkInput = Buffer.alloc(LINK_TAG_BYTES.length + 64);
LINK_TAG_BYTES.copy(linkInput, 0);

export function chainLink(previous: string, content: string): string {
  // one preallocated input buffer: this runs once per event in verification
  linkInput.write(previous, LINK_TAG_BYTES.length, 32, 'hex');
  linkInput.write(content, LINK_TAG_BYTES.length + 32, 32, 'hex');
  return hash('sha256', linkInput, 'hex');
}

/** The hashed fields of a recorded event: its stored bytes and stored schema version. */
export function chainFields(e: RecordedEvent): ChainFields {
  if (!e.raw) throw new Error(`event at ${e.position.tx}/${e.position.pos} has no stored bytes; the audit chain needs RecordedEvent.raw`);
  return {
    tx: e.position.tx,
    pos: e.position.pos,
    stream: e.streamId,
    revision: e.revision,
    type: e.type,
    schemaVersion: e.raw.schemaVersion ?? e.schemaVersion,
    data: e.raw.data,
    metadata: e.raw.metadata,
  };
}

/** `tx/pos`, the printed form of a log position. */
export const positionText = (p: { tx: bigint | string; pos: bigint | string }): string => `${p.tx}/${p.pos}`;
