import type { Kafka, Producer } from 'kafkajs';
import {
  attemptsOf,
  ensurePublicationSchema,
  headImprint,
  headsToPublish,
  markHeadFailed,
  markHeadPublished,
  nextPublicationAttempt,
  HEAD_SIGNED_CHANNEL,
  publicationBacklog,
  publishedHead,
  publishedHeadKey,
  readPublishedHeads,
  requestHeadTimestamp,
  saveHeadTimestamp,
  verifyTimestampToken,
  type AuditSigner,
  type HeadChannel,
  type StoredSignedHead,
} from '@pl/audit';
import { backoffDelay, ensureTopics, HEADERS, TOPIC_SPECS, TOPICS, WEBHOOK_SCHEMA } from '@pl/messaging';
import { linkAt } from '@pl/projections/audit_chain';
import type { SqlDatabase } from '@pl/eventstore';
import type { OutboundPolicy } from '@pl/outbound';
import type { Metrics } from '../../common/metrics';
import type { WorkerService } from './worker-service';

export interface HeadPublisherOptions {
  readonly kafka?: Kafka | null;
  readonly tsaUrl?: string | null;
  /** Required with tsaUrl: the TSA is an outbound destination like a webhook (invariant 14). */
  readonly outbound?: OutboundPolicy;
  readonly tsaCaCertPem?: string | null;
  /**
   * Longest sleep between two passes (default HEAD_PUBLISHER_IDLE_MS). A saved head wakes the
   * publisher at once (NOTIFY from saveSignedHead) and a failed publication at its retry time; this
   * pass only covers a wake-up that could not arrive (the listening connection was lost).
   */
  readonly pollMs?: number;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly metrics?: Metrics;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

type Known = Pick<StoredSignedHead, 'seq' | 'tx' | 'pos' | 'link'>;

export const HEAD_SIGNED_EVENT_TYPE = 'audit.head_signed';

export const HEAD_PUBLISHER_IDLE_MS = 30_000;
const PAGE = 100;

/**
 * Publishes every signed head outside the database (ARCHITECTURE invariant 9, docs/audit.md):
 * the compacted Kafka topic, webhook subscribers of the audit heads topic, and an RFC 3161 token
 * from AUDIT_TSA_URL stored with the head. A failed publication is retried with backoff and shows
 * on /health and `pl_audit_head_publications_failing`; it is never skipped. A head that does not
 * continue the last head published (the chain no longer holds that head's link) is not published:
 * that is a rewrite, reported as `discontinuity`.
 */
export class HeadPublisher implements WorkerService {
  readonly name = 'audit_heads';
  private producer: Producer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private ticking: Promise<void> | null = null;
  /** A wake-up arrived during a pass: run another one right after it. */
  private again = false;
  private tickFailures = 0;
  /** The last pass left heads it did not get to (more than a page). */
  private pending = false;
  private unlisten: (() => Promise<void>) | null = null;
  private last: Known | null = null;
  private discontinuity: string | null = null;
  private readonly failing = new Map<HeadChannel, number>();
  private published = 0;
  private prepared = false;

  constructor(
    private readonly db: SqlDatabase,
    private readonly signer: AuditSigner,
    private readonly options: HeadPublisherOptions = {},
  ) {}

  channels(): HeadChannel[] {
    return [...(this.options.kafka ? (['kafka'] as const) : []), 'webhook', ...(this.options.tsaUrl ? (['tsa'] as const) : [])];
  }

  async start(): Promise<void> {
    this.stopped = false;
    // a head saved by any process (worker, API, CLI) wakes the publisher; otherwise it sleeps
    this.unlisten = await this.db.listen(HEAD_SIGNED_CHANNEL, () => this.wake()).catch(() => null);
    this.schedule(0);
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  /** The newest head this key published on Kafka: what a restarted publisher must continue. */
  private async recoverFromKafka(kafka: Kafka): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, TOPIC_SPECS.filter((s) => s.topic === TOPICS.auditHeads));
    } finally {
      await admin.disconnect();
    }
    const mine = (await readPublishedHeads(kafka)).filter((h) => h.key_id === this.signer.keyId);
    for (const h of mine) if (!this.last || BigInt(h.seq) > BigInt(this.last.seq)) this.last = h;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const idleMs = this.options.pollMs ?? HEAD_PUBLISHER_IDLE_MS;
      this.ticking = this.tick(new Date())
        .then(async () => {
          this.tickFailures = 0;
          return this.untilNextDue(new Date(), idleMs);
        })
        .catch((e) => {
          this.tickFailures++;
          this.options.log?.('error', 'audit head publication tick failed; retrying', { error: (e as Error)?.message });
          return backoffDelay(this.tickFailures, 1000, idleMs);
        })
        .then((delay) => {
          this.ticking = null;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : delay);
        });
    }, ms);
  }

  /** Until the earliest retry of a failed publication of this key (at most `idleMs`); 0 when heads wait unattempted. */
  private async untilNextDue(now: Date, idleMs: number): Promise<number> {
    if (this.pending) return 0;
    const due = await nextPublicationAttempt(this.db, this.signer.keyId);
    return due === null ? idleMs : Math.min(idleMs, Math.max(0, due.getTime() - now.getTime()));
  }

  /** One pass over every channel; exposed for tests. */
  async tick(now: Date): Promise<void> {
    this.pending = false;
    if (!this.prepared) {
      await ensurePublicationSchema(this.db);
      await this.db.exec(WEBHOOK_SCHEMA);
      this.prepared = true;
    }
    if (this.options.kafka && !this.producer) await this.recoverFromKafka(this.options.kafka);
    const lock = await this.db.tryLock('audit_heads:publish');
    if (!lock) return;
    try {
      for (const channel of this.channels()) {
        const heads = await headsToPublish(this.db, channel, this.signer.keyId, now, PAGE);
        if (heads.length >= PAGE) this.pending = true;
        for (const head of heads) {
          const broken = await this.discontinuityOf(head);
          if (broken) {
            if (this.discontinuity !== broken) this.options.log?.('error', 'signed head not published: it does not continue the last published head', { seq: head.seq, reason: broken });
            this.discontinuity = broken;
            await markHeadFailed(this.db, channel, head, `discontinuity: ${broken}`, new Date(now.getTime() + 60_000));
            continue;
          }
          try {
            await this.publish(channel, head);
            await markHeadPublished(this.db, channel, head, now);
            this.options.metrics?.auditHeadPublications.inc({ channel, outcome: 'ok' });
            this.published++;
            if (!this.last || BigInt(head.seq) > BigInt(this.last.seq)) this.last = head;
          } catch (e) {
            const attempts = (await attemptsOf(this.db, channel, head)) + 1;
            const delay = backoffDelay(attempts, this.options.backoff?.initialMs ?? 1000, this.options.backoff?.maxMs ?? 300_000);
            const reason = e instanceof Error ? e.message : 'failed';
            await markHeadFailed(this.db, channel, head, reason, new Date(now.getTime() + delay));
            this.options.metrics?.auditHeadPublications.inc({ channel, outcome: 'error' });
            // one line per change of state: the first failure of a channel, not every retry
            if (!this.failing.get(channel)) this.options.log?.('warn', 'audit head publication failed; retrying', { channel, seq: head.seq, attempts, error: reason });
          }
        }
      }
      // what the database records (also heads another process failed, or retries not yet due)
      const backlog = await publicationBacklog(this.db);
      for (const channel of this.channels()) {
        const n = backlog.find((b) => b.channel === channel)?.failing ?? 0;
        this.failing.set(channel, n);
        this.options.metrics?.auditHeadPublicationsFailing.set({ channel }, n);
      }
      if (!backlog.some((b) => b.last_error?.startsWith('discontinuity'))) this.discontinuity = null;
    } finally {
      await lock.release();
    }
  }

  /** Null when `head` may be published: the chain still holds the last published head and this one. */
  private async discontinuityOf(head: StoredSignedHead): Promise<string | null> {
    for (const h of this.last ? [this.last, head] : [head]) {
      const at = await linkAt(this.db, BigInt(h.seq));
      if (!at || at.link !== h.link || at.tx !== h.tx || at.pos !== h.pos) return `the chain no longer holds the head published at seq ${h.seq}`;
    }
    return null;
  }

  private async publish(channel: HeadChannel, head: StoredSignedHead): Promise<void> {
    const value = JSON.stringify(publishedHead(head));
    switch (channel) {
      case 'kafka':
        await this.producer!.send({
          topic: TOPICS.auditHeads,
          acks: -1,
          messages: [{ key: publishedHeadKey(head), value, headers: { [HEADERS.eventType]: HEAD_SIGNED_EVENT_TYPE, [HEADERS.contentType]: 'application/json' } }],
        });
        return;
      case 'webhook':
        await this.db.query(
          `INSERT INTO webhook_deliveries (service, event_id, topic, event_type, message_key, headers, body)
           SELECT service, $1, $2, $3, $4, $5::jsonb, $6 FROM webhook_endpoints WHERE active AND $2 = ANY(topics)
           ON CONFLICT (service, event_id, topic) DO NOTHING`,
          [
            `audit-head:${publishedHeadKey(head)}`,
            TOPICS.auditHeads,
            HEAD_SIGNED_EVENT_TYPE,
            publishedHeadKey(head),
            JSON.stringify({ [HEADERS.eventType]: HEAD_SIGNED_EVENT_TYPE, [HEADERS.contentType]: 'application/json' }),
            value,
          ],
        );
        return;
      case 'tsa': {
        const onOutcome = (outcome: string) => this.options.metrics?.outboundCalls.inc({ caller: 'tsa', outcome });
        const ts = await requestHeadTimestamp(this.options.outbound!, this.options.tsaUrl!, head, { onOutcome });
        verifyTimestampToken(Buffer.from(ts.token, 'base64'), { sha256: headImprint(head), nonce: Buffer.from(ts.nonce, 'hex'), caCertPem: this.options.tsaCaCertPem ?? undefined });
        await saveHeadTimestamp(this.db, head, ts.token, ts.nonce);
        return;
      }
    }
  }

  status() {
    const failing = Object.fromEntries(this.failing);
    return {
      ready: this.discontinuity === null && [...this.failing.values()].every((n) => n === 0),
      detail: { channels: this.channels(), published: this.published, failing, discontinuity: this.discontinuity, last_published_seq: this.last?.seq ?? null },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = null;
    await this.ticking;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }
}
