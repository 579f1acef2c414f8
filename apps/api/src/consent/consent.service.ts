import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { FaultWatch, ProjectionStuckError, type CatalogQueries, type CommandContext } from '@pl/application';
import { recordPersonalDataAccess } from '@pl/audit';
import { catalog, consent, invalid, positionToString } from '@pl/domain';
import { CONSENT_BASIS_ALIASES, DEFAULT_TCF_PURPOSE_MAP, GPC_RULE, expiryPolicy, reaskAllowedFrom, type ExpiryPolicy } from '@pl/domain/law/consent';
import { parseConsentString } from '@pl/domain/consent/signals';
import { CONSENT_PROJECTION, loadSnapshot, loadSnapshots } from '@pl/projections/consent';
import type { Infrastructure } from '../../../common/infrastructure';
import { CATALOG, INFRA } from '../platform/tokens';
import { AppCommand } from '../platform/app-command';
import type { ConsentResult } from './consent.commands';
import type { RecordConsentDto, ValidateCheckDto, WithdrawConsentDto } from './consent.dto';
import { proofFrom } from './proof';

const REFUSED = new Set(['denied', 'refused', 'rejected']);

const AGE_FIELDS = ['subject_age', 'jurisdiction', 'age_established_by'] as const;

/** The age facts of a record ([G] Art. 8): all three or none; who gave it defaults to the subject. */
function ageInput(dto: RecordConsentDto): consent.AgeInput | null {
  const present = AGE_FIELDS.filter((f) => dto[f] !== undefined);
  const parentFields = dto.given_by !== undefined || dto.parental_verification !== undefined;
  if (!present.length && !parentFields) return null;
  if (present.length < AGE_FIELDS.length) {
    throw invalid(`${AGE_FIELDS.join(', ')} go together: send all three to record a consent with the subject's age (GDPR Art. 8)`, { field: AGE_FIELDS.find((f) => dto[f] === undefined) });
  }
  return {
    jurisdiction: dto.jurisdiction!.trim().toUpperCase(),
    age: dto.subject_age!,
    establishedBy: dto.age_established_by!,
    givenBy: (dto.given_by ?? 'subject') as consent.AgeInput['givenBy'],
    parentalVerification: dto.parental_verification ?? null,
  };
}

/** `CONSENT_EXPIRY_MONTHS=12` and `CONSENT_EXPIRY_MONTHS_BY_PURPOSE=marketing=6,analytics=13`. */
export function expiryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ExpiryPolicy {
  const overrides: Record<string, number> = {};
  for (const pair of (env.CONSENT_EXPIRY_MONTHS_BY_PURPOSE ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = pair.split('=');
    overrides[catalog.resolvePurpose(k.trim())] = Number(v);
  }
  return expiryPolicy(overrides, env.CONSENT_EXPIRY_MONTHS ? Number(env.CONSENT_EXPIRY_MONTHS) : undefined);
}

/**
 * TCF purpose id -> internal purposes: the default map (law/consent.ts) overridden per purpose id by
 * `CONSENT_TCF_PURPOSE_MAP`, JSON like `{"1":["custom.device_storage"],"9":[]}` (keys resolved
 * against the taxonomy at start-up).
 */
export function tcfPurposeMapFromEnv(env: NodeJS.ProcessEnv = process.env): Readonly<Record<number, readonly string[]>> {
  const raw = env.CONSENT_TCF_PURPOSE_MAP?.trim();
  if (!raw) return DEFAULT_TCF_PURPOSE_MAP;
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  const out: Record<number, readonly string[]> = { ...DEFAULT_TCF_PURPOSE_MAP };
  for (const [id, purposes] of Object.entries(parsed)) {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 1 || n > 24 || !Array.isArray(purposes)) throw new Error('CONSENT_TCF_PURPOSE_MAP: keys are TCF purpose ids 1..24, values arrays of purpose keys');
    out[n] = purposes.map((p) => catalog.resolvePurpose(String(p)));
  }
  return out;
}

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

/** Taxonomy resolution and traits are pure: memoised for the hot path (bounded). */
function memo<T>(fn: (...k: string[]) => T, max = 10_000): (...k: string[]) => T {
  const cache = new Map<string, T>();
  return (...k: string[]) => {
    const key = k.join('\u0000');
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const v = fn(...k);
    if (cache.size >= max) cache.clear();
    cache.set(key, v);
    return v;
  };
}
const resolveCategory = memo((v) => catalog.resolveCategory(v));
const resolvePurpose = memo((v) => catalog.resolvePurpose(v));
const traitsOf = memo((purpose, category) => consent.purposeTraits(purpose, category));

function gpcReceived(headers: Record<string, string | string[] | undefined>): boolean {
  const v = headers[GPC_RULE.header];
  return (Array.isArray(v) ? v[0] : v)?.trim() === '1';
}

const gpcAnswer = (received: boolean) =>
  received ? { signal_received: true, honored: true, opt_outs: GPC_RULE.opts_out_of, status: GPC_RULE.honoured_message, source: GPC_RULE.source } : { signal_received: false, honored: false };

@Injectable()
export class ConsentService {
  private readonly policy = expiryPolicyFromEnv();
  private readonly tcfMap = tcfPurposeMapFromEnv();
  private projectionFault: FaultWatch | null = null;

  constructor(
    private readonly commands: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
    @Inject(CATALOG) private readonly bases: Pick<CatalogQueries, 'declaredBases'>,
  ) {}

  private subject(userId: string): string {
    if (typeof userId !== 'string' || !userId.trim()) throw invalid('user_id is required', { field: 'user_id' });
    return this.infra.pseudonymizer.subject(userId);
  }

  private exec(command: consent.ConsentCommand, ctx: CommandContext): Promise<ConsentResult> {
    return this.commands.execute(new AppCommand('consent', 'execute', [command, ctx]));
  }

  async record(dto: RecordConsentDto, ctx: CommandContext, headers: Record<string, string | string[] | undefined>) {
    const subjectKey = this.subject(dto.user_id);
    const categories = [...new Set(dto.data_categories.map((c) => resolveCategory(c)))];
    const bodyPurposes = [...new Set(dto.processing_purposes.map((p) => resolvePurpose(p)))];
    const basis = CONSENT_BASIS_ALIASES[dto.legal_basis.trim()];
    if (!basis) {
      throw invalid('a consent record needs legal_basis consent (Art. 6(1)(a)) or explicit_consent (Art. 9(2)(a)); other bases are declared per processing activity in the catalog', {
        field: 'legal_basis',
        allowed: Object.keys(CONSENT_BASIS_ALIASES),
      });
    }
    const signal = dto.consent_string ? parseConsentString(dto.consent_string, this.tcfMap) : null;
    const purposes = [...new Set([...bodyPurposes, ...(signal?.tcfPurposes ?? [])])];
    const { proof, extra } = proofFrom(dto.consent_metadata, { collected_by: ctx.actor });
    const gpc = gpcReceived(headers);
    const consentId = randomUUID();
    const now = ctx.now.toISOString();
    const age = ageInput(dto);

    if (dto.consent_status === 'withdrawn') {
      const r = await this.exec({ type: 'WithdrawConsent', subjectKey, categories, purposes, gpc, now }, ctx);
      return { ...this.withdrawalBody(r, categories, now), user_id: dto.user_id, gpc: gpcAnswer(gpc) };
    }
    const status = REFUSED.has(dto.consent_status) ? 'refused' : 'given';
    const r = await this.exec(
      {
        type: 'RecordConsent',
        subjectKey,
        consentId,
        status,
        categories,
        purposes,
        basis,
        consentVersion: dto.consent_version,
        givenAt: dto.consent_timestamp,
        expiresAt: dto.expiry_timestamp ?? null,
        expiryPolicy: this.policy,
        proof,
        consentString: dto.consent_string ?? null,
        signal: signal?.summary ?? null,
        extra,
        gpc,
        signalOptOuts: signal?.optOuts ?? null,
        saleOrSharingPurposes: purposes.filter(catalog.isSaleOrSharingPurpose),
        explicitMethod: dto.explicit_consent_method ?? null,
        age,
        now,
      },
      ctx,
    );
    const main = r.events.find((e) => e.type === 'consent.given' || e.type === 'consent.renewed' || e.type === 'consent.refused');
    // A retry under an Idempotency-Key answers from the recorded events: their id, not this run's.
    const recordedId = main?.data.consent_id ?? consentId;
    const expiries = main && main.type !== 'consent.refused' ? main.data.expires_at : {};
    const earliest = Object.values(expiries).sort()[0] ?? null;
    return {
      consent_id: recordedId,
      user_id: dto.user_id,
      data_categories: categories,
      processing_purposes: purposes,
      consent_status: status === 'refused' ? 'denied' : 'granted',
      consent_timestamp: new Date(dto.consent_timestamp).toISOString(),
      expiry_timestamp: earliest,
      expiry_by_purpose: expiries,
      legal_basis: basis,
      ...(main && main.type !== 'consent.refused' && main.data.explicitness ? { explicitness: main.data.explicitness } : {}),
      ...(main && main.type !== 'consent.refused' && main.data.age ? { age: main.data.age } : {}),
      consent_version: dto.consent_version,
      consent_metadata: { ...proof, ...(extra ?? {}) },
      renewed: main?.type === 'consent.renewed',
      renews: main && main.type !== 'consent.refused' ? main.data.renews : [],
      signal: signal?.summary ?? null,
      gpc: gpcAnswer(gpc),
      opt_outs: r.state.opt_outs,
      conflicts: r.state.conflicts.filter((c) => c.consent_id === recordedId),
      events: r.metadata.map((m, i) => ({ event_id: m.event_id, type: r.events[i].type })),
      position: r.appended ? positionToString(r.appended.position) : null,
    };
  }

  async withdraw(dto: WithdrawConsentDto, ctx: CommandContext, headers: Record<string, string | string[] | undefined>) {
    const subjectKey = this.subject(dto.user_id);
    const all = dto.data_categories.length === 0 || dto.data_categories.some((c) => c === 'all' || c === '*');
    const categories = all ? null : [...new Set(dto.data_categories.map(catalog.resolveCategory))];
    const purposes = dto.processing_purposes?.length ? [...new Set(dto.processing_purposes.map(catalog.resolvePurpose))] : null;
    const gpc = gpcReceived(headers);
    const now = ctx.now.toISOString();
    const r = await this.exec({ type: 'WithdrawConsent', subjectKey, categories, purposes, gpc, now }, ctx);
    return { ...this.withdrawalBody(r, categories, now), user_id: dto.user_id, processing_purposes: purposes, gpc: gpcAnswer(gpc) };
  }

  private withdrawalBody(r: ConsentResult, categories: string[] | null, now: string) {
    const w = r.events.find((e) => e.type === 'consent.withdrawn');
    const affected = w && w.type === 'consent.withdrawn' ? w.data.affected : [];
    return {
      withdrawal_timestamp: w && w.type === 'consent.withdrawn' ? w.data.withdrawn_at : now,
      affected_consents: new Set(affected.map((a) => a.consent_id)).size,
      affected: affected.map((a) => ({ consent_id: a.consent_id, data_category: a.category, processing_purpose: a.purpose })),
      // broader consents that stay in force minus the withdrawn part ([G] Art. 7(3))
      narrowed: (w && w.type === 'consent.withdrawn' ? (w.data.narrowed ?? []) : []).map((n) => ({
        consent_id: n.consent_id,
        data_category: n.category,
        processing_purpose: n.purpose,
        excluded: n.excluded.map((x) => ({ data_category: x.category, processing_purpose: x.purpose })),
      })),
      data_categories: categories ?? [...new Set(affected.map((a) => a.category))],
      processing_cessation_initiated: affected.length > 0 || !!(w && w.type === 'consent.withdrawn' && w.data.narrowed?.length),
      position: r.appended ? positionToString(r.appended.position) : null,
    };
  }

  private answer(userId: string, snapshot: consent.ConsentSnapshot | null, category: string, purpose: string, now: Date, declaredBases: readonly string[]): ValidationAnswer {
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
   * Deny by default (invariant 8) includes time: a stuck consent read model may be missing a
   * withdrawal, so validate answers 503 naming it rather than allow from what it last knew.
   */
  private async assertConsentCurrent(): Promise<void> {
    this.projectionFault ??= new FaultWatch(this.infra.db, CONSENT_PROJECTION);
    const fault = await this.projectionFault.current();
    if (fault) throw new ProjectionStuckError(fault.name, fault.errorClass);
  }

  /**
   * `Sec-GPC: 1` on validate is an opt-out of sale/sharing for this subject (11 CCR § 7025(b)):
   * recorded once (the decider appends nothing when it stands), then the answer honours it.
   */
  async validate(userId: string | undefined, category: string | undefined, purpose: string | undefined, headers: Record<string, string | string[] | undefined> = {}, ctx?: CommandContext): Promise<ValidationAnswer & { gpc?: ReturnType<typeof gpcAnswer> }> {
    if (!userId) throw invalid('user_id is required', { field: 'user_id' });
    if (!category) throw invalid('data_category is required', { field: 'data_category' });
    if (!purpose) throw invalid('processing_purpose is required', { field: 'processing_purpose' });
    await this.assertConsentCurrent();
    const c = resolveCategory(category);
    const p = resolvePurpose(purpose);
    const subjectKey = this.subject(userId);
    const [loaded, bases] = await Promise.all([loadSnapshot(this.infra.db, subjectKey), this.bases.declaredBases(p, c)]);
    const gpc = gpcReceived(headers);
    const snapshot = gpc && ctx ? await this.honourGpc(subjectKey, loaded, ctx) : loaded;
    const answer = this.answer(userId, snapshot, c, p, new Date(), bases);
    return gpc ? { ...answer, gpc: gpcAnswer(true) } : answer;
  }

  /** Records the GPC opt-out of sale/sharing unless it already stands (11 CCR § 7025(b)); the snapshot after it. */
  private async honourGpc(subjectKey: string, loaded: consent.ConsentSnapshot | null, ctx: CommandContext): Promise<consent.ConsentSnapshot | null> {
    if (GPC_RULE.opts_out_of.every((k) => loaded?.opt_outs.some((o) => o.kind === k && o.source === 'gpc'))) return loaded;
    const optOut = { kinds: [...GPC_RULE.opts_out_of], source: 'gpc' as const, detail: 'Sec-GPC: 1' };
    return (await this.exec({ type: 'RecordOptOut', subjectKey, optOut, now: ctx.now.toISOString() }, ctx)).state;
  }

  /** `Sec-GPC: 1` on a batch is honoured like on validate, once for each distinct subject of the batch. */
  async validateBatch(checks: ValidateCheckDto[], headers: Record<string, string | string[] | undefined> = {}, ctx?: CommandContext): Promise<{ results: ValidationAnswer[]; allowed: number; denied: number; gpc?: ReturnType<typeof gpcAnswer> }> {
    await this.assertConsentCurrent();
    const resolved = checks.map((c, i) => {
      try {
        return { user_id: c.user_id, subject: this.subject(c.user_id), category: resolveCategory(c.data_category), purpose: resolvePurpose(c.processing_purpose) };
      } catch (e) {
        throw invalid(`checks[${i}]: ${(e as Error).message}`, { index: i });
      }
    });
    const pairs = new Map<string, Promise<string[]>>();
    for (const r of resolved) {
      const k = `${r.purpose}|${r.category}`;
      if (!pairs.has(k)) pairs.set(k, this.bases.declaredBases(r.purpose, r.category));
    }
    const [snapshots] = await Promise.all([loadSnapshots(this.infra.db, resolved.map((r) => r.subject)), ...pairs.values()]);
    const bases = new Map<string, string[]>();
    for (const [k, p] of pairs) bases.set(k, await p);
    const gpc = gpcReceived(headers) && !!ctx;
    if (gpc) {
      for (const subject of new Set(resolved.map((r) => r.subject))) {
        const after = await this.honourGpc(subject, snapshots.get(subject) ?? null, ctx!);
        if (after) snapshots.set(subject, after);
      }
    }
    const now = new Date();
    const results = resolved.map((r) => this.answer(r.user_id, snapshots.get(r.subject) ?? null, r.category, r.purpose, now, bases.get(`${r.purpose}|${r.category}`)!));
    const allowed = results.filter((r) => r.processing_allowed).length;
    return { results, allowed, denied: results.length - allowed, ...(gpc ? { gpc: gpcAnswer(true) } : {}) };
  }

  async state(userId: string) {
    const snapshot = await loadSnapshot(this.infra.db, this.subject(userId));
    const now = Date.now();
    const grants = Object.values(snapshot?.grants ?? {})
      .sort((a, b) => a.category.localeCompare(b.category) || a.purpose.localeCompare(b.purpose))
      .map((g) => ({
        data_category: g.category,
        processing_purpose: g.purpose,
        consent_id: g.consent_id,
        // the domain's expiry rule, as validate: an active grant that is not current reads expired
        status: consent.statusAt(g, now),
        legal_basis: g.legal_basis,
        consent_version: g.consent_version,
        given_at: g.given_at,
        expires_at: g.expires_at,
        ended_at: g.ended_at,
        ...(g.explicit_method ? { explicit_method: g.explicit_method } : {}),
        ...(g.given_by ? { given_by: g.given_by } : {}),
        ...(g.exclusions?.length ? { withdrawn_parts: g.exclusions.map((x) => ({ data_category: x.category, processing_purpose: x.purpose })) } : {}),
      }));
    return {
      user_id: userId,
      known: snapshot !== null,
      consents: grants,
      // when the business may ask again to opt back in (Civ. § 1798.135(c)(4)); GPC stands as long as it is sent
      opt_outs: (snapshot?.opt_outs ?? []).map((o) => ({ ...o, reask_allowed_from: o.source === 'gpc' ? null : reaskAllowedFrom(o.recorded_at) })),
      conflicts: snapshot?.conflicts ?? [],
      restriction: snapshot?.restriction ?? null,
      age: snapshot?.age ?? null,
      objections: snapshot?.objections ?? [],
      updated_at: snapshot?.updated_at ?? null,
    };
  }

  async history(userId: string, pii: boolean, ctx?: CommandContext) {
    const subjectKey = this.subject(userId);
    // Art. 5(2): a release of decrypted personal fields is itself recorded, before the release
    if (pii && ctx) await recordPersonalDataAccess(this.infra, ctx, { subjectKey, what: 'consent.history', purpose: 'consent_history' });
    const { events } = await this.infra.store.readStream(consent.consentStreamId(subjectKey));
    const decoded = pii ? await this.infra.codec.decode(events) : this.infra.codec.omitPersonal(events);
    return {
      user_id: userId,
      // after crypto-shredding nothing is decrypted: say so instead of claiming a decryption
      personal_fields: pii ? personalFieldsState(decoded) : 'omitted',
      events: decoded.map((e) => ({
        event_id: e.metadata.event_id,
        type: e.type,
        revision: Number(e.revision),
        occurred_at: e.metadata.occurred_at,
        recorded_at: e.metadata.recorded_at,
        actor: e.metadata.actor,
        correlation_id: e.metadata.correlation_id,
        data: e.data,
        ...(e.erased ? { erased: true, erased_fields: e.erased_fields } : {}),
      })),
    };
  }
}

/** What a decrypting read actually yielded: every personal field, none (shredded), or part of them. */
export function personalFieldsState(events: ReadonlyArray<{ erased?: boolean; decrypted_fields?: string[] }>): 'decrypted' | 'erased' | 'partly_erased' | 'none' {
  const erased = events.some((e) => e.erased);
  const decrypted = events.some((e) => e.decrypted_fields?.length);
  if (erased) return decrypted ? 'partly_erased' : 'erased';
  return decrypted ? 'decrypted' : 'none';
}
