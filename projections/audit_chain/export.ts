import { CONTENT_TAG, GENESIS_LINK, LINK_TAG, chainFields, contentHash, mentionsSubject, signedHeads, type AuditSigner, type SignedHead } from '@pl/audit';
import { comparePositions, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlExecutor } from '@pl/eventstore';
import { logEvents } from './log-pages';
import { chainHead, linksPage, type StoredLink } from './queries';
import { signCurrentHead } from './sign';

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
}

export const isFiltered = (f: ExportFilter): boolean => !!(f.subjectKey || f.from || f.to || f.context);

export function matches(e: RecordedEvent, f: ExportFilter): boolean {
  if (f.context && !e.type.startsWith(f.context.endsWith('.') ? f.context : `${f.context}.`)) return false;
  if (f.from || f.to) {
    const at = Date.parse(String(e.metadata?.recorded_at ?? ''));
    if (Number.isNaN(at)) return false;
    if (f.from && at < f.from.getTime()) return false;
    if (f.to && at >= f.to.getTime()) return false;
  }
  if (f.subjectKey && !mentionsSubject(f.subjectKey, e.streamId, e.raw?.data ?? '', e.raw?.metadata ?? '')) return false;
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
): AsyncGenerator<string> {
  const head = await signCurrentHead(db, signer, now);
  summary.head = head;
  const periodic = new Map<string, object[]>();
  for (const s of await signedHeads(db)) {
    if (head && BigInt(s.seq) < BigInt(head.seq)) periodic.set(s.seq, [...(periodic.get(s.seq) ?? []), { kind: 'signed_head', ...s }]);
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
  const log = logEvents(store);
  const next = async (): Promise<RecordedEvent | undefined> => {
    const r = await log.next();
    return r.done ? undefined : r.value;
  };
  let pending = await next();
  let after = -1n;
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
