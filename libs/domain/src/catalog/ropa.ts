import { LAWFUL_BASIS_RULES } from '../law/lawful-bases';
import { ART9_CONDITIONS } from '../law/special-categories';
import type { ActivitySnapshot } from './activity';
import type { CatalogAt } from './catalog-at';
import { screenDpia, type DpiaScreening } from './dpia-screening';
import type { ProcessorRecordSnapshot } from './processor-record';
import type { SystemSnapshot } from './system';
import { specialFlagsOf } from './taxonomy';
import { assessDeclaredTransfer, assessTransfer, type TransferAssessment } from './transfer-assessment';

/** Article 30(1) record of one processing activity, with the catalog as it stood at `as_of`. */
export interface ControllerRecord {
  readonly activity_id: string;
  readonly name: string;
  readonly description: string | null;
  readonly controller: ActivitySnapshot['controller'];
  readonly joint_controllers: ActivitySnapshot['joint_controllers'];
  readonly representative: ActivitySnapshot['representative'];
  readonly dpo: ActivitySnapshot['dpo'];
  readonly purposes: Array<{ purpose: string; lawful_basis: string; source: string; basis_detail: string | null }>;
  readonly subject_categories: readonly string[];
  readonly data_categories: readonly string[];
  readonly special_categories: string[];
  readonly art9_condition: { condition: string; source: string } | null;
  readonly recipients: string[];
  readonly transfers: Array<{ country: string; recipient: string; safeguard: string | null; flow_id: string | null; assessment: TransferAssessment | null }>;
  readonly retention: ActivitySnapshot['retention'];
  readonly security_measures: string[];
  readonly systems: Array<{ system_id: string; name: string; storage: SystemSnapshot['storage'] }>;
  readonly dpia: DpiaScreening;
}

export type RopaInput = Pick<CatalogAt, 'at' | 'activities' | 'systems' | 'flows'>;

export function controllerRecords(input: RopaInput): ControllerRecord[] {
  const systems = new Map(input.systems.map((s) => [s.system_id, s]));
  return [...input.activities]
    .sort((a, b) => a.activity_id.localeCompare(b.activity_id))
    .map((a) => {
      const own = new Set(a.systems);
      const outgoing = input.flows.filter((f) => own.has(f.source_system) && f.target.kind === 'recipient');
      const thirdCountry = input.flows
        .filter((f) => own.has(f.source_system))
        .map((f) => ({ f, r: assessTransfer(f, input.at) }))
        .filter(({ r }) => r.restricted_transfer);
      const recipients = [...new Set([...a.recipients, ...outgoing.map((f) => (f.target as { name: string }).name)])].sort();
      const security = [...new Set([...a.security_measures, ...a.systems.flatMap((id) => systems.get(id)?.security_measures ?? [])])];
      return {
        activity_id: a.activity_id,
        name: a.name,
        description: a.description,
        controller: a.controller,
        joint_controllers: a.joint_controllers,
        representative: a.representative,
        dpo: a.dpo,
        purposes: a.purposes.map((p) => ({ purpose: p.purpose, lawful_basis: p.lawful_basis, source: LAWFUL_BASIS_RULES[p.lawful_basis].source, basis_detail: p.basis_detail })),
        subject_categories: a.subject_categories,
        data_categories: a.data_categories,
        special_categories: a.data_categories.filter((c) => {
          const f = specialFlagsOf(c);
          return f.gdpr_art9 || f.gdpr_art10;
        }),
        art9_condition: a.art9_condition ? { condition: a.art9_condition, source: ART9_CONDITIONS[a.art9_condition].source } : null,
        recipients,
        transfers: [
          ...a.transfers.map((t) => ({ country: t.country, recipient: t.recipient, safeguard: t.safeguard, flow_id: null, assessment: assessDeclaredTransfer(t, 'controller', input.at) })),
          ...thirdCountry.map(({ f, r }) => ({
            country: f.destination_organisation ?? f.destination_country ?? '',
            recipient: f.target.kind === 'recipient' ? f.target.name : (systems.get(f.target.system_id)?.name ?? f.target.system_id),
            safeguard: r.basis,
            flow_id: f.flow_id,
            assessment: r,
          })),
        ],
        retention: a.retention,
        security_measures: security,
        systems: a.systems.map((id) => ({ system_id: id, name: systems.get(id)?.name ?? id, storage: systems.get(id)?.storage ?? [] })),
        dpia: screenDpia(a, input.at),
      };
    });
}

export interface ProcessorRecordRow extends Omit<ProcessorRecordSnapshot, 'transfers'> {
  readonly transfers: ReadonlyArray<ProcessorRecordSnapshot['transfers'][number] & { readonly assessment: TransferAssessment }>;
}

/** Art. 30(2) records at `at`; each transfer (30(2)(c)) assessed with the processor as exporter. */
export function processorRecords(records: readonly ProcessorRecordSnapshot[], at: Date): ProcessorRecordRow[] {
  return [...records]
    .sort((a, b) => a.record_id.localeCompare(b.record_id))
    .map((r) => ({ ...r, transfers: r.transfers.map((t) => ({ ...t, assessment: assessDeclaredTransfer(t, 'processor', at) })) }));
}

/** A transfer in a CSV cell: the declared wording, and the verdict when the law does not allow it. */
function transferCell(t: { country: string; recipient: string; safeguard: string | null; assessment: TransferAssessment | null }): string {
  const verdict = t.assessment && !t.assessment.allowed ? ' (no valid transfer basis)' : '';
  return `${t.country} ${t.recipient}${t.safeguard ? ` [${t.safeguard}]` : ''}${verdict}`;
}

const party = (p: { name: string; contact: string } | null) => (p ? `${p.name} <${p.contact}>` : '');

function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function controllerRecordsCsv(records: readonly ControllerRecord[]): string {
  return toCsv(
    ['activity_id', 'name', 'controller', 'joint_controllers', 'representative', 'dpo', 'purposes_and_lawful_bases', 'subject_categories', 'data_categories', 'special_categories', 'art9_condition', 'recipients', 'third_country_transfers', 'retention', 'security_measures', 'systems', 'dpia'],
    records.map((r) => [
      r.activity_id,
      r.name,
      party(r.controller),
      r.joint_controllers.map(party).join('; '),
      party(r.representative),
      party(r.dpo),
      r.purposes.map((p) => `${p.purpose}: ${p.lawful_basis} (${p.source})`).join('; '),
      r.subject_categories.join('; '),
      r.data_categories.join('; '),
      r.special_categories.join('; '),
      r.art9_condition ? `${r.art9_condition.condition} (${r.art9_condition.source})` : '',
      r.recipients.join('; '),
      r.transfers.map(transferCell).join('; '),
      r.retention.map((x) => `${x.category ?? '*'}: ${x.period}`).join('; '),
      r.security_measures.join('; '),
      r.systems.map((s) => `${s.system_id} (${s.storage.map((x) => x.country).join('/')})`).join('; '),
      r.dpia.outcome,
    ]),
  );
}

export function processorRecordsCsv(records: readonly ProcessorRecordRow[]): string {
  return toCsv(
    ['record_id', 'processor', 'controllers', 'representative', 'dpo', 'processing_categories', 'third_country_transfers', 'security_measures'],
    records.map((r) => [
      r.record_id,
      party(r.processor),
      r.controllers.map(party).join('; '),
      party(r.representative),
      party(r.dpo),
      r.processing_categories.join('; '),
      r.transfers.map(transferCell).join('; '),
      r.security_measures.join('; '),
    ]),
  );
}
