import { catalog, consent, type RecordedEvent } from '@pl/domain';
import { LEGACY_CONSENT_TOPICS, LEGACY_SOURCE } from '@pl/application/consent/legacy';
import type { OutboundMessage } from '../routing';
import { HEADERS } from '../topics';
import { LEGACY_HEADERS, LEGACY_ORIGIN } from './topics';

type Decoded = RecordedEvent & { readonly erased?: boolean };

export interface LegacyPublishDeps {
  /** Decrypts the personal fields of consent facts (subject id, proof, consent string). */
  readonly decode: (events: readonly RecordedEvent[]) => Promise<Decoded[]>;
  /** A subject's consent stream, for the clear id that a fact without one (an expiry) does not carry. */
  readonly readStream: (streamId: string) => Promise<{ events: RecordedEvent[] }>;
  /** A fact not published, with why (no user id known, subject erased); never an id. */
  readonly onSkipped?: (reason: 'no_user_id' | 'erased') => void;
  /** Also facts that came from the legacy topics (webhooks: they replace the earlier service's; Kafka: never echoed back). */
  readonly includeLegacySourced?: boolean;
}

const TOPIC_OF: Readonly<Record<string, string>> = {
  'consent.given': LEGACY_CONSENT_TOPICS.given,
  'consent.renewed': LEGACY_CONSENT_TOPICS.updated,
  'consent.withdrawn': LEGACY_CONSENT_TOPICS.withdrawn,
  'consent.expired': LEGACY_CONSENT_TOPICS.expired,
};

/** Taxonomy key -> the earlier coarse value where one maps exactly onto it (`user` -> `personal`); other keys as they are. */
const COARSE_OF: ReadonlyMap<string, string> = new Map(Object.entries(catalog.COARSE_CATEGORIES).map(([coarse, key]) => [key, coarse]));
const legacyCategories = (keys: readonly string[]): string[] => [...new Set(keys.map((k) => COARSE_OF.get(k) ?? k))];

/**
 * The legacy relay's messages: each consent fact the ledger records (given, renewed, withdrawn,
 * expired) in the shape the earlier Node consent manager published, keyed by the clear user id.
 * Facts that came from the legacy topics are not echoed back; facts of a subject whose clear id the
 * ledger does not hold (recorded before LEGACY_KAFKA_PUBLISH was on) or whose key is shredded are skipped.
 */
export function legacyConsentMessages(deps: LegacyPublishDeps) {
  return async (events: readonly RecordedEvent[]): Promise<OutboundMessage[]> => {
    const out: OutboundMessage[] = [];
    const userIds = new Map<string, string | null>();
    for (const stored of events) {
      const topic = TOPIC_OF[stored.type];
      if (!topic || (stored.metadata.source === LEGACY_SOURCE && !deps.includeLegacySourced)) continue;
      const [e] = await deps.decode([stored]);
      if (e.erased) {
        deps.onSkipped?.('erased');
        continue;
      }
      const userId = await userIdOf(e, userIds, deps);
      if (!userId) {
        deps.onSkipped?.('no_user_id');
        continue;
      }
      const value = valueOf(e, userId);
      const timestamp = value.timestamp as string;
      out.push({
        topic,
        key: userId,
        value: JSON.stringify(value),
        headers: {
          [LEGACY_HEADERS.eventType]: topic,
          [LEGACY_HEADERS.userId]: userId,
          [LEGACY_HEADERS.timestamp]: timestamp,
          ...(topic === LEGACY_CONSENT_TOPICS.withdrawn ? { [LEGACY_HEADERS.urgency]: 'high' } : {}),
          [LEGACY_HEADERS.origin]: LEGACY_ORIGIN,
          [HEADERS.eventId]: e.metadata.event_id,
        },
        eventId: e.metadata.event_id,
      });
    }
    return out;
  };
}

async function userIdOf(e: Decoded, cache: Map<string, string | null>, deps: LegacyPublishDeps): Promise<string | null> {
  const own = (e.data as { subject_id?: unknown }).subject_id;
  if (typeof own === 'string' && own) {
    cache.set(e.streamId, own);
    return own;
  }
  if (!cache.has(e.streamId)) {
    const history = await deps.decode((await deps.readStream(e.streamId)).events);
    const ids = history.map((h) => (h.data as { subject_id?: unknown }).subject_id).filter((id): id is string => typeof id === 'string' && !!id);
    cache.set(e.streamId, ids.at(-1) ?? null);
  }
  return cache.get(e.streamId) ?? null;
}

function valueOf(e: Decoded, userId: string): Record<string, unknown> {
  const eventId = e.metadata.event_id;
  const c = e as unknown as consent.ConsentEvent;
  switch (c.type) {
    case 'consent.given':
    case 'consent.renewed': {
      const d = c.data;
      return {
        eventId,
        userId,
        consentId: d.consent_id,
        timestamp: d.given_at,
        dataCategories: legacyCategories(d.data_categories),
        processingPurposes: d.processing_purposes,
        consentStatus: 'given',
        // the earlier enum knew consent only: explicit consent (Art. 9(2)(a)) is consent too
        legalBasis: 'consent',
        expiryDate: Object.values(d.expires_at).sort()[0] ?? null,
        consentString: d.consent_string,
        metadata: { userAgent: d.proof.user_agent, ipAddress: d.proof.ip_address, consentInterface: d.proof.channel, language: d.proof.language },
      };
    }
    case 'consent.withdrawn': {
      const d = c.data;
      const ended = [...d.affected.map((a) => a.category), ...(d.narrowed ?? []).flatMap((n) => n.excluded.map((x) => x.category))];
      const extra = (d.extra ?? {}) as { reason?: unknown; required_actions?: unknown };
      return {
        eventId,
        userId,
        timestamp: d.withdrawn_at,
        withdrawalType: d.data_categories === null && d.processing_purposes === null ? 'full' : 'partial',
        dataCategories: legacyCategories(ended),
        reason: typeof extra.reason === 'string' ? extra.reason : null,
        requiredActions: Array.isArray(extra.required_actions) ? extra.required_actions : ['stop_processing'],
      };
    }
    case 'consent.expired': {
      const d = c.data;
      return {
        eventId,
        userId,
        timestamp: d.expired_at,
        consentStatus: 'expired',
        consentIds: [...new Set(d.expired.map((x) => x.consent_id))],
        dataCategories: legacyCategories(d.expired.map((x) => x.category)),
        processingPurposes: [...new Set(d.expired.map((x) => x.purpose))],
      };
    }
    default:
      throw new Error(`no legacy shape for ${e.type}`);
  }
}
