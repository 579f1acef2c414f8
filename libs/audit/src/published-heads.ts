import type { Kafka } from 'kafkajs';
import { readTopicToEnd, TOPICS } from '@pl/messaging';
import { parseHeldHeads } from './held-heads';
import type { SignedHead } from './signer';

/** Every head on the compacted topic `privacy-ledger.audit.heads.v1` (all keys), as an auditor reads them back. */
export async function readPublishedHeads(kafka: Kafka): Promise<SignedHead[]> {
  const records = await readTopicToEnd(kafka, TOPICS.auditHeads);
  return parseHeldHeads(records.map((r) => r.value ?? '').filter(Boolean).join('\n'));
}
