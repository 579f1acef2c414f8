import { createHash } from 'node:crypto';

/** A stable signed 64-bit advisory-lock key for a name. */
export function lockKey(name: string): bigint {
  return createHash('sha256').update(`privacy-ledger:${name}`).digest().readBigInt64BE(0);
}
