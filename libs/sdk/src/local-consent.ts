import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { evaluate, type Evaluation } from '@pl/domain/consent/evaluate';
import type { ConsentSnapshot } from '@pl/domain/consent/state';
import { purposeTraits, type PurposeTraits } from '@pl/domain/consent/traits';
import { resolveCategory, resolvePurpose } from '@pl/domain/catalog/taxonomy';
import { HEADERS, TOPICS, type StateMessage } from './contract';
import { SubjectKeys } from './subject';

export interface ConsentChange {
  readonly subjectKey: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  /** True for a tombstone: the subject was erased, nothing of it is held any more. */
  readonly erased: boolean;
  readonly snapshot: ConsentSnapshot | null;
}

export interface LocalConsentOptions {
  readonly brokers?: readonly string[];
  /** An existing kafkajs client instead of `brokers`. */
  readonly kafka?: Kafka;
  readonly clientId?: string;
  /** Each instance reads every partition: it gets its own consumer group `<prefix>-<uuid>`. */
  readonly groupIdPrefix?: string;
  readonly topic?: string;
  /** Lets `isAllowed` take user ids (mapped to `sub_...` keys like the ledger does); without it pass subject keys. */
  readonly pseudonymSecret?: Buffer | string;
  /**
   * Lawful bases the catalog declares per purpose and category (the server reads them from its
   * catalog). Without it only consent counts locally, which can only deny more, never allow more.
   */
  readonly declaredBases?: (purpose: string, category: string) => readonly string[];
  readonly onChange?: (change: ConsentChange) => void;
  /** How often the lag is measured against the topic's high watermarks (ms). */
  readonly lagIntervalMs?: number;
  /** Event ids remembered for de-duplication. */
  readonly maxSeenEventIds?: number;
}

export interface LocalConsentStatus {
  /** Hydrated: the topic was read up to the end it had when the client started. */
  readonly ready: boolean;
  readonly subjects: number;
  /** Messages on the topic not yet applied (sum over partitions, as of the last measurement). */
  readonly lagMessages: number | null;
  readonly applied: number;
  readonly duplicates: number;
  readonly tombstones: number;
  readonly malformed: number;
  readonly lastAppliedAt: string | null;
  readonly lastError: string | null;
}

interface Resolved {
  readonly category: string;
  readonly purpose: string;
  readonly traits: PurposeTraits;
}

/** A cached boolean answer, valid for `now` in [from, until): time can only end a consent (expiry), never start one. */
interface Decision {
  readonly allowed: boolean;
  readonly from: number;
  readonly until: number;
}

interface Entry {
  readonly revision: bigint;
  readonly snapshot: ConsentSnapshot;
  /** Per resolved (category, purpose); dropped with the entry when a newer state arrives. */
  readonly decisions: Map<Resolved, Decision>;
  /** The last pair asked, inline (most services ask one purpose): saves the map lookup. */
  last: Resolved | null;
  lastDecision: Decision | null;
}

/**
 * Local mode: hydrates from the compacted consent-state topic, follows it, and answers
 * `isAllowed` in process with the server's own `evaluate` (expiry included, deny by default).
 */
export class LocalConsentClient {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly subjects: SubjectKeys;
  private readonly entries = new Map<string, Entry>();
  /** Revision held when a subject was erased: older state messages must not bring it back. */
  private readonly erasedAt = new Map<string, bigint>();
  private readonly seen = new Set<string>();
  private readonly resolved = new Map<string, Map<string, Resolved | null>>();
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private targets = new Map<number, bigint>();
  private consumed = new Map<number, bigint>();
  private readyFlag = false;
  private readyWaiters: Array<() => void> = [];
  private counters = { applied: 0, duplicates: 0, tombstones: 0, malformed: 0 };
  private lagMessages: number | null = null;
  private lastAppliedAt: Date | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: LocalConsentOptions) {
    if (!options.kafka && !options.brokers?.length) throw new Error('LocalConsentClient needs brokers or a kafka client');
    this.kafka = options.kafka ?? new Kafka({ clientId: options.clientId ?? 'privacy-ledger-sdk', brokers: [...options.brokers!], logLevel: logLevel.NOTHING });
    this.topic = options.topic ?? TOPICS.consentState;
    this.subjects = new SubjectKeys(options.pseudonymSecret ?? null);
  }

  get ready(): boolean {
    return this.readyFlag;
  }

  /** Connects and resolves once hydrated (or rejects after `timeoutMs`). */
  async start(timeoutMs = 60_000): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const offsets = await this.admin.fetchTopicOffsets(this.topic).catch((e: Error) => {
      throw new Error(`cannot read topic ${this.topic} (${e.message}); the ledger's relay creates it when it starts`);
    });
    this.targets = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    this.consumer = this.kafka.consumer({ groupId: `${this.options.groupIdPrefix ?? 'pl-consent-cache'}-${randomUUID()}`, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatch: (p) => this.onBatch(p) });
    this.checkReady();
    this.scheduleLag();
    if (!this.readyFlag) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`consent cache not hydrated within ${timeoutMs} ms`)), timeoutMs);
        this.readyWaiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  async stop(): Promise<void> {
    if (this.lagTimer) clearTimeout(this.lagTimer);
    this.lagTimer = null;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.consumer = null;
    this.admin = null;
    this.readyFlag = false;
  }

  /** May this subject's `category` be processed for `purpose` now? Deny by default; unknown category or purpose: deny. */
  isAllowed(userIdOrSubjectKey: string, category: string, purpose: string, now: number | Date = Date.now()): boolean {
    const r = this.resolve(category, purpose);
    if (!r) return false;
    const t = typeof now === 'number' ? now : now.getTime();
    // a subject key is looked up as is (the hot path); anything else goes through the pseudonym mapping
    const entry = this.entries.get(userIdOrSubjectKey) ?? this.entries.get(this.subjects.of(userIdOrSubjectKey));
    if (!entry) return this.options.declaredBases ? evaluate(null, this.query(r, t)).allowed : false;
    const last = entry.lastDecision;
    if (entry.last === r && t >= last!.from && t < last!.until) return last!.allowed;
    const cached = entry.decisions.get(r);
    if (cached && t >= cached.from && t < cached.until) {
      entry.last = r;
      entry.lastDecision = cached;
      return cached.allowed;
    }
    const e = evaluate(entry.snapshot, this.query(r, t));
    // a consent-based answer only changes with a new state or at the consent's expiry; declared bases are asked each time
    if (e.reason !== 'declared_basis') {
      const d = { allowed: e.allowed, from: t, until: e.allowed ? Date.parse(e.expires_at ?? '') || t : Number.POSITIVE_INFINITY };
      entry.decisions.set(r, d);
      entry.last = r;
      entry.lastDecision = d;
    }
    return e.allowed;
  }

  private query(r: Resolved, t: number) {
    return { category: r.category, purpose: r.purpose, now: new Date(t), declaredBases: this.declared(r), traits: r.traits };
  }

  /** The full answer with the reason, as the server's validate gives it. Throws on an unknown category or purpose (the server's 400). */
  check(userIdOrSubjectKey: string, category: string, purpose: string, now: number | Date = Date.now()): Evaluation {
    const c = resolveCategory(category);
    const p = resolvePurpose(purpose);
    const r = { category: c, purpose: p, traits: purposeTraits(p, c) };
    const snapshot = this.entries.get(this.subjects.of(userIdOrSubjectKey))?.snapshot ?? null;
    return evaluate(snapshot, { category: c, purpose: p, now: toDate(now), declaredBases: this.declared(r), traits: r.traits });
  }

  /** The pseudonymous key the ledger uses for this user id (needs `pseudonymSecret`), or the key itself. */
  subjectKeyOf(userIdOrSubjectKey: string): string {
    return this.subjects.of(userIdOrSubjectKey);
  }

  snapshot(userIdOrSubjectKey: string): ConsentSnapshot | null {
    return this.entries.get(this.subjects.of(userIdOrSubjectKey))?.snapshot ?? null;
  }

  status(): LocalConsentStatus {
    return {
      ready: this.readyFlag,
      subjects: this.entries.size,
      lagMessages: this.lagMessages,
      ...this.counters,
      lastAppliedAt: this.lastAppliedAt?.toISOString() ?? null,
      lastError: this.lastError,
    };
  }

  private declared(r: { category: string; purpose: string }): readonly string[] {
    return this.options.declaredBases?.(r.purpose, r.category) ?? [];
  }

  private resolve(category: string, purpose: string): Resolved | null {
    let byPurpose = this.resolved.get(category);
    if (!byPurpose) {
      if (this.resolved.size > 1_000) this.resolved.clear();
      this.resolved.set(category, (byPurpose = new Map()));
    }
    let r = byPurpose.get(purpose);
    if (r === undefined) {
      try {
        const c = resolveCategory(category);
        const p = resolvePurpose(purpose);
        r = { category: c, purpose: p, traits: purposeTraits(p, c) };
      } catch {
        r = null;
      }
      if (byPurpose.size > 1_000) byPurpose.clear();
      byPurpose.set(purpose, r);
    }
    return r;
  }

  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    for (const m of batch.messages) this.apply(m);
    const last = BigInt(batch.lastOffset());
    if (last >= 0n) this.consumed.set(batch.partition, last);
    const lag = Number(batch.offsetLag());
    if (this.lagMessages !== null || lag > 0) this.lagMessages = lag;
    this.checkReady();
  }

  /** Applies one state message: newest revision wins, duplicates and stale re-sends are dropped. */
  apply(m: Pick<KafkaMessage, 'key' | 'value' | 'headers'>): void {
    const subject = m.key?.toString();
    const eventId = m.headers?.[HEADERS.eventId]?.toString() ?? null;
    const eventType = m.headers?.[HEADERS.eventType]?.toString() ?? null;
    if (!subject) {
      this.counters.malformed++;
      return;
    }
    if (eventId && this.seen.has(eventId)) {
      this.counters.duplicates++;
      return;
    }
    if (m.value === null || m.value === undefined) {
      const held = this.entries.get(subject);
      this.erasedAt.set(subject, held?.revision ?? this.erasedAt.get(subject) ?? -1n);
      this.entries.delete(subject);
      this.counters.tombstones++;
      this.remember(eventId);
      this.options.onChange?.({ subjectKey: subject, eventId, eventType, erased: true, snapshot: null });
      return;
    }
    let msg: StateMessage<ConsentSnapshot>;
    let revision: bigint;
    try {
      msg = JSON.parse(m.value.toString()) as StateMessage<ConsentSnapshot>;
      revision = BigInt(msg.revision);
      if (!msg.state || typeof msg.state !== 'object') throw new Error('no state');
    } catch (e) {
      this.counters.malformed++;
      this.lastError = `malformed state message: ${(e as Error).message}`;
      return;
    }
    const held = this.entries.get(subject);
    const erased = this.erasedAt.get(subject);
    if ((held && revision <= held.revision) || (erased !== undefined && revision <= erased)) {
      this.counters.duplicates++;
      this.remember(eventId);
      return;
    }
    this.entries.set(subject, { revision, snapshot: msg.state, decisions: new Map(), last: null, lastDecision: null });
    this.counters.applied++;
    this.lastAppliedAt = new Date();
    this.remember(eventId);
    this.options.onChange?.({ subjectKey: subject, eventId, eventType, erased: false, snapshot: msg.state });
  }

  private remember(eventId: string | null): void {
    if (!eventId) return;
    this.seen.add(eventId);
    if (this.seen.size > (this.options.maxSeenEventIds ?? 200_000)) this.seen.delete(this.seen.values().next().value as string);
  }

  private checkReady(): void {
    if (this.readyFlag) return;
    for (const [partition, high] of this.targets) {
      const c = this.consumed.get(partition);
      if (c === undefined || c < high - 1n) return;
    }
    this.readyFlag = true;
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private scheduleLag(): void {
    this.lagTimer = setTimeout(async () => {
      try {
        if (!this.admin) return;
        const offsets = await this.admin.fetchTopicOffsets(this.topic);
        let lag = 0n;
        for (const o of offsets) {
          const c = this.consumed.get(o.partition);
          const next = c === undefined ? BigInt(o.low) : c + 1n;
          if (BigInt(o.high) > next) lag += BigInt(o.high) - next;
        }
        this.lagMessages = Number(lag);
        this.lastError = null;
      } catch (e) {
        this.lastError = `lag measurement failed: ${(e as Error).message}`;
      }
      if (this.lagTimer) this.scheduleLag();
    }, this.options.lagIntervalMs ?? 1000);
  }
}

function toDate(now: number | Date): Date {
  return typeof now === 'number' ? new Date(now) : now;
}
