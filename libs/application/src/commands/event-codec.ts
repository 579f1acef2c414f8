import type { DomainEvent, RecordedEvent } from '@pl/domain';

/**
 * Transforms events on their way into the log (encryption of personal fields, libs/crypto) and back
 * (decryption, for the few readers entitled to personal data). Deciders fold the stored form and
 * must never depend on a personal field, so that a shredded subject still folds.
 */
export interface EventCodec {
  /** `eventIds[i]` is the id event i will be stored under: ciphertexts are bound to it (AAD). */
  encode(streamId: string, events: readonly DomainEvent[], eventIds: readonly string[]): Promise<DomainEvent[]>;
  decode(events: readonly RecordedEvent[]): Promise<RecordedEvent[]>;
}

export const identityCodec: EventCodec = {
  encode: async (_streamId, events) => [...events],
  decode: async (events) => [...events],
};
