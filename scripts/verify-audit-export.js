#!/usr/bin/env node
'use strict';
/*
 * Standalone verifier of a privacy-ledger audit export (NDJSON from GET /audit/export or
 * `cli audit export`). Needs only Node.js (node:crypto, node:fs), not the service:
 *
 *   node verify-audit-export.js export.ndjson [--public-key auditor-copy-of-key.pem] [--heads heads-you-hold]
 *
 * Recomputes every exported event's content hash from its stored bytes, the chain of links from
 * the genesis (or, in a filtered export, from a signed `start` head) to the signed head, and
 * checks the Ed25519 signatures. Pass the public key you got
 * from the controller out of band (GET /audit/public-key) with --public-key; otherwise the key in
 * the file is used and the report says so. With --heads, every signed head you kept earlier (from the
 * Kafka topic, webhooks, GET /audit/heads, `cli audit heads`, or an earlier export) whose position the
 * export covers must match it, and none may lie beyond the export's head: a log rewritten
 * consistently, chain and heads table included, fails here. Prints a JSON report; exit 0 valid,
 * 1 broken, 2 usage.
 *
 *   content_n = SHA-256(content_tag || LP(tx) || LP(pos) || LP(stream) || LP(revision) || LP(type)
 *                       || LP(schema_version) || LP(data) || LP(metadata)),  LP = u32be length || utf8
 *   link_n    = SHA-256(link_tag || link_{n-1} || content_n),  link_{-1} = 32 zero bytes
 */
const crypto = require('node:crypto');
const fs = require('node:fs');

const CONTENT_TAG = 'privacy-ledger/audit/content/v1';
const LINK_TAG = 'privacy-ledger/audit/link/v1';
const GENESIS = '0'.repeat(64);
const FORMAT = 'privacy-ledger/audit-export/v1';

function contentHash(e) {
  const h = crypto.createHash('sha256').update(Buffer.from(CONTENT_TAG, 'utf8'));
  for (const part of [String(e.tx), String(e.pos), e.stream, String(e.revision), e.type, String(e.schema_version), e.data, e.metadata]) {
    if (typeof part !== 'string') throw new Error('event line lacks a field');
    const bytes = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length, 0);
    h.update(len).update(bytes);
  }
  return h.digest('hex');
}

function chainLink(previous, content) {
  return crypto.createHash('sha256').update(Buffer.from(LINK_TAG, 'utf8')).update(Buffer.from(previous, 'hex')).update(Buffer.from(content, 'hex')).digest('hex');
}

function headMessage(h) {
  return `privacy-ledger/audit/head/v1\nseq=${h.seq}\ntx=${h.tx}\npos=${h.pos}\nlink=${h.link}\nsigned_at=${h.signed_at}\n`;
}

function signatureValid(h, publicKeyPem) {
  try {
    return crypto.verify(null, Buffer.from(headMessage(h), 'utf8'), crypto.createPublicKey(publicKeyPem), Buffer.from(h.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Lines of a file without loading it whole. */
function* lines(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let rest = '';
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const parts = (rest + buf.toString('utf8', 0, n)).split('\n');
      rest = parts.pop();
      yield* parts;
    }
    if (rest) yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

function before(a, b) {
  const [atx, apos, btx, bpos] = [BigInt(a.tx), BigInt(a.pos), BigInt(b.tx), BigInt(b.pos)];
  return atx < btx || (atx === btx && apos < bpos);
}

/** Heads an auditor holds: a JSON array, { heads: [...] }, or NDJSON (published heads or export lines). */
function parseHeads(text) {
  const t = text.trim();
  if (!t) return [];
  const list = t.startsWith('[') || (t.startsWith('{') && !t.includes('\n')) ? [].concat(JSON.parse(t).heads || JSON.parse(t)) : t.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  return list.filter((h) => h && (h.kind === undefined || h.kind === 'signed_head' || h.kind === 'head' || h.kind === 'start') && h.seq != null && h.link && h.signature);
}

/** Verifies an export given as an iterable of NDJSON lines; returns the report. */
function verifyLines(input, trustedPublicKeyPem, heldHeads) {
  let header = null;
  let publicKey = trustedPublicKeyPem || null;
  let previous = GENESIS;
  let expectedSeq = 0n;
  let last = null;
  let events = 0;
  let withheld = 0;
  let signedChecked = 0;
  let startedAt = null;
  let lineNo = 0;
  let held = null; // seq -> heads held by the auditor, signature-checked once the header names the key
  let heldChecked = 0;
  let heldUntrusted = 0;
  const fail = (kind, o, detail) => ({
    ok: false,
    events,
    withheld,
    first_break: { kind, seq: o && o.seq != null ? String(o.seq) : null, position: o && o.tx != null ? `${o.tx}/${o.pos}` : null, line: lineNo, detail },
  });
  for (const raw of input) {
    lineNo++;
    if (!raw.trim()) continue;
    let o;
    try {
      o = JSON.parse(raw);
    } catch {
      return fail('malformed', null, 'line is not JSON');
    }
    if (!header) {
      if (o.kind !== 'header' || o.format !== FORMAT) return fail('malformed', null, `first line must be a ${FORMAT} header`);
      header = o;
      if (!publicKey) publicKey = o.public_key;
      held = new Map();
      for (const h of heldHeads || []) {
        if (h.key_id !== header.key_id) {
          heldUntrusted++;
          continue;
        }
        if (!signatureValid(h, publicKey)) return fail('bad_signature', h, `a head you hold (seq ${h.seq}) does not verify with the ${trustedPublicKeyPem ? 'given' : 'embedded'} public key`);
        held.set(String(h.seq), [...(held.get(String(h.seq)) || []), h]);
      }
      continue;
    }
    if (o.kind === 'start') {
      // a filtered export may start at a signed head instead of the genesis: trusted by its signature
      if (expectedSeq !== 0n || last) return fail('malformed', o, 'a start line must come right after the header');
      if (!signatureValid(o, publicKey)) return fail('bad_signature', o, `the start head signature does not verify with the ${trustedPublicKeyPem ? 'given' : 'embedded'} public key`);
      const mismatch = heldMismatch(o);
      if (mismatch) return mismatch;
      previous = o.link;
      expectedSeq = BigInt(o.seq) + 1n;
      last = o;
      startedAt = o.seq;
      continue;
    }
    if (o.kind === 'event' || o.kind === 'link') {
      if (o.seq === null || o.seq === undefined) return fail('inserted', o, 'the log has an event here that the chain never recorded');
      if (BigInt(o.seq) !== expectedSeq) return fail('missing', o, `expected seq ${expectedSeq}, found ${o.seq}: events were removed from the export`);
      if (last && !before(last, o)) return fail('reordered', o, 'positions are not in increasing order');
      let content = o.content_hash;
      if (o.kind === 'event') {
        content = contentHash(o);
        if (content !== o.content_hash) return fail('altered', o, 'the stored event differs from the one chained at this position');
        events++;
      } else {
        if (o.absent) return fail('missing', o, 'the event chained at this position is no longer in the log');
        if (!header.filter) return fail('missing', o, 'an unfiltered export must carry every event');
        withheld++;
      }
      const link = chainLink(previous, content);
      if (link !== o.link) return fail('link_mismatch', o, 'the recorded link does not follow from the previous link and this event');
      const mismatch = heldMismatch(o);
      if (mismatch) return mismatch;
      previous = link;
      expectedSeq++;
      last = o;
      continue;
    }
    if (o.kind === 'signed_head' || o.kind === 'head') {
      if (o.seq === null) return expectedSeq === 0n ? { ok: true, events, withheld, head: null, signed_heads_checked: 0, key: keyNote() } : fail('truncated', o, 'empty head after events');
      if (o.kind === 'signed_head' && o.key_id !== header.key_id) continue; // another key: not trusted, not used
      if (!signatureValid(o, publicKey)) return fail('bad_signature', o, `the ${o.kind} signature does not verify with the ${trustedPublicKeyPem ? 'given' : 'embedded'} public key`);
      if (BigInt(o.seq) !== expectedSeq - 1n || o.link !== previous || !last || String(last.tx) !== String(o.tx) || String(last.pos) !== String(o.pos)) {
        return fail('signed_head_mismatch', o, `the chain recomputed from the export does not reach the ${o.kind} signed at ${o.signed_at}`);
      }
      if (o.kind === 'signed_head') {
        signedChecked++;
        continue;
      }
      for (const [seq, hs] of held) {
        if (BigInt(seq) > BigInt(o.seq)) return fail('signed_head_mismatch', hs[0], `a head you hold (seq ${seq}, signed at ${hs[0].signed_at}) lies beyond this export's head: events were removed or the log was rewritten`);
      }
      return {
        ok: true,
        events,
        withheld,
        from_seq: startedAt === null ? '0' : String(BigInt(startedAt) + 1n),
        head: { seq: o.seq, position: `${o.tx}/${o.pos}`, link: o.link, signed_at: o.signed_at, key_id: o.key_id },
        signed_heads_checked: signedChecked,
        ...(heldHeads ? { held_heads_checked: heldChecked, held_heads_not_covered: [...held.values()].reduce((n, hs) => n + hs.length, 0), held_heads_other_key: heldUntrusted } : {}),
        key: keyNote(),
      };
    }
    return fail('malformed', o, `unknown line kind ${o.kind}`);
  }
  return fail('truncated', last, 'the export ends without a signed head');

  /** A held head at this line's seq must name the same position and link; checked ones leave the map. */
  function heldMismatch(o) {
    const hs = held.get(String(o.seq));
    if (!hs) return null;
    for (const h of hs) {
      if (h.link !== o.link || String(h.tx) !== String(o.tx) || String(h.pos) !== String(o.pos)) {
        return fail('signed_head_mismatch', o, `the export does not reproduce the head you hold for seq ${h.seq} (signed at ${h.signed_at}): the log was rewritten`);
      }
    }
    held.delete(String(o.seq));
    heldChecked += hs.length;
    return null;
  }

  function keyNote() {
    return trustedPublicKeyPem ? 'verified with the public key given on the command line' : 'verified with the public key embedded in the export; pass --public-key with a copy obtained out of band';
  }
}

function main(argv) {
  const file = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--public-key' && argv[i - 1] !== '--heads');
  const k = argv.indexOf('--public-key');
  const h = argv.indexOf('--heads');
  if (!file || (k >= 0 && !argv[k + 1]) || (h >= 0 && !argv[h + 1])) {
    process.stderr.write('usage: node verify-audit-export.js <export.ndjson> [--public-key key.pem] [--heads heads-you-hold]\n');
    return 2;
  }
  const key = k >= 0 ? fs.readFileSync(argv[k + 1], 'utf8') : null;
  let heads = null;
  if (h >= 0) {
    try {
      heads = parseHeads(fs.readFileSync(argv[h + 1], 'utf8'));
    } catch (e) {
      process.stderr.write(`--heads: not a file of heads (${e.message})\n`);
      return 2;
    }
  }
  const report = verifyLines(lines(file), key, heads);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

module.exports = { contentHash, chainLink, headMessage, verifyLines, parseHeads };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
