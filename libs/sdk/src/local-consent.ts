import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { evaluate, type Evaluation } from '@pl/domain/consent/evaluate';
import type { ConsentSnapshot } from '@pl/domain/consent/state';
import { purposeTraits, type PurposeTraits } from '@pl/domain/consent/traits';
import { resolveCategory, resolvePurpose } from '@pl/domain/catalog/taxonomy';
import { HEADERS, TOPICS, type StateMessage } from './contract';
import { DeclaredBasesTable, fetchDeclaredBases, type CatalogSourceOptions } from './declared-bases';
import { NotReadyYetError, retryTransient, type StartRetryOptions } from './retry';
import { SubjectKeys } from './subject';

export interface ConsentChange {
  readonly subjectKey: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  /** True for a tombstone: the subject was erased, nothing of it is held any more. */
  readonly erased: boolean;
  readonly snapshot: ConsentSnapshot | null;
  /** When the ledger recorded the event behind this state (the state message's `updated_at`); null for a tombstone. */
  readonly recordedAt: string | null;
  /** When the relay produced the message (Kafka message timestamp, ms since epoch), when known: propagation lag = now - this. */
  readonly producedAt: number | null;
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
   * catalog), as a function of the resolved taxonomy keys. Without it (and without `catalog`) only
   * consent counts locally, which can only deny more, never allow more. Answers are cached per
   * subject: call `invalidateDecisions()` when what this function returns changes.
   */
  readonly declaredBases?: (purpose: string, category: string) => readonly string[];
  /**
   * Takes the declared bases from the ledger itself (`GET /consent/declared-bases`, scope
   * `consent:read`), with the server's coverage rule, fetched by `start()` and refreshed every
   * `refreshMs` (default 60 s): non-consent purposes then answer exactly like `/consent/validate`.
   * Exclusive with `declaredBases`.
   */
  readonly catalog?: CatalogSourceOptions;
  /** Default deadline of `start()` (ms): retries of a not-yet-ready topic and hydration together. Default 60 000. */
  readonly startTimeoutMs?: number;
  /** Backoff between start attempts while the topic is missing or has no leaders yet. */
  readonly startRetry?: StartRetryOptions;
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
  /** Start attempts that failed on a transient broker condition (topic missing, no leader yet) and were retried. */
  readonly startRetries: number;
  /** With `catalog`: when the declared bases were last fetched, and how many (purpose, category) rows they have. */
  readonly catalog: { readonly fetchedAt: string | null; readonly rows: number; readonly lastError: string | null } | null;
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

/** User ids memoised per client (about 100 bytes each); the memo is cleared when full. */
const USER_MEMO_MAX = 100_000;

interface Entry {
  /** Updated in place when a newer state arrives (so a user id's memoised entry stays current). */
  revision: bigint;
  snapshot: ConsentSnapshot;
  /** Per resolved (category, purpose); cleared when a newer state arrives. */
  decisions: Map<Resolved, Decision>;
  /** Set when a tombstone removed the subject: memos holding this entry look the subject up again. */
  gone: boolean;
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
  /** User id -> the subject's live entry (see entryOf); cleared when it reaches USER_MEMO_MAX ids. */
  private readonly byUser = new Map<string, Entry>();
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
  private startRetries = 0;
  private stopped = false;
  private table: DeclaredBasesTable | null = null;
  private tableFetchedAt: Date | null = null;
  private tableError: string | null = null;
  private tableTimer: NodeJS.Timeout | null = null;
  private readonly declaredMemo = new Map<Resolved, readonly string[]>();

  constructor(private readonly options: LocalConsentOptions) {
    if (!options.kafka && !options.brokers?.length) throw new Error('LocalConsentClient needs brokers or a kafka client');
    if (options.declaredBases && options.catalog) throw new Error('LocalConsentClient takes declaredBases or catalog, not both');
    this.kafka = options.kafka ?? new Kafka({ clientId: options.clientId ?? 'privacy-ledger-sdk', brokers: [...options.brokers!], logLevel: logLevel.NOTHING });
    this.topic = options.topic ?? TOPICS.consentState;
    this.subjects = new SubjectKeys(options.pseudonymSecret ?? null);
  }

  get ready(): boolean {
    return this.readyFlag;
  }

  /**
   * Connects and resolves once hydrated (or rejects after `timeoutMs`). A topic that does not exist
   * yet or has no leader yet (the ledger's relay creates it when it starts; a broker elects leaders
   * shortly after) and an unreachable broker are retried with backoff until the deadline; any other
   * error rejects at once. With `catalog`, the declared bases are fetched first (same deadline).
   */
  async start(timeoutMs = this.options.startTimeoutMs ?? 60_000): Promise<void> {
    this.stopped = false;
    const deadline = Date.now() + timeoutMs;
    if (this.options.catalog) await this.loadCatalog(deadline);
    try {
      await retryTransient(() => this.connect(), {
        deadline,
        cancelled: () => this.stopped,
        cleanup: () => this.disconnect(),
        onRetry: (_n, e) => {
          this.startRetries++;
          this.lastError = `start: ${(e as Error).message}; retrying`;
        },
      }, this.options.startRetry);
    } catch (e) {
      this.lastError = `start: ${(e as Error).message}`;
      throw new Error(`cannot read topic ${this.topic} (${(e as Error).message}); the ledger's relay creates it when it starts`);
    }
    this.lastError = null;
    this.checkReady();
    this.scheduleLag();
    if (!this.readyFlag) {
      const left = Math.max(0, deadline - Date.now());
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`consent cache not hydrated within ${timeoutMs} ms`)), left);
        this.readyWaiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** One start attempt: the topic's current ends (hydration targets), then the consumer. */
  private async connect(): Promise<void> {
    this.admin = this.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
    await this.admin.connect();
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    if (!offsets.length) throw new NotReadyYetError(`topic ${this.topic} has no partitions yet`);
    this.targets = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    this.consumer = this.kafka.consumer({ groupId: `${this.options.groupIdPrefix ?? 'pl-consent-cache'}-${randomUUID()}`, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatch: (p) => this.onBatch(p) });
  }

  private async disconnect(): Promise<void> {
    const c = this.consumer;
    const a = this.admin;
    this.consumer = null;
    this.admin = null;
    await c?.disconnect().catch(() => undefined);
    await a?.disconnect().catch(() => undefined);
  }

  /** The first fetch of the declared bases: retried until the deadline, except on 4xx (wrong key or scope). */
  private async loadCatalog(deadline: number): Promise<void> {
    const o = this.options.catalog!;
    for (let n = 1; ; n++) {
      try {
        this.setTable(await fetchDeclaredBases(o));
        break;
      } catch (e) {
        this.tableError = (e as Error).message;
        const delay = Math.min(250 * 2 ** Math.min(n - 1, 4), 4000);
        if (/answered 4\d\d/.test(this.tableError) || Date.now() + delay >= deadline || this.stopped) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    const every = o.refreshMs ?? 60_000;
    const refresh = async () => {
      try {
        this.setTable(await fetchDeclaredBases(o));
      } catch (e) {
        this.tableError = (e as Error).message; // the last table stays in force
      }
      if (this.tableTimer) this.tableTimer = setTimeout(refresh, every);
    };
    this.tableTimer = setTimeout(refresh, every);
    this.tableTimer.unref?.();
  }

  private setTable(t: DeclaredBasesTable): void {
    const changed = this.table?.fingerprint !== t.fingerprint;
    this.table = t;
    this.tableFetchedAt = new Date();
    this.tableError = null;
    if (changed) this.invalidateDecisions();
  }

  /** Drops every cached answer (they are recomputed on the next call): for when the declared bases changed. */
  invalidateDecisions(): void {
    this.declaredMemo.clear();
    for (const e of this.entries.values()) {
      e.decisions.clear();
      e.last = null;
      e.lastDecision = null;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tableTimer) clearTimeout(this.tableTimer);
    this.tableTimer = null;
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
    // a subject key is looked up as is (the hot path); anything else goes straight through the
    // pseudonym mapping, without a failed lookup first (one hash lookup less per user-id check)
    const entry = this.entryOf(userIdOrSubjectKey);
    if (!entry) return this.hasDeclaredBases() ? evaluate(null, this.query(r, t)).allowed : false;
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

  /**
   * A subject key is looked up as is (the hot path). A user id goes through a memo of user id ->
   * live entry (one hash lookup, like a key); on a miss, or when a tombstone removed that entry,
   * through the pseudonym mapping.
   */
  private entryOf(userIdOrSubjectKey: string): Entry | undefined {
    if (userIdOrSubjectKey.length === 36 && userIdOrSubjectKey.startsWith('sub_')) {
      return this.entries.get(userIdOrSubjectKey) ?? this.entries.get(this.subjects.of(userIdOrSubjectKey));
    }
    const memo = this.byUser.get(userIdOrSubjectKey);
    if (memo && !memo.gone) return memo;
    const entry = this.entries.get(this.subjects.of(userIdOrSubjectKey));
    if (entry) {
      if (this.byUser.size >= USER_MEMO_MAX) this.byUser.clear();
      this.byUser.set(userIdOrSubjectKey, entry);
    }
    return entry;
  }

  private query(r: Resolved, t: number) {
    return { category: r.category, purpose: r.purpose, now: new Date(t), declaredBases: this.declared(r), traits: r.traits };
  }

  /** The full answer with the reason, as the server's validate gives it. Throws on an unknown category or purpose (the server's 400). */
  check(userIdOrSubjectKey: string, category: string, purpose: string, now: number | Date = Date.now()): Evaluation {
    resolveCategory(category);
    resolvePurpose(purpose);
    const r = this.resolve(category, purpose)!;
    const snapshot = this.entries.get(this.subjects.of(userIdOrSubjectKey))?.snapshot ?? null;
    return evaluate(snapshot, { category: r.category, purpose: r.purpose, now: toDate(now), declaredBases: this.declared(r), traits: r.traits });
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
      startRetries: this.startRetries,
      catalog: this.options.catalog ? { fetchedAt: this.tableFetchedAt?.toISOString() ?? null, rows: this.table?.size ?? 0, lastError: this.tableError } : null,
    };
  }

  private hasDeclaredBases(): boolean {
    return this.options.declaredBases !== undefined || this.table !== null;
  }

  private declared(r: Resolved): readonly string[] {
    if (this.options.declaredBases) return this.options.declaredBases(r.purpose, r.category);
    if (!this.table) return [];
    let hit = this.declaredMemo.get(r);
    if (!hit) {
      hit = this.table.basesFor(r.purpose, r.category);
      if (this.declaredMemo.size > 10_000) this.declaredMemo.clear();
      this.declaredMemo.set(r, hit);
    }
    return hit;
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
  apply(m: Pick<KafkaMessage, 'key' | 'value' | 'headers'> & { readonly timestamp?: string }): void {
    const subject = m.key?.toString();
    const producedAt = m.timestamp !== undefined && Number(m.timestamp) > 0 ? Number(m.timestamp) : null;
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
      if (held) held.gone = true;
      this.entries.delete(subject);
      this.counters.tombstones++;
      this.remember(eventId);
      this.options.onChange?.({ subjectKey: subject, eventId, eventType, erased: true, snapshot: null, recordedAt: null, producedAt });
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
    if (held) {
      held.revision = revision;
      held.snapshot = msg.state;
      held.decisions = new Map();
      held.last = null;
      held.lastDecision = null;
    } else {
      this.entries.set(subject, { revision, snapshot: msg.state, decisions: new Map(), gone: false, last: null, lastDecision: null });
    }
    this.counters.applied++;
    this.lastAppliedAt = new Date();
    this.remember(eventId);
    this.options.onChange?.({ subjectKey: subject, eventId, eventType, erased: false, snapshot: msg.state, recordedAt: typeof msg.updated_at === 'string' ? msg.updated_at : null, producedAt });
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
