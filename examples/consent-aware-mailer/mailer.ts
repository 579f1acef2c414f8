import { LocalConsentClient } from '@pl/sdk';

export interface Recipient {
  readonly userId: string;
  readonly email: string;
}

export type MailerLog = (line: Record<string, unknown>) => void;

/**
 * A marketing mailer that asks the local consent cache before every send. No network call on the
 * hot path: the cache follows the compacted consent-state topic, so a withdrawal stops the sends
 * to that subject as soon as it arrives, and an erasure (tombstone) drops the subject's local data.
 */
export class ConsentAwareMailer {
  static readonly CATEGORY = 'user.contact.email';
  static readonly PURPOSE = 'marketing.communications.email';
  private readonly recipients = new Map<string, Recipient>();
  private readonly sent = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly consent: LocalConsentClient,
    private readonly log: MailerLog,
  ) {}

  add(r: Recipient): void {
    this.recipients.set(r.userId, r);
  }

  /** Called by the consent client on every change (wired in main.ts). */
  onErased(subjectKey: string): void {
    for (const [userId] of this.recipients) {
      if (this.consent.subjectKeyOf(userId) === subjectKey) {
        this.recipients.delete(userId);
        this.log({ event: 'erased', subject: subjectKey });
      }
    }
  }

  /** One round: send to every recipient whose consent allows it right now. */
  round(now = Date.now()): void {
    for (const r of this.recipients.values()) {
      const decision = this.consent.check(r.userId, ConsentAwareMailer.CATEGORY, ConsentAwareMailer.PURPOSE, now);
      if (decision.allowed) {
        this.sent.set(r.userId, (this.sent.get(r.userId) ?? 0) + 1);
        this.log({ event: 'sent', user: r.userId, n: this.sent.get(r.userId) });
      } else {
        this.log({ event: 'skipped', user: r.userId, reason: decision.reason });
      }
    }
  }

  start(intervalMs = 50): void {
    this.timer = setInterval(() => this.round(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
