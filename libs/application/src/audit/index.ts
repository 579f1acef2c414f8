import { publishedHead, latestSignedHead, recordPersonalDataAccess, signedHeads, type AuditSigner } from '@pl/audit';
import { invalid, isSubjectKey } from '@pl/domain';
import { chainHead, exportAuditLog, signCurrentHead, signPeriodicHeads, signScheduledHead, subjectHistory, verifyChain, type ExportFilter, type VerifyOptions } from '@pl/projections/audit_chain';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';

export interface AuditSettings {
  /** The Ed25519 signer of chain heads (built on first use: it may create its key). */
  readonly signer: () => AuditSigner;
  /** How often heads must be signed and since when (docs/audit.md), for signing and verifying alike. */
  readonly headPolicy: { readonly headIntervalMs: number; readonly headsSince: Date | null };
  /** An export stores its signed head only when the newest stored head is at least this old. */
  readonly exportHeadMinIntervalMs: number;
  /** The worker signs a head at every multiple of this many events. */
  readonly checkpointEvery: number;
}

export interface AuditExportInput {
  readonly subject_key?: string;
  readonly user_id?: string;
  readonly from?: string;
  readonly to?: string;
  readonly context?: string;
  readonly purpose?: string;
  readonly request_id?: string;
}

function isoDate(v: string | undefined, name: string): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalid(`${name} must be an ISO-8601 date`);
  return d;
}

/** Who asks for a subject's audit history, and why (Art. 15; the access itself is recorded, Art. 5(2)). */
export interface AccessPurpose {
  readonly purpose?: string;
  readonly request_id?: string;
}

/**
 * Tamper evidence (invariant 9): the audit chain's head, verification, signed heads, exports and a
 * subject's history, framework-free; bound once in the composition root (apps/common/application.ts).
 */
export function createAuditUseCases(deps: AppDeps, settings: AuditSettings) {
  const { headPolicy } = settings;
  return {
    publicKey() {
      const signer = settings.signer();
      return { algorithm: 'Ed25519', key_id: signer.keyId, public_key_pem: signer.publicKeyPem };
    },

    head: async () => ({ head: await chainHead(deps.db), latest_signed: await latestSignedHead(deps.db) }),

    /**
     * Recomputes the chain from the log and names the first broken position; an auditor may pass the
     * key obtained out of band and heads held outside the database.
     */
    verify: (now: Date, options: Pick<VerifyOptions, 'publicKeyPem' | 'heldHeads' | 'onProgress'> = {}) =>
      verifyChain(deps.db, deps.store, { publicKeyPem: settings.signer().publicKeyPem, ...options, ...headPolicy, now }),

    /** Every head signed with the current key, as published (an auditor keeps them to verify later). */
    async heads() {
      const signer = settings.signer();
      const mine = (await signedHeads(deps.db)).filter((h) => h.key_id === signer.keyId);
      return { key_id: signer.keyId, public_key: signer.publicKeyPem, heads: mine.map(publishedHead) };
    },

    /** Signs the current chain head now. */
    checkpoint: async (now: Date) => ({ signed: await signCurrentHead(deps.db, settings.signer(), now, headPolicy) }),

    /**
     * NDJSON lines of the log with chain links and a freshly signed head. The head is signed before
     * the first line (a refusal comes before any byte), then the access is recorded (Art. 5(2)).
     */
    async export(input: AuditExportInput, ctx: CommandContext): Promise<AsyncIterable<string>> {
      if (input.subject_key && input.user_id) throw invalid('give subject_key or user_id, not both');
      if (input.subject_key !== undefined && !isSubjectKey(input.subject_key)) throw invalid('subject_key must be a pseudonymous key sub_...');
      const subjectKey = input.subject_key ?? (input.user_id ? deps.pseudonymizer.subject(input.user_id) : undefined);
      const filter: ExportFilter = { subjectKey, from: isoDate(input.from, 'from'), to: isoDate(input.to, 'to'), context: input.context };
      if (filter.from && filter.to && filter.from >= filter.to) throw invalid('from must be before to');
      // the signed head is stored at most once per exportHeadMinIntervalMs; the access event is recorded on every export
      const lines = exportAuditLog(deps.db, deps.store, settings.signer(), filter, ctx.now, undefined, { minStoreIntervalMs: settings.exportHeadMinIntervalMs, ...headPolicy });
      const first = await lines.next();
      await recordPersonalDataAccess(deps, ctx, { subjectKey: subjectKey ?? null, what: 'audit.export', purpose: input.purpose ?? 'audit', requestId: input.request_id });
      return (async function* () {
        if (!first.done) yield `${first.value}\n`;
        for await (const line of lines) yield `${line}\n`;
      })();
    },

    /** What the log records about one subject, pseudonymised, nothing decrypted (Art. 15); the access is recorded. */
    async subjectHistory(userId: string, q: AccessPurpose, ctx: CommandContext) {
      if (!userId || userId.length > 256) throw invalid('user_id must be 1 to 256 characters');
      const subjectKey = deps.pseudonymizer.subject(userId);
      await recordPersonalDataAccess(deps, ctx, { subjectKey, what: 'audit.subject_history', purpose: q.purpose ?? 'access_request', requestId: q.request_id });
      const { entries, truncated } = await subjectHistory(deps.store, subjectKey, 10_000, deps.db);
      return { subject: subjectKey, events: entries, truncated };
    },

    /** The worker's signing job: a head at every `checkpointEvery` events and on the head schedule. */
    async signDueHeads(now: Date): Promise<void> {
      // the head read once for both jobs (this runs every 5 s: an idle service's most frequent queries)
      const head = await chainHead(deps.db);
      if (!head) return;
      const signer = settings.signer();
      await signPeriodicHeads(deps.db, signer, now, settings.checkpointEvery, headPolicy, head);
      await signScheduledHead(deps.db, signer, now, headPolicy, head);
    },
  };
}

export type AuditUseCases = ReturnType<typeof createAuditUseCases>;
