import { consent, invalid } from '@pl/domain';
import { GPC_RULE } from '@pl/domain/law/consent';
import { CONSENT_PROJECTION, loadSnapshot, loadSnapshots } from '@pl/projections/consent';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';
import { ProjectionStuckError } from '../projections/checkpoints';
import { FaultWatch, type ProjectionFault } from '../projections/faults';
import type { ConsentResult } from './execute';
import { gpcAnswer } from './gpc';
import type { ValidateCheck } from './inputs';
import { resolveCategory, resolvePurpose, subjectOf, traitsOf } from './taxonomy';

export interface ValidationAnswer {
  user_id: string;
  data_category: string;
  processing_purpose: string;
  processing_allowed: boolean;
  legal_basis: string | null;
  consent_id?: string;
  expires_at?: string;
  reason: string;
  detail: string;
}

function throwIfStuck(fault: ProjectionFault | null): void {
  if (fault) throw new ProjectionStuckError(fault.name, fault.errorClass);
}

type Execute = (command: consent.ConsentCommand, ctx: CommandContext) => Promise<ConsentResult>;

function answer(userId: string, snapshot: consent.ConsentSnapshot | null, category: string, purpose: string, now: Date, declaredBases: readonly string[]): ValidationAnswer {
  const e = consent.evaluate(snapshot, { category, purpose, now, declaredBases, traits: traitsOf(purpose, category) });
  return {
    user_id: userId,
    data_category: category,
    processing_purpose: purpose,
    processing_allowed: e.allowed,
    legal_basis: e.legal_basis,
    ...(e.consent_id ? { consent_id: e.consent_id } : {}),
    ...(e.expires_at ? { expires_at: e.expires_at } : {}),
    reason: e.reason,
    detail: e.detail,
  };
}

/**
 * The hot path: may this subject's data of this category be processed for this purpose? Deny by
 * default (invariant 8), from the consent read model and the catalog's declared bases. With GPC
 * (`signals.gpc`, given with a context) the subject is opted out of sale/sharing first.
 */
export function consentValidation(deps: AppDeps, execute: Execute) {
  const bases = deps.catalog;
  let projectionFault: FaultWatch | null = null;

  /**
   * Deny by default includes time: a stuck consent read model may be missing a withdrawal, so
   * validate answers 503 naming it rather than allow from what it last knew. A promise only when the
   * last read of the faults is stale (once a second): the hot path checks without one.
   */
  function assertConsentCurrent(): Promise<void> | undefined {
    projectionFault ??= new FaultWatch(deps.db, CONSENT_PROJECTION);
    const cached = projectionFault.cached();
    if (cached === undefined) return projectionFault.current().then(throwIfStuck);
    throwIfStuck(cached);
    return undefined;
  }

  /** Records the GPC opt-out of sale/sharing unless it already stands (11 CCR § 7025(b)); the snapshot after it. */
  async function honourGpc(subjectKey: string, loaded: consent.ConsentSnapshot | null, ctx: CommandContext): Promise<consent.ConsentSnapshot | null> {
    if (GPC_RULE.opts_out_of.every((k) => loaded?.opt_outs.some((o) => o.kind === k && o.source === 'gpc'))) return loaded;
    const optOut = { kinds: [...GPC_RULE.opts_out_of], source: 'gpc' as const, detail: 'Sec-GPC: 1' };
    return (await execute({ type: 'RecordOptOut', subjectKey, optOut, now: ctx.now }, ctx)).state;
  }

  async function validate(
    userId: string | undefined,
    category: string | undefined,
    purpose: string | undefined,
    signals: { gpc: boolean } = { gpc: false },
    ctx?: CommandContext,
  ): Promise<ValidationAnswer & { gpc?: ReturnType<typeof gpcAnswer> }> {
    if (!userId) throw invalid('user_id is required', { field: 'user_id' });
    if (!category) throw invalid('data_category is required', { field: 'data_category' });
    if (!purpose) throw invalid('processing_purpose is required', { field: 'processing_purpose' });
    const stale = assertConsentCurrent();
    if (stale) await stale;
    const c = resolveCategory(category);
    const p = resolvePurpose(purpose);
    const subjectKey = subjectOf(deps, userId);
    // declaredBases is cached (mostly a settled promise): awaited after the snapshot's query, without
    // a Promise.all; a refusal meanwhile is handled (no unhandled rejection) and thrown by the await
    const declaring = bases.declaredBases(p, c);
    declaring.catch(() => undefined);
    const loaded = await loadSnapshot(deps.db, subjectKey);
    const declared = await declaring;
    const snapshot = signals.gpc && ctx ? await honourGpc(subjectKey, loaded, ctx) : loaded;
    const a = answer(userId, snapshot, c, p, new Date(), declared);
    return signals.gpc ? { ...a, gpc: gpcAnswer(true) } : a;
  }

  /** `Sec-GPC: 1` on a batch is honoured like on validate, once for each distinct subject of the batch. */
  async function validateBatch(
    checks: readonly ValidateCheck[],
    signals: { gpc: boolean } = { gpc: false },
    ctx?: CommandContext,
  ): Promise<{ results: ValidationAnswer[]; allowed: number; denied: number; gpc?: ReturnType<typeof gpcAnswer> }> {
    const stale = assertConsentCurrent();
    if (stale) await stale;
    const resolved = checks.map((c, i) => {
      try {
        return { user_id: c.user_id, subject: subjectOf(deps, c.user_id), category: resolveCategory(c.data_category), purpose: resolvePurpose(c.processing_purpose) };
      } catch (e) {
        throw invalid(`checks[${i}]: ${(e as Error).message}`, { index: i });
      }
    });
    // each distinct purpose and category asked once; every check keeps its pair's key
    const pairs = new Map<string, Promise<string[]>>();
    const pairOf = resolved.map((r) => {
      const k = `${r.purpose}|${r.category}`;
      if (!pairs.has(k)) pairs.set(k, bases.declaredBases(r.purpose, r.category));
      return k;
    });
    const [snapshots] = await Promise.all([loadSnapshots(deps.db, resolved.map((r) => r.subject)), ...pairs.values()]);
    const declared = new Map<string, string[]>();
    for (const [k, p] of pairs) declared.set(k, await p);
    const gpc = signals.gpc && !!ctx;
    if (gpc) {
      for (const subject of new Set(resolved.map((r) => r.subject))) {
        const after = await honourGpc(subject, snapshots.get(subject) ?? null, ctx!);
        if (after) snapshots.set(subject, after);
      }
    }
    const now = new Date();
    const results = resolved.map((r, i) => answer(r.user_id, snapshots.get(r.subject) ?? null, r.category, r.purpose, now, declared.get(pairOf[i])!));
    const allowed = results.filter((r) => r.processing_allowed).length;
    return { results, allowed, denied: results.length - allowed, ...(gpc ? { gpc: gpcAnswer(true) } : {}) };
  }

  return { validate, validateBatch };
}
