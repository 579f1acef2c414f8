import { mentionsSubject, PERSONAL_DATA_ACCESSED, positionText } from '@pl/audit';
import type { EventStore } from '@pl/eventstore';
import { logEvents } from './log-pages';

export interface SubjectHistoryEntry {
  readonly position: string;
  readonly type: string;
  readonly stream: string;
  readonly occurred_at: string | null;
  readonly recorded_at: string | null;
  readonly actor: string | null;
  readonly correlation_id: string | null;
  /** For access records: what was released, why, under which request (PII-free). */
  readonly access?: { what: unknown; purpose: unknown; request_id: unknown };
}

/**
 * Everything the log records about one subject (by pseudonym), without decrypting any field: the
 * audit history an access response (Art. 15) can include, access records among it.
 */
export async function subjectHistory(store: EventStore, subjectKey: string, limit = 10_000): Promise<{ entries: SubjectHistoryEntry[]; truncated: boolean }> {
  const entries: SubjectHistoryEntry[] = [];
  for await (const e of logEvents(store)) {
    if (!mentionsSubject(subjectKey, e.streamId, e.raw?.data ?? '', e.raw?.metadata ?? '')) continue;
    if (entries.length >= limit) return { entries, truncated: true };
    const m = e.metadata ?? ({} as Record<string, unknown>);
    entries.push({
      position: positionText(e.position),
      type: e.type,
      stream: e.streamId,
      occurred_at: typeof m.occurred_at === 'string' ? m.occurred_at : null,
      recorded_at: typeof m.recorded_at === 'string' ? m.recorded_at : null,
      actor: typeof m.actor === 'string' ? m.actor : null,
      correlation_id: typeof m.correlation_id === 'string' ? m.correlation_id : null,
      ...(e.type === PERSONAL_DATA_ACCESSED ? { access: { what: e.data?.what, purpose: e.data?.purpose, request_id: e.data?.request_id ?? null } } : {}),
    });
  }
  return { entries, truncated: false };
}
