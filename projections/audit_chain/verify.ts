import { createPublicKey } from 'node:crypto';
import { chainLink, contentHash, GENESIS_LINK, keyIdOf, positionText, signedHeads, verifyHead, type ChainHead, type SignedHead, type StoredSignedHead } from '@pl/audit';
import { comparePositions } from '@pl/domain';
import type { EventStore, SqlExecutor } from '@pl/eventstore';
import { CONTENT_HASH_SQL, logEntries, type LogEntry } from './log-pages';
import { chainedEvent, chainHead, linksPage, type StoredLink } from './queries';
import { firstUncoveredEvent } from './freshness';

export type BreakKind =
  /** the event stored at this position differs from the one chained there */
  | 'altered'
  /** the event chained at this position now sits elsewhere in the log */
  | 'reordered'
  /** the event chained at this position is no longer in the log */
  | 'missing'
  /** the log has an event at this position that was never chained (inside the chained range) */
  | 'inserted'
  /** the events match but the recorded link does not (the chain table itself was changed) */
  | 'link_mismatch'
  /** the recomputed link differs from a signed head, or a signed head lies beyond the chain */
  | 'signed_head_mismatch'
  | 'bad_signature'
  /** events went longer than the head interval without a signed head covering them (heads deleted, or none published) */
  | 'heads_missing'
  /** the latest signed head is older than the interval while events older than the interval follow it */
  | 'head_stale';

export interface ChainBreak {
  readonly kind: BreakKind;
  readonly seq: string | null;
  /** `tx/pos` of the first broken position. */
  readonly position: string;
  readonly expected?: string;
  readonly actual?: string;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Events recomputed and compared. */
  readonly checked: number;
  readonly head: { seq: string; position: string; link: string } | null;
  readonly signed_heads: { readonly checked: number; readonly untrusted: number; readonly held: number; readonly latest: SignedHead | StoredSignedHead | null };
  /** Whether the coverage rule of scheduled heads was applied (an interval given, SQL backend). */
  readonly coverage_checked: boolean;
  readonly first_break: ChainBreak | null;
  readonly elapsed_ms: number;
  readonly events_per_second: number;
  /** `page`: the database compared whole pages and the links matched at every page end; `event`: walked event by event. */
  readonly method: 'page' | 'event';
}

export interface VerifyOptions {
  readonly pageSize?: number;
  /** Skip the fast path (SQL backends) and walk event by event from the start. */
  readonly detailed?: boolean;
  /**
   * The signer's public key (PEM): signed heads are checked with it and heads of any other key are
   * not trusted (counted as `untrusted`). Without it each head is checked with the key stored next to it.
   */
  readonly publicKeyPem?: string;
  readonly onProgress?: (checked: number, total: number) => void;
  /**
   * Heads the auditor holds (a file, the Kafka topic): checked like the stored ones, with
   * `publicKeyPem`. A rewrite that also deleted audit_signed_heads is caught by them.
   */
  readonly heldHeads?: readonly SignedHead[];
  /** AUDIT_HEAD_INTERVAL_MS: apply the coverage rule (freshness.ts) with this interval. */
  readonly headIntervalMs?: number;
  readonly headsSince?: Date | null;
  readonly now?: Date;
}

/**
 * Recomputes the chain from the log (the stored bytes) and compares it, position by position, with
 * the links the audit_chain projection recorded and with every signed head. Reports the first
 * broken position. Events appended after the chain head are not yet chained and not checked.
 */
export async function verifyChain(db: SqlExecutor, store: EventStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const pageSize = options.pageSize ?? 10_000;
  const head = await chainHead(db);
  const all = await signedHeads(db);
  const trustedKeyId = options.publicKeyPem ? keyIdOf(createPublicKey(options.publicKeyPem)) : null;
  const stored = trustedKeyId ? all.filter((s) => s.key_id === trustedKeyId) : all;
  const heldKey = options.publicKeyPem ?? null;
  const held = (options.heldHeads ?? []).filter((h) => heldKey !== null && (!trustedKeyId || h.key_id === trustedKeyId));
  const signed: Array<SignedHead & { public_key?: string }> = [...stored, ...held].sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : 0));
  const untrusted = all.length - stored.length + (options.heldHeads?.length ?? 0) - held.length;
  const bySeq = new Map<string, SignedHead[]>();
  for (const s of signed) bySeq.set(s.seq, [...(bySeq.get(s.seq) ?? []), s]);
  let checked = 0;
  let method: 'page' | 'event' = 'event';
  const coverage = options.headIntervalMs !== undefined && store.backend !== 'eventstoredb';
  /** The chain matched every head: now the coverage rule, the last check. */
  const covered = async (): Promise<VerifyReport> => {
    if (!coverage) return done(null);
    const u = await firstUncoveredEvent(db, signed, options.headIntervalMs!, options.now ?? new Date(), options.headsSince ?? null);
    if (!u) return done(null);
    const detail =
      u.kind === 'head_stale'
        ? `the latest signed head is older than the head interval while the event recorded at ${u.recorded_at} follows it unsigned (due by ${u.due_by})`
        : `no trusted signed head covered the event recorded at ${u.recorded_at} by ${u.due_by}: signed heads are missing for a period longer than the head interval`;
    return done({ kind: u.kind, seq: u.seq, position: u.position, detail });
  };
  const done = (first: ChainBreak | null): VerifyReport => {
    const ms = Date.now() - started;
    return {
      ok: first === null,
      checked,
      head: head ? { seq: head.seq, position: positionText(head), link: head.link } : null,
      signed_heads: { checked: signed.length, untrusted, held: held.length, latest: signed.length ? signed[signed.length - 1] : null },
      coverage_checked: coverage,
      first_break: first,
      elapsed_ms: ms,
      events_per_second: ms > 0 ? Math.round((checked * 1000) / ms) : checked,
      method,
    };
  };
  for (const s of signed) {
    if (!verifyHead(s, options.publicKeyPem ?? s.public_key ?? '')) return done({ kind: 'bad_signature', seq: s.seq, position: positionText(s), detail: `signature of the head signed at ${s.signed_at} does not verify` });
  }
  if (!head) {
    const first = signed[0];
    return first ? done({ kind: 'signed_head_mismatch', seq: first.seq, position: positionText(first), detail: 'a signed head exists but the chain is empty' }) : covered();
  }
  const last = BigInt(head.seq);
  const total = Number(last) + 1;
  options.onProgress?.(0, total);
  if (store.backend !== 'eventstoredb' && !options.detailed) {
    const fast = await fastPath(db, head, bySeq, pageSize, (n) => {
      checked = n;
      options.onProgress?.(n, total);
    });
    if (fast) {
      const beyond = signed.find((s) => BigInt(s.seq) > last);
      if (!beyond) {
        method = 'page';
        return covered();
      }
    }
    checked = 0; // something differs: the detailed walk below names the first broken position
  }
  const log = logEntries(db, store, pageSize);
  let page: LogEntry[] = [];
  let i = 0;
  const peek = async (): Promise<LogEntry | undefined> => {
    if (i < page.length) return page[i];
    const r = await log.next();
    if (r.done) return undefined;
    page = r.value;
    i = 0;
    return page[0];
  };
  let previous = GENESIS_LINK;
  let after = -1n;
  const fetchLinks = (from: bigint) => {
    const p = from < last ? linksPage(db, from, last, pageSize) : Promise.resolve([] as StoredLink[]);
    p.catch(() => undefined);
    return p;
  };
  let nextLinks = fetchLinks(after);
  try {
    while (after < last) {
      const links = await nextLinks;
      if (!links.length) break;
      nextLinks = fetchLinks(links[links.length - 1].seq);
      for (const l of links) {
        const e = i < page.length ? page[i] : await peek();
        const at = { tx: l.tx, pos: l.pos };
        const cmp = e ? comparePositions(e, at) : 1;
        if (cmp > 0) {
          const moved = e ? await movedFrom(db, e) : null;
          return done(
            moved
              ? { kind: 'reordered', seq: l.seq.toString(), position: positionText(at), detail: `the log order changed here: the event chained at seq ${moved.seq} (${positionText(moved)}) now comes next` }
              : { kind: 'missing', seq: l.seq.toString(), position: positionText(at), detail: `the event chained at seq ${l.seq} is not in the log` },
          );
        }
        if (cmp < 0) {
          return done({ kind: 'inserted', seq: null, position: positionText(e!), detail: `the log has an event before seq ${l.seq} that was never chained` });
        }
        const content = e!.content ?? contentHash(e!.fields!);
        const link = chainLink(previous, content);
        if (content !== l.contentHash) {
          const moved = await movedFrom(db, e!);
          return done({
            kind: moved ? 'reordered' : 'altered',
            seq: l.seq.toString(),
            position: positionText(at),
            expected: l.contentHash,
            actual: content,
            detail: moved ? `the event chained at seq ${moved.seq} (${positionText(moved)}) now sits at this position` : 'the stored event differs from the one chained at this position',
          });
        }
        if (link !== l.link) {
          return done({ kind: 'link_mismatch', seq: l.seq.toString(), position: positionText(at), expected: l.link, actual: link, detail: 'the recorded link does not follow from the previous link and this event' });
        }
        const sigs = bySeq.get(l.seq.toString());
        if (sigs) {
          for (const s of sigs) {
            if (s.link !== link || s.tx !== l.tx.toString() || s.pos !== l.pos.toString()) {
              return done({ kind: 'signed_head_mismatch', seq: s.seq, position: positionText(s), expected: s.link, actual: link, detail: `the log does not reproduce the head signed at ${s.signed_at}` });
            }
          }
        }
        previous = link;
        checked++;
        i++;
        after = l.seq;
      }
      options.onProgress?.(checked, total);
    }
  } finally {
    await log.return(undefined);
  }
  if (after < last) return done({ kind: 'missing', seq: (after + 1n).toString(), position: positionText(head), detail: 'the chain table has a gap' });
  const beyond = signed.find((s) => BigInt(s.seq) > last);
  if (beyond) return done({ kind: 'signed_head_mismatch', seq: beyond.seq, position: positionText(beyond), detail: 'a signed head lies beyond the chain: events or links were removed' });
  return covered();
}

/** The chained record of this log event when the chain recorded it at another position. */
async function movedFrom(db: SqlExecutor, e: LogEntry): Promise<{ seq: bigint; tx: bigint; pos: bigint } | null> {
  if (!e.eventId) return null;
  const at = await chainedEvent(db, e.eventId);
  return at && comparePositions(at, e) !== 0 ? at : null;
}

/**
 * SQL backends: per page, the database recomputes each content hash from the stored bytes, joins
 * the recorded link row by position and flags any row whose link row is absent, out of sequence or
 * whose recorded content hash differs; Node chains the content hashes and compares every recorded
 * link and every signed head. True when everything up to the head matches; false sends
 * the caller to the detailed walk, which names the first broken position.
 */
async function fastPath(
  db: SqlExecutor,
  head: ChainHead,
  bySeq: ReadonlyMap<string, SignedHead[]>,
  pageSize: number,
  onProgress: (checked: number) => void,
): Promise<boolean> {
  let after = { tx: -1n, pos: -1n };
  let nextSeq = 0n;
  let previous = GENESIS_LINK;
  const last = BigInt(head.seq);
  const fetch = (from: { tx: bigint; pos: bigint }, seq: bigint) => {
    const p = db.query<{ contents: string | null; links: string | null; n: string; bad: string | null; tx: string | null; pos: string | null }>(
      `WITH p AS (
         SELECT row_number() OVER (ORDER BY transaction_id, global_position) AS n, transaction_id, global_position, ${CONTENT_HASH_SQL} AS content
         FROM es_events
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
           AND (transaction_id, global_position) <= ($3::text::xid8, $4::bigint)
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY transaction_id, global_position
         LIMIT $5
       ), j AS (
         SELECT p.n, p.content, p.transaction_id, p.global_position, l.seq, l.content_hash, l.link
         FROM p LEFT JOIN rm_audit_chain.links l ON l.tx = p.transaction_id::text::numeric AND l.pos = p.global_position
       )
       SELECT string_agg(content, '' ORDER BY n) AS contents, string_agg(link, '' ORDER BY n) AS links, count(*)::text AS n,
              min(n) FILTER (WHERE seq IS NULL OR seq <> $6::bigint + n - 1 OR content_hash <> content)::text AS bad,
              (array_agg(transaction_id::text ORDER BY n DESC))[1] AS tx, (array_agg(global_position::text ORDER BY n DESC))[1] AS pos
       FROM j`,
      [(from.tx < 0n ? 0n : from.tx).toString(), from.pos.toString(), head.tx, head.pos, pageSize, seq.toString()],
    );
    return p;
  };
  while (nextSeq <= last) {
    const r = (await fetch(after, nextSeq)).rows[0];
    const n = Number(r?.n ?? 0);
    if (!n || r.bad !== null || !r.contents || !r.links || r.links.length !== n * 64) return false;
    for (let i = 0; i < n; i++) {
      previous = chainLink(previous, r.contents.slice(i * 64, i * 64 + 64));
      if (r.links.slice(i * 64, i * 64 + 64) !== previous) return false;
      const sigs = bySeq.get((nextSeq + BigInt(i)).toString());
      if (sigs && sigs.some((sig) => sig.link !== previous)) return false;
    }
    nextSeq += BigInt(n);
    after = { tx: BigInt(r.tx!), pos: BigInt(r.pos!) };
    onProgress(Number(nextSeq));
  }
  return nextSeq === last + 1n;
}
