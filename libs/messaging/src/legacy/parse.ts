import type { IHeaders } from 'kafkajs';
import { LEGACY_CONSENT_TOPICS, type LegacyConsentMessage, type LegacyConsentTopic } from '@pl/application/consent/legacy';
import { jsonObjectOf, type Parsed } from '../dead-lettering-consumer';
import { LEGACY_HEADERS, LEGACY_ORIGIN } from './topics';

const GIVEN_FIELDS = ['eventId', 'userId', 'consentId', 'timestamp', 'dataCategories', 'processingPurposes', 'consentStatus', 'legalBasis', 'expiryDate', 'consentString', 'metadata'];
const ENDED_FIELDS = ['eventId', 'userId', 'consentId', 'timestamp', 'withdrawalType', 'dataCategories', 'processingPurposes', 'reason', 'requiredActions'];
const TOPICS = new Set<string>(Object.values(LEGACY_CONSENT_TOPICS));
const GIVEN = new Set(['given', 'granted']);
const ENDED = new Set(['withdrawn', 'expired']);

class Malformed extends Error {}
const fail = (reason: string): never => {
  throw new Malformed(reason);
};

function header(headers: IHeaders | undefined, name: string): string | null {
  const entry = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase());
  const v = entry?.[1];
  if (v === undefined || v === null) return null;
  return (Array.isArray(v) ? v[0] : v).toString();
}

function text(v: Record<string, unknown>, field: string, opts: { optional?: boolean; max?: number } = {}): string | null {
  const x = v[field];
  if (x === undefined || x === null || (opts.optional && x === '')) return opts.optional ? null : fail(`${field} is required`);
  if (typeof x !== 'string' || !x.trim() || x.length > (opts.max ?? 256)) return fail(`${field} must be a non-empty string of at most ${opts.max ?? 256} characters`);
  return x;
}

function list(v: Record<string, unknown>, field: string, opts: { optional?: boolean; nonEmpty?: boolean } = {}): string[] | null {
  const x = v[field];
  if (x === undefined || x === null) return opts.optional ? null : fail(`${field} is required`);
  if (!Array.isArray(x) || x.length > 100 || !x.every((s) => typeof s === 'string' && s.trim() && s.length <= 256)) return fail(`${field} must be an array of at most 100 non-empty strings`);
  if (opts.nonEmpty && !x.length) return fail(`${field} must not be empty`);
  return x as string[];
}

function timestamp(v: Record<string, unknown>, field: string): string {
  const t = text(v, field)!;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(t) || Number.isNaN(Date.parse(t))) fail(`${field} must be an ISO-8601 timestamp`);
  return t;
}

function unknownFields(v: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(v).filter(([k]) => !known.includes(k)));
}

/**
 * Checks a message of the four legacy consent topics, exactly in the shapes the earlier Node consent
 * manager produced (issue 16). Reasons name fields, never values: they travel to the dead-letter
 * topic. The ledger's own legacy messages (header `pl-origin`) are skipped, never consumed back.
 */
export function parseLegacyConsent(topic: string, key: string | null, value: Buffer | null, headers?: IHeaders): Parsed<LegacyConsentMessage> {
  if (header(headers, LEGACY_HEADERS.origin) === LEGACY_ORIGIN) return { ok: 'skip' };
  if (!TOPICS.has(topic)) return { ok: false, reason: 'not a legacy consent topic' };
  const json = jsonObjectOf(value);
  if (!json.ok) return json;
  try {
    return { ok: true, value: shapeOf(topic as LegacyConsentTopic, key, json.value, headers) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, reason: e.message };
    throw e;
  }
}

function shapeOf(topic: LegacyConsentTopic, key: string | null, v: Record<string, unknown>, headers?: IHeaders): LegacyConsentMessage {
  const eventId = text(v, 'eventId', { max: 200 })!;
  const userId = text(v, 'userId')!;
  if (key !== null && key !== userId) fail('message key must be the userId');
  const userHeader = header(headers, LEGACY_HEADERS.userId);
  if (userHeader !== null && userHeader !== userId) fail('userId header must be the userId of the value');
  const ts = timestamp(v, 'timestamp');
  const consentId = text(v, 'consentId', { optional: true, max: 200 });
  const ended = { kind: 'ended', topic, eventId, userId, timestamp: ts, consentId, urgency: header(headers, LEGACY_HEADERS.urgency) } as const;
  if (topic === LEGACY_CONSENT_TOPICS.withdrawn || topic === LEGACY_CONSENT_TOPICS.expired) {
    const expired = topic === LEGACY_CONSENT_TOPICS.expired;
    return {
      ...ended,
      // an expiry names what ended; a withdrawal without categories ends every one
      dataCategories: list(v, 'dataCategories', { optional: !expired, nonEmpty: expired }) ?? [],
      processingPurposes: list(v, 'processingPurposes', { optional: true }),
      withdrawalType: text(v, 'withdrawalType', { optional: true, max: 64 }) ?? (expired ? 'expired' : null),
      reason: text(v, 'reason', { optional: true, max: 2000 }),
      requiredActions: list(v, 'requiredActions', { optional: true }) ?? [],
      unknownFields: unknownFields(v, [...ENDED_FIELDS, 'consentStatus', 'legalBasis', 'expiryDate', 'consentString', 'metadata']),
    };
  }
  const status = text(v, 'consentStatus', { max: 32 })!;
  const dataCategories = list(v, 'dataCategories', { nonEmpty: true })!;
  const processingPurposes = list(v, 'processingPurposes', { nonEmpty: true })!;
  if (topic === LEGACY_CONSENT_TOPICS.updated && ENDED.has(status)) {
    return { ...ended, dataCategories, processingPurposes, withdrawalType: status, reason: null, requiredActions: [], unknownFields: unknownFields(v, GIVEN_FIELDS) };
  }
  if (!GIVEN.has(status)) {
    fail(
      status === 'pending'
        ? 'consentStatus pending records no consent: send consent.given once the user has given it'
        : `consentStatus on ${topic} must be given${topic === LEGACY_CONSENT_TOPICS.updated ? ', withdrawn or expired' : ''}`,
    );
  }
  const metadata = v.metadata ?? {};
  if (typeof metadata !== 'object' || Array.isArray(metadata)) fail('metadata must be an object');
  const expiryDate = v.expiryDate === undefined || v.expiryDate === null ? null : timestamp(v, 'expiryDate');
  return {
    kind: 'given',
    topic,
    eventId,
    userId,
    consentId,
    timestamp: ts,
    dataCategories,
    processingPurposes,
    consentStatus: 'given',
    legalBasis: text(v, 'legalBasis', { max: 64 })!,
    expiryDate,
    consentString: text(v, 'consentString', { optional: true, max: 16384 }),
    metadata: metadata as Record<string, unknown>,
    unknownFields: unknownFields(v, GIVEN_FIELDS),
  };
}
