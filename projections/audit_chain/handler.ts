import { chainFields, chainLink, contentHash, GENESIS_LINK } from '@pl/audit';
import { subjectKeysIn } from '@pl/domain';
import { comparePositions, type RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

/**
 * Extends the chain by one link per event, in the order the runner delivers (the log's global
 * order). Single writer (the runner's advisory lock); links and checkpoint commit together.
 * Idempotent: events at or before the current head are ignored.
 */
export async function handleAuditChain(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const head = (await tx.query<{ seq: string; tx: string; pos: string; link: string }>('SELECT seq::text AS seq, tx::text AS tx, pos::text AS pos, link FROM links ORDER BY links.seq DESC LIMIT 1')).rows[0];
  let seq = head ? BigInt(head.seq) : -1n;
  let previous = head?.link ?? GENESIS_LINK;
  let last = head ? { tx: BigInt(head.tx), pos: BigInt(head.pos) } : null;
  const seqs: string[] = [];
  const txs: string[] = [];
  const poss: string[] = [];
  const ids: string[] = [];
  const contents: string[] = [];
  const links: string[] = [];
  const index: { keys: string[]; txs: string[]; poss: string[]; streams: string[] } = { keys: [], txs: [], poss: [], streams: [] };
  for (const e of events) {
    if (last && comparePositions(e.position, last) <= 0) continue;
    const content = contentHash(chainFields(e));
    previous = chainLink(previous, content);
    seq += 1n;
    last = e.position;
    seqs.push(seq.toString());
    txs.push(e.position.tx.toString());
    poss.push(e.position.pos.toString());
    ids.push(String(e.metadata?.event_id ?? ''));
    contents.push(content);
    links.push(previous);
    // the keys the event names, as mentionsSubject reads them (stream name, stored data, stored metadata)
    const named = new Set(subjectKeysIn(e.streamId));
    for (const key of subjectKeysIn(e.raw?.data ?? JSON.stringify(e.data ?? null))) named.add(key);
    for (const key of subjectKeysIn(e.raw?.metadata ?? JSON.stringify(e.metadata ?? null))) named.add(key);
    for (const key of named) {
      index.keys.push(key);
      index.txs.push(txs[txs.length - 1]);
      index.poss.push(poss[poss.length - 1]);
      index.streams.push(e.streamId);
    }
  }
  if (!seqs.length) return;
  if (index.keys.length) {
    await tx.query(
      `INSERT INTO subjects (subject_key, tx, pos, stream_id) SELECT * FROM unnest($1::text[], $2::numeric[], $3::bigint[], $4::text[])`,
      [index.keys, index.txs, index.poss, index.streams],
    );
  }
  await tx.query(
    `INSERT INTO links (seq, tx, pos, event_id, content_hash, link)
     SELECT * FROM unnest($1::bigint[], $2::numeric[], $3::bigint[], $4::text[], $5::text[], $6::text[])`,
    [seqs, txs, poss, ids, contents, links],
  );
}
