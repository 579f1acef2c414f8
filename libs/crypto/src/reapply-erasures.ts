import { comparePositions, LOG_START, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore } from '@pl/eventstore';
import { isEncryptedField } from './field-cipher';
import type { SubjectKeyStore } from './key-store';

const ERASED = 'rights.subject_erased';

/**
 * After a key-store backup is restored, the keys of subjects erased since it was taken are back.
 * The log says who was erased and when: a subject's stored key is shredded again unless events
 * recorded after its last erasure use it (the subject came back, and that key is the new one).
 */
export async function reapplyErasures(store: EventStore, keys: SubjectKeyStore, pageSize = 500): Promise<{ erasedSubjects: number; shredded: number }> {
  const erasedAt = new Map<string, LogPosition>();
  await scan(store, pageSize, [ERASED], (e) => {
    if (typeof e.data?.subject_key === 'string') erasedAt.set(e.data.subject_key, e.position);
  });
  const usedSince = new Map<string, Set<string>>();
  await scan(store, pageSize, undefined, (e) => {
    for (const f of encryptedFields(e.data)) {
      const at = erasedAt.get(f.sub);
      if (at && comparePositions(e.position, at) > 0) usedSince.set(f.sub, (usedSince.get(f.sub) ?? new Set()).add(f.kid));
    }
  });
  let shredded = 0;
  for (const sub of erasedAt.keys()) {
    const kid = await keys.storedKeyId(sub);
    if (kid && !usedSince.get(sub)?.has(kid)) shredded += await keys.shred(sub);
  }
  return { erasedSubjects: erasedAt.size, shredded };
}

async function scan(store: EventStore, pageSize: number, typePrefixes: string[] | undefined, visit: (e: RecordedEvent) => void): Promise<void> {
  for (let after = LOG_START; ; ) {
    const page = await store.readPage(after, { maxCount: pageSize, typePrefixes });
    page.events.forEach(visit);
    if (comparePositions(page.scannedTo, after) <= 0) return;
    after = page.scannedTo;
  }
}

function encryptedFields(value: unknown, out: Array<{ sub: string; kid: string }> = []): Array<{ sub: string; kid: string }> {
  if (isEncryptedField(value)) out.push({ sub: value.sub, kid: value.kid });
  else if (Array.isArray(value)) value.forEach((v) => encryptedFields(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => encryptedFields(v, out));
  return out;
}
