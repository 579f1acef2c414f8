import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { HEADERS, TOPICS } from './contract';
import { NotReadyYetError, retryTransient, type StartRetryOptions } from './retry';
import { SubjectKeys } from './subject';

/** The server's `GET /consent/validate` answer. */
export interface ValidationAnswer {
  readonly user_id: string;
  readonly data_category: string;
  readonly processing_purpose: string;
  readonly processing_allowed: boolean;
  readonly legal_basis: string | null;
  readonly consent_id?: string;
  readonly expires_at?: string;
  readonly reason: string;
  readonly detail?: string;
}

export interface RemoteConsentOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Answers are cached this long (ms); consent events for the subject drop them earlier. */
  readonly ttlMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Follow the consent events topic to invalidate cached answers as soon as a subject's consent changes. */
  readonly invalidation?: {
    readonly brokers?: readonly string[];
    readonly kafka?: Kafka;
    readonly groupIdPrefix?: string;
    /** The consent events topic; default `TOPICS.consentEvents`. */
    readonly topic?: string;
  };
  /** Deadline of `start()` (ms) while the events topic is missing or has no leader yet. Default 60 000. */
  readonly startTimeoutMs?: number;
  readonly startRetry?: StartRetryOptions;
  /** With it, invalidation drops only the changed subject's answers; without it, any consent event clears the cache. */
  readonly pseudonymSecret?: Buffer | string;
}

interface Cached {
  answer: ValidationAnswer;
  until: number;
  subject: string | null;
}

/** Remote mode: HTTP validate against the ledger with a short-TTL cache invalidated by consent events. */
export class RemoteConsentClient {
  private readonly cache = new Map<string, Cached>();
  private readonly bySubject = new Map<string, Set<string>>();
  private readonly subjects: SubjectKeys | null;
  private consumer: Consumer | null = null;
  private invalidations = 0;
  private startRetries = 0;
  private stopped = false;

  constructor(private readonly options: RemoteConsentOptions) {
    this.subjects = options.pseudonymSecret ? new SubjectKeys(options.pseudonymSecret) : null;
  }

  /**
   * Starts following consent events (only when `invalidation` is configured); resolves once the
   * consumer joined its group. An events topic that does not exist yet or has no leader yet (the
   * ledger's relay creates it when it starts) is waited for, with backoff, until `timeoutMs`.
   */
  async start(timeoutMs = this.options.startTimeoutMs ?? 60_000): Promise<void> {
    const inv = this.options.invalidation;
    if (!inv) return;
    this.stopped = false;
    const deadline = Date.now() + timeoutMs;
    const kafka = inv.kafka ?? new Kafka({ clientId: 'privacy-ledger-sdk', brokers: [...(inv.brokers ?? [])], logLevel: logLevel.NOTHING });
    const { joined: isJoined } = await retryTransient(() => this.connect(kafka, inv), {
      deadline,
      cancelled: () => this.stopped,
      cleanup: () => this.disconnect(),
      onRetry: () => void this.startRetries++,
    }, this.options.startRetry);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        isJoined,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`invalidation consumer did not join its group within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now())))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async connect(kafka: Kafka, inv: NonNullable<RemoteConsentOptions['invalidation']>): Promise<{ joined: Promise<void> }> {
    const topic = inv.topic ?? TOPICS.consentEvents;
    const groupId = `${inv.groupIdPrefix ?? 'pl-consent-remote'}-${randomUUID()}`;
    // The group starts at the topic's end as of now, committed before the consumer runs: with a
    // plain "latest" reset, events between the group join and the consumer's own offset lookup
    // would be skipped and their subjects' answers would stay cached until the TTL.
    const admin = kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      if (!ends.length) throw new NotReadyYetError(`topic ${topic} has no partitions yet`);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })) });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    // never auto-create the topic: the relay creates it with its partitions and retention
    this.consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: false });
    let joined: () => void = () => undefined;
    const isJoined = new Promise<void>((r) => (joined = r));
    const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      off();
      joined();
    });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (!message.headers?.[HEADERS.eventType]?.toString().startsWith('consent.')) return;
        this.invalidate(message.key?.toString() ?? null);
      },
    });
    // wrapped: an async function returning the promise itself would wait for it
    return { joined: isJoined };
  }

  private async disconnect(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    await c?.disconnect().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.disconnect();
  }

  stats() {
    return { cached: this.cache.size, invalidations: this.invalidations, startRetries: this.startRetries };
  }

  /** Drops cached answers of a subject (or all of them when the subject cannot be mapped). */
  invalidate(subjectKey: string | null): void {
    this.invalidations++;
    if (!this.subjects || !subjectKey) {
      this.cache.clear();
      this.bySubject.clear();
      return;
    }
    for (const k of this.bySubject.get(subjectKey) ?? []) this.cache.delete(k);
    this.bySubject.delete(subjectKey);
  }

  async check(userId: string, category: string, purpose: string): Promise<ValidationAnswer> {
    const key = `${userId}\u0000${category}\u0000${purpose}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.answer;
    const url = new URL('/consent/validate', this.options.baseUrl);
    url.searchParams.set('user_id', userId);
    url.searchParams.set('data_category', category);
    url.searchParams.set('processing_purpose', purpose);
    const res = await (this.options.fetch ?? fetch)(url, {
      headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 2000),
    });
    const body = (await res.json().catch(() => null)) as ValidationAnswer | { message?: string } | null;
    if (!res.ok) throw new Error(`validate failed: HTTP ${res.status} ${(body as { message?: string } | null)?.message ?? ''}`.trim());
    const answer = body as ValidationAnswer;
    const subject = this.subjects?.of(userId) ?? null;
    this.cache.set(key, { answer, until: Date.now() + (this.options.ttlMs ?? 1000), subject });
    if (subject) {
      let set = this.bySubject.get(subject);
      if (!set) this.bySubject.set(subject, (set = new Set()));
      set.add(key);
    }
    if (this.cache.size > 100_000) {
      this.cache.clear();
      this.bySubject.clear();
    }
    return answer;
  }

  /** Deny by default: an error (network, 4xx, 5xx) answers false. */
  async isAllowed(userId: string, category: string, purpose: string): Promise<boolean> {
    try {
      return (await this.check(userId, category, purpose)).processing_allowed;
    } catch {
      return false;
    }
  }
}
