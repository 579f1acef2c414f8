import { GDPR_ART10, GDPR_ART9 } from '../law/special-categories';
import { DomainError } from '../shared';
import { isSpecial } from '../law/special-categories';
import { isLawfulBasis, COARSE_LAWFUL_BASES } from '../law/lawful-bases';
import { normalizeActivity, type ActivityInput, type ActivitySnapshot } from './activity';
import { screenDpia } from './dpia-screening';
import { normalizeFlow, type FlowInput, type FlowSnapshot } from './flow';
import type { KnownSystems } from './lifecycle';
import { normalizeProcessorRecord, type ProcessorRecordInput, type ProcessorRecordSnapshot } from './processor-record';
import { normalizeElement, normalizeSystem, type DataElementInput, type SystemInput, type SystemSnapshot } from './system';
import { categoryCovers, specialFlagsOf } from './taxonomy';
import { assessDeclaredTransfer, assessTransfer } from './transfer-assessment';
import type { DeclaredTransfer } from './declared-transfer';
import { ruleFor } from './retention';

/**
 * A privacy manifest: systems (with their data elements), processing activities, data flows and
 * processor records, as one document a company keeps next to its code and checks in CI.
 */
export interface Manifest {
  version?: number;
  systems?: Array<SystemInput & { elements?: DataElementInput[] }>;
  activities?: ActivityInput[];
  flows?: FlowInput[];
  processor_records?: ProcessorRecordInput[];
}

export type ManifestPath = ReadonlyArray<string | number>;

export interface Finding {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly path: ManifestPath;
  /** 1-based line of the entry in the source, when known. */
  readonly line?: number;
}

export interface NormalizedManifest {
  readonly systems: Array<{ system: SystemSnapshot; elements: DataElementInput[]; path: ManifestPath }>;
  readonly activities: Array<{ activity: ActivitySnapshot; input: ActivityInput; path: ManifestPath }>;
  readonly flows: Array<{ flow: FlowSnapshot; input: FlowInput; path: ManifestPath }>;
  readonly processor_records: Array<{ record: ProcessorRecordSnapshot; input: ProcessorRecordInput; path: ManifestPath }>;
}

function codeOf(e: DomainError): string {
  const field = String(e.details?.field ?? '');
  if (['data_category', 'purpose', 'subject_category'].includes(field)) return 'unknown_taxonomy_key';
  if (field.endsWith('lawful_basis')) return /no lawful basis/.test(e.message) ? 'purpose_without_lawful_basis' : 'invalid_lawful_basis';
  if (/country/.test(field)) return 'unknown_country';
  if (field === 'systems' || field === 'source_system' || field === 'target_system') return 'unknown_system';
  return 'invalid_entry';
}

/** Where a rejected value sits inside an entry, so the finding points at its line. */
function pathOfValue(node: unknown, value: string): Array<string | number> | null {
  if (typeof node === 'string') return node.trim() === value || node.trim().toUpperCase() === value ? [] : null;
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const sub = pathOfValue(v, value);
      if (sub) return [Array.isArray(node) ? Number(k) : k, ...sub];
    }
  }
  return null;
}

function arrayOf<T>(value: unknown, path: ManifestPath, findings: Finding[]): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    findings.push({ severity: 'error', code: 'invalid_entry', message: `${path.join('.')} must be a list`, path });
    return [];
  }
  return value as T[];
}

/** Validates every entry with the same rules as the deciders; invalid entries become error findings. */
export function normalizeManifest(m: Manifest, findings: Finding[], registered: KnownSystems = {}): NormalizedManifest {
  const out: NormalizedManifest = { systems: [], activities: [], flows: [], processor_records: [] };
  const guard = <T>(path: ManifestPath, fn: () => T, entry?: unknown): T | null => {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const quoted = e.rejected ?? /"([^"]+)"/.exec(e.message)?.[1];
      const sub = quoted !== undefined && entry !== undefined ? pathOfValue(entry, quoted) : null;
      findings.push({ severity: 'error', code: codeOf(e), message: e.message, path: sub ? [...path, ...sub] : path });
      return null;
    }
  };
  if (!m || typeof m !== 'object' || Array.isArray(m)) {
    findings.push({ severity: 'error', code: 'invalid_entry', message: 'a manifest is a mapping with systems, activities, flows and processor_records', path: [] });
    return out;
  }
  const allowedTop = ['version', 'systems', 'activities', 'flows', 'processor_records'];
  for (const k of Object.keys(m)) {
    if (!allowedTop.includes(k)) findings.push({ severity: 'error', code: 'invalid_entry', message: `unknown top-level key "${k.slice(0, 40)}" (allowed: ${allowedTop.join(', ')})`, path: [k] });
  }
  const roles: Record<string, { role: 'controller' | 'processor' }> = { ...registered };
  const declared = new Set<string>();
  arrayOf<SystemInput & { elements?: DataElementInput[] }>(m.systems, ['systems'], findings).forEach((s, i) => {
    const path = ['systems', i];
    const system = guard(path, () => normalizeSystem(s), s);
    if (!system) return;
    if (declared.has(system.system_id)) {
      findings.push({ severity: 'error', code: 'duplicate_id', message: `system ${system.system_id} is declared twice`, path });
      return;
    }
    declared.add(system.system_id);
    roles[system.system_id] = { role: system.role };
    const elements = arrayOf<DataElementInput>(s.elements, [...path, 'elements'], findings);
    elements.forEach((el, j) => {
      const r = guard([...path, 'elements', j], () => normalizeElement(el), el);
      if (!r) return;
      if (!r.element.category) {
        findings.push({
          severity: 'warning',
          code: 'unclassified_element',
          message: `element ${r.element.element_id} has no category${r.suggestion ? `; suggested ${r.suggestion.category} (rule ${r.suggestion.rule})` : ''}`,
          path: [...path, 'elements', j],
        });
      } else if (r.suggestion && !categoryCovers(r.suggestion.category, r.element.category) && !categoryCovers(r.element.category, r.suggestion.category)) {
        findings.push({
          severity: 'info',
          code: 'classification_differs',
          message: `element ${r.element.element_id} is classified ${r.element.category}; its name suggests ${r.suggestion.category} (rule ${r.suggestion.rule})`,
          path: [...path, 'elements', j],
        });
      }
    });
    out.systems.push({ system, elements, path });
  });
  const known = Object.keys(roles);
  arrayOf<ActivityInput>(m.activities, ['activities'], findings).forEach((a, i) => {
    const path = ['activities', i];
    const purposes = Array.isArray(a?.purposes) ? a.purposes : [];
    let precheck = true;
    purposes.forEach((p, j) => {
      const basis = p?.lawful_basis;
      if (basis === undefined || basis === null || basis === '') {
        precheck = false;
        findings.push({ severity: 'error', code: 'purpose_without_lawful_basis', message: `purpose ${String(p?.purpose)} of activity ${String(a?.activity_id)} has no lawful basis (Art. 6(1))`, path: [...path, 'purposes', j] });
      } else if (!isLawfulBasis(String(basis)) && !COARSE_LAWFUL_BASES[String(basis)]) {
        precheck = false;
        findings.push({ severity: 'error', code: 'invalid_lawful_basis', message: `lawful basis "${String(basis).slice(0, 40)}" is not one of GDPR Art. 6(1)(a)-(f)`, path: [...path, 'purposes', j] });
      }
    });
    if (!precheck) return;
    const activity = guard(path, () => normalizeActivity(a, known), a);
    if (activity) out.activities.push({ activity, input: a, path });
  });
  arrayOf<FlowInput>(m.flows, ['flows'], findings).forEach((f, i) => {
    const path = ['flows', i];
    const flow = guard(path, () => normalizeFlow(f, roles as KnownSystems), f);
    if (flow) out.flows.push({ flow, input: f, path });
  });
  arrayOf<ProcessorRecordInput>(m.processor_records, ['processor_records'], findings).forEach((r, i) => {
    const path = ['processor_records', i];
    const record = guard(path, () => normalizeProcessorRecord(r, known), r);
    if (record) out.processor_records.push({ record, input: r, path });
  });
  return out;
}

/** Finding codes that mean an entry cannot be registered at all (apply refuses the whole manifest). */
export const BLOCKING_CODES: ReadonlySet<string> = new Set(['invalid_entry', 'unknown_taxonomy_key', 'invalid_lawful_basis', 'purpose_without_lawful_basis', 'unknown_country', 'unknown_system', 'duplicate_id']);

/** Compliance findings over a manifest (CI: any error fails the build). `at` fixes the law in force (adequacy decisions). */
export function evaluateManifest(m: Manifest, at: Date, registered: KnownSystems = {}): { findings: Finding[]; normalized: NormalizedManifest } {
  const findings: Finding[] = [];
  const n = normalizeManifest(m, findings, registered);
  const systems = new Map(n.systems.map((s) => [s.system.system_id, s.system]));
  for (const { activity: a, path } of n.activities) findings.push(...activityFindings(a, systems, at).map((f) => ({ ...f, path })));
  for (const { flow, path } of n.flows) {
    const r = assessTransfer(flow, at);
    if (!r.allowed) {
      findings.push({
        severity: 'error',
        code: 'transfer_without_safeguard',
        message: `flow ${flow.flow_id} to ${flow.destination_organisation ?? flow.destination_country} is not allowed: ${[...r.reasons, ...r.missing.map((x) => `missing ${x}`)].join('; ')}`,
        path,
      });
    } else {
      for (const w of r.warnings) findings.push({ severity: 'warning', code: 'transfer_warning', message: `flow ${flow.flow_id}: ${w}`, path });
    }
  }
  for (const { record, path } of n.processor_records) findings.push(...declaredTransferFindings(`processor record ${record.record_id}`, record.transfers, 'processor', at).map((f) => ({ ...f, path })));
  return { findings, normalized: n };
}

/** Transfers declared in an activity or processor record, assessed like flows (Art. 44-49). */
export function declaredTransferFindings(owner: string, transfers: readonly DeclaredTransfer[], exporter: 'controller' | 'processor', at: Date): Array<Omit<Finding, 'path' | 'line'>> {
  return transfers.flatMap((t): Array<Omit<Finding, 'path' | 'line'>> => {
    const r = assessDeclaredTransfer(t, exporter, at);
    if (!r.allowed) {
      const why = [...r.reasons, ...r.missing.map((x) => `missing ${x}`)].join('; ');
      return [{ severity: 'error' as const, code: 'transfer_without_safeguard', message: `${owner} transfers to ${t.country} (${t.recipient}) without a valid basis: ${why}` }];
    }
    return r.warnings.map((w) => ({ severity: 'warning' as const, code: 'transfer_warning', message: `${owner} transfer to ${t.country} (${t.recipient}): ${w}` }));
  });
}

/** Compliance findings of one processing activity (shared by `evaluate`, the API and dashboards). */
export function activityFindings(a: ActivitySnapshot, systems: ReadonlyMap<string, Pick<SystemSnapshot, 'consent_check'>>, at: Date): Array<Omit<Finding, 'path' | 'line'>> {
  const out: Array<Omit<Finding, 'path' | 'line'>> = [];
  const special = a.data_categories.filter((c) => specialFlagsOf(c).gdpr_art9);
  if (special.length && !a.art9_condition) {
    out.push({ severity: 'error', code: 'special_category_without_art9_condition', message: `activity ${a.activity_id} processes ${special.join(', ')} (${GDPR_ART9.source}) without an Art. 9(2) condition` });
  }
  const art10 = a.data_categories.filter((c) => specialFlagsOf(c).gdpr_art10);
  if (art10.length) out.push({ severity: 'warning', code: 'criminal_data', message: `activity ${a.activity_id} processes ${art10.join(', ')}: ${GDPR_ART10.source} requires official authority or authorisation by law` });
  const uncovered = a.data_categories.filter((c) => !ruleFor(a, c));
  if (uncovered.length) out.push({ severity: 'error', code: 'no_retention_limit', message: `activity ${a.activity_id} sets no retention limit for ${uncovered.join(', ')} (Art. 30(1)(f), Art. 5(1)(e))` });
  const consentPurposes = a.purposes.filter((p) => p.lawful_basis === 'consent');
  if (consentPurposes.length) {
    for (const sid of a.systems) {
      const s = systems.get(sid);
      if (s && !s.consent_check) {
        out.push({
          severity: 'error',
          code: 'consent_without_consent_check',
          message: `activity ${a.activity_id} relies on consent for ${consentPurposes.map((p) => p.purpose).join(', ')} but system ${sid} declares no consent check`,
        });
      }
    }
  }
  out.push(...declaredTransferFindings(`activity ${a.activity_id}`, a.transfers, 'controller', at));
  const dpia = screenDpia(a, at);
  if (dpia.outcome !== 'not_indicated') out.push({ severity: 'warning', code: `dpia_${dpia.outcome}`, message: `activity ${a.activity_id}: DPIA ${dpia.outcome.replace('_', ' ')} (${dpia.reasons.join('; ')})` });
  if (dpia.prior_consultation_required) out.push({ severity: 'warning', code: 'prior_consultation', message: `activity ${a.activity_id}: ${dpia.reasons[dpia.reasons.length - 1]}` });
  const sensitive = a.data_categories.filter((c) => isSpecial(specialFlagsOf(c)));
  if (sensitive.length && a.purposes.some((p) => p.purpose.startsWith('marketing'))) {
    out.push({ severity: 'warning', code: 'sensitive_data_for_marketing', message: `activity ${a.activity_id} uses sensitive data (${sensitive.join(', ')}) for marketing` });
  }
  return out;
}
