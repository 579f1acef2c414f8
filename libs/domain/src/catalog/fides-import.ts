import type { Document, LineCounter } from 'yaml';
import { invalid } from '../shared/errors';
import type { ActivityInput } from './activity';
import type { FlowInput } from './flow';
import type { Manifest } from './manifest';
import type { DataElementInput, SystemInput } from './system';
import { FIDES_LEGAL_BASES, FIDES_META_KEY, FIDES_SPECIAL_CATEGORY_BASES } from './fides-common';

/**
 * Fides manifests (`system:`, `dataset:`, `organization:` YAML of ethyca/fides, fideslang 3.x) to the
 * service's privacy manifest. Every fact Fides does not hold, or holds in another shape, is reported
 * with its file and line (`missing`, `lossy`); nothing is filled in silently. Operator-given defaults
 * (`storageCountry`, `owner`) are reported where they are used.
 */
export interface FidesFile {
  readonly name: string;
  readonly text: string;
}

export interface FidesImportOptions {
  /** ISO country where the systems store data; Fides has no such field. */
  readonly storageCountry?: string;
  /** Owner of systems without `administrating_department`. */
  readonly owner?: string;
}

export interface ImportNote {
  readonly severity: 'missing' | 'lossy' | 'info';
  readonly file: string;
  readonly line: number | undefined;
  readonly message: string;
}

export interface FidesImport {
  readonly manifest: Manifest;
  readonly notes: ImportNote[];
}

type Obj = Record<string, any>;
type Path = ReadonlyArray<string | number>;
interface Located<T> {
  readonly value: T;
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly path: Path;
}

const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64) || 'x';
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : []);
const uniq = <T>(xs: readonly T[]) => [...new Set(xs)];
const meta = (r: Obj): Obj => (r.meta && typeof r.meta === 'object' && r.meta[FIDES_META_KEY] && typeof r.meta[FIDES_META_KEY] === 'object' ? r.meta[FIDES_META_KEY] : {});

const UNITS: Record<string, string> = { day: 'D', days: 'D', week: 'W', weeks: 'W', month: 'M', months: 'M', year: 'Y', years: 'Y' };

/** Fides' free-text `retention_period` as an ISO 8601 duration, when it says one plainly. */
export function retentionPeriodOf(text: string): string | null {
  const t = text.trim();
  if (/^P(?=\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$/.test(t)) return t;
  const m = /^(\d{1,4})\s*(days?|weeks?|months?|years?)$/i.exec(t);
  if (!m) return null;
  const unit = UNITS[m[2].toLowerCase()];
  return unit === 'W' ? `P${Number(m[1]) * 7}D` : `P${Number(m[1])}${unit}`;
}

function party(p: unknown): { name: string; contact: string } | null {
  if (!p || typeof p !== 'object') return null;
  const o = p as Obj;
  const name = str(o.name);
  const contact = [str(o.email), str(o.address), str(o.phone)].filter(Boolean).join(', ');
  return name && contact ? { name, contact } : null;
}

export function importFides(files: readonly FidesFile[], opts: FidesImportOptions = {}): FidesImport {
  const notes: ImportNote[] = [];
  const resources: Record<'system' | 'dataset' | 'organization', Array<Located<Obj>>> = { system: [], dataset: [], organization: [] };
  for (const f of files) {
    // loaded on first use (not by every process importing the domain: issue 14, idle memory)
    const { LineCounter, parseDocument } = require('yaml') as typeof import('yaml');
    const lines = new LineCounter();
    const doc = parseDocument(f.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw invalid(`${f.name}: not valid YAML: line ${e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`, { file: f.name });
    }
    const top = (doc.toJS({ maxAliasCount: 50 }) ?? {}) as Obj;
    if (typeof top !== 'object' || Array.isArray(top)) throw invalid(`${f.name}: a Fides manifest is a mapping of resource lists (system:, dataset:, ...)`, { file: f.name });
    for (const [kind, list] of Object.entries(top)) {
      if (!Array.isArray(list)) continue;
      if (kind === 'system' || kind === 'dataset' || kind === 'organization') {
        list.forEach((value, i) => resources[kind].push({ value: value as Obj, file: f.name, doc, lines, path: [kind, i] }));
      } else {
        const at = lineIn({ doc, lines, path: [kind] });
        notes.push({ severity: 'lossy', file: f.name, line: at, message: `${list.length} ${kind} resource(s) not imported: the service's manifest has no ${kind}` });
      }
    }
  }
  const note = (r: Pick<Located<unknown>, 'file' | 'doc' | 'lines' | 'path'>, sub: Path, severity: ImportNote['severity'], message: string) =>
    notes.push({ severity, file: r.file, line: lineIn({ doc: r.doc, lines: r.lines, path: [...r.path, ...sub] }), message });

  const org = resources.organization[0];
  const orgController = org ? party(org.value.controller) : null;
  const orgDpo = org ? party(org.value.data_protection_officer) : null;
  const orgRepresentative = org ? party(org.value.representative) : null;
  if (org && org.value.controller && !orgController) note(org, ['controller'], 'missing', `organization ${org.value.fides_key}: the controller needs a name and a contact (email, address or phone) (GDPR Art. 30(1)(a))`);

  const systemIds = new Map<string, string>();
  for (const s of resources.system) {
    const key = String(s.value.fides_key ?? '');
    const id = str(meta(s.value).system_id) ?? (SLUG.test(key) ? key : slug(key));
    if (id !== key && !str(meta(s.value).system_id)) note(s, ['fides_key'], 'lossy', `system ${key}: fides_key is not a catalog id; imported as ${id}`);
    systemIds.set(key, id);
  }
  const datasets = new Map(resources.dataset.map((d) => [String(d.value.fides_key), d]));
  const usedDatasets = new Set<string>();

  const systems: Array<SystemInput & { elements?: DataElementInput[] }> = [];
  const activities = new Map<string, { input: ActivityInput; basisOf: Map<string, string> }>();
  const flows = new Map<string, FlowInput>();

  for (const s of resources.system) {
    const v = s.value;
    const m = meta(v);
    const id = systemIds.get(String(v.fides_key))!;
    const owner = str(v.administrating_department) ?? str(m.owner) ?? str(opts.owner);
    if (!str(v.administrating_department) && !str(m.owner)) {
      if (opts.owner) note(s, [], 'info', `system ${id}: owner "${opts.owner}" from --owner (Fides: no administrating_department)`);
      else note(s, [], 'missing', `system ${id}: no owner (Fides administrating_department); give it in the manifest or with --owner`);
    }
    let storage = Array.isArray(m.storage) ? (m.storage as SystemInput['storage']) : undefined;
    if (!storage) {
      if (opts.storageCountry) {
        storage = [{ country: opts.storageCountry }];
        note(s, [], 'info', `system ${id}: storage country ${opts.storageCountry} from --storage-country (Fides has no storage location)`);
      } else note(s, [], 'missing', `system ${id}: no storage country (Fides has no storage location); give it in the manifest or with --storage-country`);
    }
    const responsibility = strings(v.responsibility);
    const role = str(m.role) ?? (responsibility.includes('Controller') ? 'controller' : responsibility.some((r) => /processor/i.test(r)) ? 'processor' : undefined);
    if (!role) note(s, [], 'missing', `system ${id}: no responsibility (Controller or Processor); the catalog reads it as controller`);
    const security = Array.isArray(m.security_measures) ? strings(m.security_measures) : str(v.data_security_practices) ? [str(v.data_security_practices)!] : [];
    const declarations: Obj[] = Array.isArray(v.privacy_declarations) ? v.privacy_declarations : [];
    const refs = uniq([...strings(v.dataset_references), ...declarations.flatMap((d) => strings(d.dataset_references))]);

    const elements: DataElementInput[] = [];
    for (const ref of refs) {
      const d = datasets.get(ref);
      if (!d) {
        note(s, ['dataset_references'], 'missing', `system ${id}: dataset ${ref} is referenced but not among the files`);
        continue;
      }
      usedDatasets.add(ref);
      elements.push(...elementsOf(d, note));
    }
    const system: SystemInput & { elements?: DataElementInput[] } = {
      system_id: id,
      name: str(v.name) ?? id,
      ...(owner ? { owner } : {}),
      description: str(v.description) ?? null,
      ...(storage ? { storage } : {}),
      ...(role ? { role: role as 'controller' | 'processor' } : {}),
      ...(Array.isArray(m.recipients) ? { recipients: strings(m.recipients) } : {}),
      security_measures: security,
      ...(typeof m.consent_check === 'boolean' ? { consent_check: m.consent_check } : {}),
      elements,
    } as SystemInput & { elements?: DataElementInput[] };
    systems.push(system);

    const extras: Record<string, Obj> = m.activities && typeof m.activities === 'object' ? m.activities : {};
    declarations.forEach((d, j) => {
      const at: Path = ['privacy_declarations', j];
      const use = str(d.data_use);
      if (!use) return note(s, at, 'missing', `system ${id}: privacy declaration ${j + 1} has no data_use: not imported`);
      const name = str(d.name) ?? `${system.name}: ${use}`;
      const extra = extras[name] ?? {};
      const activityId = str(extra.activity_id) ?? slug(name);
      let entry = activities.get(activityId);
      if (!entry) {
        const controller = extra.controller ?? orgController ?? (str(v.legal_name) && str(v.legal_address) ? { name: str(v.legal_name)!, contact: str(v.legal_address)! } : undefined);
        if (!controller) note(s, at, 'missing', `activity ${activityId}: no controller name and contact (Fides organization.controller or system legal_name and legal_address) (GDPR Art. 30(1)(a))`);
        else if (!extra.controller && !orgController) note(s, ['legal_name'], 'info', `activity ${activityId}: controller taken from system ${id} legal_name and legal_address`);
        let dpo = extra.dpo ?? orgDpo ?? null;
        if (!extra.dpo && !orgDpo && str(v.dpo)) {
          dpo = { name: 'Data protection officer', contact: str(v.dpo)! };
          note(s, ['dpo'], 'lossy', `activity ${activityId}: Fides dpo is a contact only; the name reads "Data protection officer"`);
        }
        const input: ActivityInput = {
          activity_id: activityId,
          name,
          description: extra.description ?? null,
          ...(controller ? { controller } : {}),
          ...(extra.joint_controllers ? { joint_controllers: extra.joint_controllers } : {}),
          representative: extra.representative ?? orgRepresentative,
          dpo,
          purposes: [],
          subject_categories: [],
          data_categories: [],
          systems: [],
          ...(extra.recipients ? { recipients: extra.recipients } : {}),
          ...(extra.transfers ? { transfers: extra.transfers } : {}),
          ...(extra.security_measures ? { security_measures: extra.security_measures } : {}),
          ...(extra.risk ? { risk: extra.risk } : {}),
          ...(extra.retention ? { retention: extra.retention } : {}),
        } as ActivityInput;
        entry = { input, basisOf: new Map() };
        activities.set(activityId, entry);
        if (v.does_international_transfers === true && !extra.transfers) {
          note(s, ['does_international_transfers'], 'lossy', `activity ${activityId}: the system transfers data abroad (${strings(v.legal_basis_for_transfers).join(', ') || 'no basis named'}) but Fides names no country or recipient: declare transfers[] (GDPR Art. 30(1)(e))`);
        }
      }
      const a = entry.input as ActivityInput & { purposes: ActivityInput['purposes']; retention?: ActivityInput['retention'] };
      const categories = strings(d.data_categories);
      a.systems = uniq([...a.systems, id]);
      a.subject_categories = uniq([...a.subject_categories, ...strings(d.data_subjects)]);
      a.data_categories = extra.data_categories ?? uniq([...a.data_categories, ...categories]);
      const fidesBasis = str(d.legal_basis_for_processing);
      const basis = fidesBasis ? FIDES_LEGAL_BASES[fidesBasis] : undefined;
      if (!fidesBasis) note(s, at, 'missing', `activity ${activityId}: data use ${use} has no legal_basis_for_processing (GDPR Art. 6(1))`);
      else if (!basis) note(s, [...at, 'legal_basis_for_processing'], 'lossy', `activity ${activityId}: legal basis "${fidesBasis.slice(0, 60)}" is not one of Fides' Art. 6(1) values`);
      const existing = a.purposes.find((p) => p.purpose === use);
      if (existing) existing.categories = uniq([...(existing.categories ?? []), ...categories]);
      else a.purposes.push({ purpose: use, lawful_basis: basis ?? '', ...(extra.basis_details?.[use] ? { basis_detail: extra.basis_details[use] } : {}), categories });
      const special = str(d.special_category_legal_basis);
      if (special) {
        const condition = FIDES_SPECIAL_CATEGORY_BASES[special];
        if (!condition) note(s, [...at, 'special_category_legal_basis'], 'lossy', `activity ${activityId}: special-category basis "${special.slice(0, 60)}" is not one of Fides' Art. 9(2) values`);
        else if (a.art9_condition && a.art9_condition !== condition) note(s, [...at, 'special_category_legal_basis'], 'lossy', `activity ${activityId}: a second Art. 9(2) condition (${condition}); the catalog keeps one (${a.art9_condition})`);
        else a.art9_condition = condition;
      } else if (d.processes_special_category_data === true) note(s, at, 'missing', `activity ${activityId}: processes special-category data but names no special_category_legal_basis (GDPR Art. 9(2))`);
      if (!extra.retention) {
        const text = str(d.retention_period);
        const period = text ? retentionPeriodOf(text) : null;
        if (!text) note(s, at, 'missing', `activity ${activityId}: data use ${use} has no retention_period (GDPR Art. 30(1)(f))`);
        else if (!period) note(s, [...at, 'retention_period'], 'lossy', `activity ${activityId}: retention_period "${text.slice(0, 60)}" is not a plain duration; declare retention[] with an ISO 8601 period`);
        else if (!(a.retention ?? []).some((r) => r.period === period && !r.category)) a.retention = [...(a.retention ?? []), { period, reason: `Fides retention_period: ${text}` }];
      }
      if (!extra.recipients && d.data_shared_with_third_parties === true) {
        const to = str(d.third_parties);
        if (to) a.recipients = uniq([...(a.recipients ?? []), to]);
        else note(s, at, 'missing', `activity ${activityId}: data is shared with third parties but third_parties names none (GDPR Art. 30(1)(d))`);
      }
    });

    if (typeof m.consent_check !== 'boolean' && declarations.some((d) => d.legal_basis_for_processing === 'Consent')) {
      note(s, [], 'missing', `system ${id}: relies on consent, but Fides does not say whether it checks consent before processing (consent_check)`);
    }
    flowsOf(s, id, declarations, systemIds, flows, note);
    for (const f of Array.isArray(m.flows) ? (m.flows as FlowInput[]) : []) flows.set(f.flow_id, f);
  }

  // a flow between systems goes where its target stores the data (when that is one country)
  const storedIn = new Map(systems.map((s) => [s.system_id, uniq((s.storage ?? []).map((x) => x.country))]));
  for (const f of flows.values()) {
    if (f.destination_country || f.destination_organisation || !f.target_system) continue;
    const countries = storedIn.get(f.target_system) ?? [];
    if (countries.length === 1) f.destination_country = countries[0];
    else notes.push({ severity: 'missing', file: '', line: undefined, message: `flow ${f.flow_id}: no destination country (system ${f.target_system} stores data in ${countries.length ? countries.join(', ') : 'no known country'})` });
  }
  for (const [key, d] of datasets) if (!usedDatasets.has(key)) note(d, [], 'lossy', `dataset ${key} is referenced by no system: its fields are not imported`);

  // purposes restricted to every category of the activity are not restricted (the catalog's "empty = all")
  for (const { input } of activities.values()) {
    for (const p of input.purposes) {
      const cats = p.categories ?? [];
      if (input.data_categories.every((c) => cats.includes(c))) delete p.categories;
      else p.categories = [...cats].sort();
    }
  }
  return {
    manifest: { version: 1, systems, activities: [...activities.values()].map((a) => a.input), flows: [...flows.values()] },
    notes,
  };
}

function lineIn(r: { doc: Document; lines: LineCounter; path: Path }): number | undefined {
  const { isNode } = require('yaml') as typeof import('yaml');
  for (let n = r.path.length; n >= 0; n--) {
    const node = n === 0 ? r.doc.contents : r.doc.getIn(r.path.slice(0, n), true);
    if (isNode(node) && node.range) return r.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

type Note = (r: Pick<Located<unknown>, 'file' | 'doc' | 'lines' | 'path'>, sub: Path, severity: ImportNote['severity'], message: string) => void;

/** Dataset fields (nested ones by dotted path) with their data categories: one data element per category. */
function elementsOf(d: Located<Obj>, note: Note): DataElementInput[] {
  const known: Record<string, { element_id: string; name: string; special?: DataElementInput['special']; source?: string | null }> = meta(d.value).elements ?? {};
  const out: DataElementInput[] = [];
  const datasetCats = strings(d.value.data_categories);
  const collections: Obj[] = Array.isArray(d.value.collections) ? d.value.collections : [];
  collections.forEach((c, ci) => {
    const collectionCats = strings(c.data_categories);
    const walk = (fields: unknown, prefix: string, path: Path, inherited: string[]) => {
      (Array.isArray(fields) ? (fields as Obj[]) : []).forEach((f, fi) => {
        const fieldPath = [...path, 'fields', fi];
        const name = `${prefix}${String(f.name)}`;
        const own = strings(f.data_categories);
        if (Array.isArray(f.fields) && f.fields.length) {
          walk(f.fields, `${name}.`, fieldPath, own.length ? own : inherited);
          return;
        }
        const cats = own.length ? own : inherited;
        const at = { ...d, path: [...d.path, ...fieldPath] };
        const exported = known[`${c.name}.${name}`];
        if (!cats.length && exported) {
          out.push({ element_id: exported.element_id, name: exported.name, category: null, ...(exported.special ? { special: exported.special } : {}), source: exported.source ?? null });
          return;
        }
        if (!cats.length) return note(at, [], 'info', `dataset ${d.value.fides_key}: field ${c.name}.${name} has no data category: not a data element`);
        if (cats.length > 1) note(at, ['data_categories'], 'lossy', `dataset ${d.value.fides_key}: field ${c.name}.${name} has ${cats.length} data categories: one data element per category`);
        cats.forEach((cat, k) => {
          const key = `${c.name}.${name}`;
          const mapped = cats.length === 1 ? known[key] : undefined;
          out.push({
            element_id: mapped?.element_id ?? slug(`${c.name}-${name}${cats.length > 1 ? `-${k + 1}` : ''}`),
            name: mapped?.name ?? name,
            category: cat,
            ...(mapped?.special ? { special: mapped.special } : {}),
            source: mapped ? (mapped.source ?? null) : `fides:${d.value.fides_key}`,
          });
        });
      });
    };
    walk(c.fields, '', ['collections', ci], collectionCats.length ? collectionCats : datasetCats);
  });
  return out;
}

/** egress/ingress between systems become flows; flows to users and datasets are not flows of the catalog. */
function flowsOf(s: Located<Obj>, id: string, declarations: Obj[], systemIds: ReadonlyMap<string, string>, flows: Map<string, FlowInput>, note: Note) {
  const known: Record<string, Partial<FlowInput>> = meta(s.value).flow_details ?? {};
  for (const dir of ['egress', 'ingress'] as const) {
    const list: Obj[] = Array.isArray(s.value[dir]) ? s.value[dir] : [];
    list.forEach((f, i) => {
      const other = String(f.fides_key ?? '');
      if (f.type !== 'system') return note(s, [dir, i], 'info', `system ${id}: ${dir} ${f.type ?? '?'} ${other} is not a flow between systems: not imported`);
      const otherId = systemIds.get(other);
      if (!otherId) return note(s, [dir, i], 'missing', `system ${id}: ${dir} names system ${other}, which is not among the files`);
      const [source, target] = dir === 'egress' ? [id, otherId] : [otherId, id];
      const detail = known[`${source}>${target}`] ?? {};
      const flowId = detail.flow_id ?? slug(`${source}-to-${target}`);
      const declared = strings(f.data_categories);
      const viaDeclarations = uniq(declarations.filter((d) => strings(d[dir]).includes(other)).flatMap((d) => strings(d.data_categories)));
      const categories = declared.length ? declared : viaDeclarations;
      const existing = flows.get(flowId);
      if (existing) {
        existing.categories = uniq([...existing.categories, ...categories]).sort();
        return;
      }
      if (!categories.length) return note(s, [dir, i], 'missing', `system ${id}: ${dir} with ${other} names no data categories (on the flow or on a privacy declaration): not imported`);
      if (!declared.length) note(s, [dir, i], 'info', `flow ${flowId}: categories taken from the privacy declarations that list ${other} in ${dir}`);
      flows.set(flowId, { ...detail, flow_id: flowId, source_system: source, target_system: target, categories: [...categories].sort() } as FlowInput);
    });
  }
}
