import { randomUUID } from 'node:crypto';
import { CryptoEventCodec, PersonalFieldRegistry, type SubjectKeyStore } from '@pl/crypto';
import type { EventMetadata } from '@pl/domain';
import type { EventStore } from '@pl/eventstore';

/** One personal field, `ip_address`, on a test event type: enough to see a key encrypt, decrypt or be gone. */
export const IP_REGISTRY = new PersonalFieldRegistry([{ type: 'test.recorded', paths: ['ip_address'] }]);

export const testMetadata = (eventId: string): EventMetadata => ({ event_id: eventId, occurred_at: '', recorded_at: '', actor: 't', correlation_id: 'c', causation_id: null });

/** Appends one `test.recorded` event with the subject's IP, encrypted with its key; returns the stream. */
export async function recordIp(store: EventStore, keys: SubjectKeyStore, sub: string, ip: string): Promise<string> {
  const stream = `consent-${sub}`;
  const eid = randomUUID();
  const [enc] = await new CryptoEventCodec(keys, IP_REGISTRY).encode(stream, [{ type: 'test.recorded', data: { subject_key: sub, ip_address: ip } }], [eid]);
  await store.append(stream, [{ type: enc.type, data: enc.data, metadata: testMetadata(eid) }], 'any');
  return stream;
}

/** The decrypted IP of each event of the subject's stream (null once its key is gone), read with no cached key. */
export async function ipsOf(store: EventStore, keys: SubjectKeyStore, stream: string): Promise<unknown[]> {
  keys.clearCache();
  return (await new CryptoEventCodec(keys, IP_REGISTRY).decode((await store.readStream(stream)).events)).map((e) => e.data.ip_address);
}
