import { CONTENT_TAG, GENESIS_LINK, LINK_TAG, chainFields, mentionsSubject, signedHeads, type AuditSigner, type SignedHead, type StoredSignedHead } from '@pl/audit';
import { comparePositions, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlExecutor } from '@pl/eventstore';
import { logEvents } from './log-pages';
import { subjectRequestStreams } from './subject-streams';
import { chainHead, linksPage, type StoredLink } from './queries';
import { signCurrentHead, type SignOptions } from './sign';

export const EXPORT_FORMAT = 'privacy-ledger/audit-export/v1';

export interface ExportFilter {
  /** Only events mentioning this pseudonymous subject key (stream name, stored data or metadata). */
  readonly subjectKey?: string;
  /** Recorded at or after (metadata.recorded_at). */
  readonly from?: Date;
  /** Recorded before. */
  readonly to?: Date;
  /** Event type prefix, e.g. `consent.` for the consent context. */
  readonly context?: string;
  /** The subject's request streams (`subjectRequestStreams`): their events belong to the subject too. */
  readonly subjectStreams?: ReadonlySet<string>;
}

const typePrefix = (context: string) => (context.endsWith('.') ? context : `${context}.`);

export const isFiltered = (f: ExportFilter): boolean => !!(f.subjectKey || f.from || f.to || f.context);

export function matches(e: RecordedEvent, f: ExportFilter): boolean {
  if (f.context && !e.type.startsWith(typePrefix(f.context))) return false;
  if (f.from || f.to) {
    const at = Date.parse(String(e.metadata?.recorded_at ?? ''));
    if (Number.isNaN(at)) return false;
    if (f.from && at < f.from.getTime()) return false;
    if (f.to && at >= f.to.getTime()) return false;
  }
  if (f.subjectKey && !f.subjectStreams?.has(e.streamId) && !mentionsSubject(f.subjectKey, e.streamId, e.raw?.data ?? '', e.raw?.metadata ?? '')) return false;
  return true;
}

export interface ExportSummary {
  events: number;
  withheld: number;
  head: SignedHead | null;
}

/**
 * The log as NDJSON lines (each a JSON object, no trailing newline), from the first event to the
 * chain head: a header, one `event` line per exported event with its recorded content hash and
 * link, one `link` line (hashes only) per event the filter leaves out or the log no longer has
 * (`absent: true`), every periodic `signed_head` in range, and the freshly signed `head` last.
 * scripts/verify-audit-export.js checks it without the service.
 */
export async function* exportAuditLog(
  db: SqlExecutor,
  store: EventStore,
  signer: AuditSigner,
  filter: ExportFilter,
  now: Date,
  summary: ExportSummary = { events: 0, withheld: 0, head: null },
  signing: SignOptions = {},
): AsyncGenerator<string> {
  if (filter.subjectKey && !filter.subjectStreams) filter = { ...filter, subjectStreams: await subjectRequestStreams(store, filter.subjectKey, db) };
  // throws HeadContinuityError before the first line: a rewritten chain gets no fresh signature
  const head = await signCurrentHead(db, signer, now, signing);
  summary.head = head;
  const periodic = new Map<string, object[]>();
  for (const s of await signedHeads(db)) {
    if (head && s.key_id === signer.keyId && BigInt(s.seq) < BigInt(head.seq)) periodic.set(s.seq, [...(periodic.get(s.seq) ?? []), { kind: 'signed_head', ...s }]);
  }
  yield JSON.stringify({
    kind: 'header',
    format: EXPORT_FORMAT,
    content_tag: CONTENT_TAG,
    link_tag: LINK_TAG,
    genesis: GENESIS_LINK,
    key_id: signer.keyId,
    public_key: signer.publicKeyPem,
    filter: isFiltered(filter)
      ? { subject_key: filter.subjectKey ?? null, from: filter.from?.toISOString() ?? null, to: filter.to?.toISOString() ?? null, context: filter.context ?? null }
      : null,
    exported_at: now.toISOString(),
  });
  if (!head) {
    yield JSON.stringify({ kind: 'head', seq: null, link: GENESIS_LINK, note: 'the chain is empty' });
    return;
  }
  const last = BigInt(head.seq);
  const start = store.backend !== 'eventstoredb' ? await startingHead(db, filter, signer.keyId) : null;
  if (start) yield JSON.stringify({ kind: 'start', ...start });
  const log = logEvents(store, 5000, start ? { tx: BigInt(start.tx), pos: BigInt(start.pos) } : undefined);
  const next = async (): Promise<RecordedEvent | undefined> => {
    const r = await log.next();
    return r.done ? undefined : r.value;
  };
  let pending = await next();
  let after = start ? BigInt(start.seq) : -1n;
  const linkLine = (l: StoredLink, absent: boolean) =>
    JSON.stringify({ kind: 'link', seq: l.seq.toString(), tx: l.tx.toString(), pos: l.pos.toString(), content_hash: l.contentHash, link: l.link, ...(absent ? { absent: true } : {}) });
  while (after < last) {
    const links = await linksPage(db, after, last, 5000);
    if (!links.length) break;
    for (const l of links) {
      const at = { tx: l.tx, pos: l.pos };
      while (pending && comparePositions(pending.position, at) < 0) {
        yield eventLine(pending, null);
        summary.events++;
        pending = await next();
      }
      if (!pending || comparePositions(pending.position, at) > 0) {
        yield linkLine(l, true);
      } else {
        if (matches(pending, filter)) {
          yield eventLine(pending, l);
          summary.events++;
        } else {
          yield linkLine(l, false);
          summary.withheld++;
        }
        pending = await next();
      }
      for (const s of periodic.get(l.seq.toString()) ?? []) yield JSON.stringify(s);
      after = l.seq;
    }
  }
  await log.return(undefined);
  yield JSON.stringify({ kind: 'head', ...head, public_key: signer.publicKeyPem });
}

function eventLine(e: RecordedEvent, l: StoredLink | null): string {
  const f = chainFields(e);
  return JSON.stringify({
    kind: 'event',
    seq: l ? l.seq.toString() : null,
    tx: f.tx.toString(),
    pos: f.pos.toString(),
    stream: f.stream,
    revision: f.revision.toString(),
    type: f.type,
    schema_version: f.schemaVersion,
    data: f.data,
    metadata: f.metadata,
    content_hash: l ? l.contentHash : null,
    link: l ? l.link : null,
  });
}

/**
 * A filtered export by subject or context starts at the newest signed head before the first event
 * that could match (a plain substring search, a superset of the filter), not at the genesis: the
 * verifier trusts that head by its signature and chains on from it.
 */
async function startingHead(db: SqlExecutor, f: ExportFilter, keyId: string): Promise<StoredSignedHead | null> {
  if (!f.subjectKey && !f.context) return null;
  const first = await db.query<{ tx: string; gp: string }>(
    `SELECT transaction_id::text AS tx, global_position::text AS gp FROM es_events
     WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       AND ($1::text IS NULL OR strpos(stream_id, $1) > 0 OR strpos(data, $1) > 0 OR strpos(metadata, $1) > 0)
       AND ($2::text IS NULL OR starts_with(type, $2))
     ORDER BY transaction_id, global_position LIMIT 1`,
    [f.subjectKey ?? null, f.context ? typePrefix(f.context) : null],
  );
  if (!first.rows.length) return null;
  const at = await db.query<{ seq: string }>('SELECT seq::text AS seq FROM rm_audit_chain.links WHERE tx = $1 AND pos = $2', [first.rows[0].tx, first.rows[0].gp]);
  if (!at.rows.length) return null;
  const heads = await db.query<StoredSignedHead>(
    `SELECT seq::text AS seq, key_id, tx::text AS tx, pos::text AS pos, link, signed_at, signature, public_key
     FROM audit_signed_heads h WHERE h.seq < $1 AND h.key_id = $2 ORDER BY h.seq DESC LIMIT 1`,
    [at.rows[0].seq, keyId],
  );
  return heads.rows[0] ?? null;
}
