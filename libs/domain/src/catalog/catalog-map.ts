import type { ActivitySnapshot } from './activity';
import type { CatalogAt } from './catalog-at';
import type { DeclaredTransfer } from './declared-transfer';
import { screenDpia, type DpiaScreening } from './dpia-screening';
import type { TransferMechanism } from './flow';
import type { DataElementSnapshot, SystemSnapshot } from './system';
import { isEea } from '../law/transfers';
import { assessDeclaredTransfer, assessTransfer, type TransferAssessment } from './transfer-assessment';

export type MapNodeKind = 'system' | 'activity' | 'recipient';

/**
 * A node of the map. `system` and `activity` carry the catalog record as it stood at the map's date;
 * `record` is the API path of the current record. A system that a flow or an activity still names
 * but that is not in the catalog at that date is a system node with `in_catalog: false` and no record.
 */
export interface MapNode {
  /** `system:<system_id>`, `activity:<activity_id>` or `recipient:<name>`. */
  readonly id: string;
  readonly kind: MapNodeKind;
  /** The system or activity id, or the recipient's name. */
  readonly ref: string;
  readonly name: string;
  /** False only for a system that a flow or an activity names but that is not in the catalog at the map's date. */
  readonly in_catalog: boolean;
  /** The API route of the current catalog record (systems and activities). */
  readonly record: string | null;
  readonly system: (SystemSnapshot & { readonly elements: readonly DataElementSnapshot[]; readonly storage_outside_eea: readonly string[] }) | null;
  readonly activity: (ActivitySnapshot & { readonly dpia: DpiaScreening }) | null;
  /** External recipients: the roles and destinations the flows and transfers to them declare. */
  readonly recipient: { readonly roles: readonly string[]; readonly destinations: readonly string[] } | null;
}

export type MapEdgeKind = 'flow' | 'runs_on' | 'declared_transfer';

/**
 * An edge: a data flow (system to system or to an external recipient), an activity running on a
 * system, or a transfer an activity declares (Art. 30(1)(e)). Flows and declared transfers carry their
 * destination, whether they leave the EEA (a Chapter V transfer), the declared mechanism and the
 * assessment at the map's date, with the same engine as the flows and RoPA routes.
 */
export interface MapEdge {
  /** `flow:<flow_id>`, `runs_on:<activity_id>:<system_id>` or `transfer:<activity_id>:<n>`. */
  readonly id: string;
  readonly kind: MapEdgeKind;
  readonly source: string;
  readonly target: string;
  readonly flow_id: string | null;
  readonly description: string | null;
  readonly categories: readonly string[];
  /** Country (ISO 3166-1 alpha-2) or international organisation; null for runs_on. */
  readonly destination: string | null;
  readonly leaves_eea: boolean;
  readonly mechanism: TransferMechanism | null;
  /** A declared transfer's own wording of its safeguard (decides nothing). */
  readonly safeguard: string | null;
  readonly assessment: TransferAssessment | null;
  /** The API route of the flow's transfer assessment (flows only). */
  readonly record: string | null;
}

export interface CatalogMap {
  readonly as_of: string;
  readonly nodes: MapNode[];
  readonly edges: MapEdge[];
  readonly counts: {
    readonly systems: number;
    readonly activities: number;
    readonly recipients: number;
    readonly flows: number;
    /** Flows and declared transfers whose destination is outside the EEA. */
    readonly transfers_outside_eea: number;
    /** Of those, the ones the assessment does not allow (no valid Art. 45-49 basis at the date). */
    readonly transfers_without_basis: number;
  };
}

const enc = encodeURIComponent;
const systemNode = (id: string) => `system:${id}`;
const recipientNode = (name: string) => `recipient:${name}`;

/**
 * The data map (issue 19 screen 4): systems, processing activities and external recipients as nodes;
 * flows, activities' systems and activities' declared transfers as edges; every transfer leaving the
 * EEA marked with its mechanism and assessment, all as the catalog stood at `c.at` (the law in force
 * then: adequacy decisions and DPIA lists by date). Nodes and edges in a stable order (by id).
 */
export function catalogMap(c: CatalogAt): CatalogMap {
  const at = c.at;
  const nodes = new Map<string, MapNode>();
  const recipients = new Map<string, { roles: Set<string>; destinations: Set<string> }>();
  const edges: MapEdge[] = [];

  for (const s of c.systems) {
    nodes.set(systemNode(s.system_id), {
      id: systemNode(s.system_id),
      kind: 'system',
      ref: s.system_id,
      name: s.name,
      in_catalog: true,
      record: `/governance/systems/${enc(s.system_id)}`,
      system: { ...s, elements: c.elements.get(s.system_id) ?? [], storage_outside_eea: [...new Set(s.storage.map((x) => x.country).filter((k) => !isEea(k)))].sort() },
      activity: null,
      recipient: null,
    });
  }
  // a system named by a flow or an activity but not in the catalog at that date (retired, or not yet registered)
  const referSystem = (id: string) => {
    const key = systemNode(id);
    if (!nodes.has(key)) nodes.set(key, { id: key, kind: 'system', ref: id, name: id, in_catalog: false, record: null, system: null, activity: null, recipient: null });
    return key;
  };
  const referRecipient = (name: string, role: string, destination: string) => {
    const r = recipients.get(name) ?? { roles: new Set<string>(), destinations: new Set<string>() };
    r.roles.add(role);
    r.destinations.add(destination);
    recipients.set(name, r);
    return recipientNode(name);
  };

  for (const a of c.activities) {
    const id = `activity:${a.activity_id}`;
    nodes.set(id, { id, kind: 'activity', ref: a.activity_id, name: a.name, in_catalog: true, record: `/governance/activities/${enc(a.activity_id)}`, system: null, activity: { ...a, dpia: screenDpia(a, at) }, recipient: null });
    for (const sid of [...new Set(a.systems)].sort()) {
      edges.push({ id: `runs_on:${a.activity_id}:${sid}`, kind: 'runs_on', source: id, target: referSystem(sid), flow_id: null, description: null, categories: a.data_categories, destination: null, leaves_eea: false, mechanism: null, safeguard: null, assessment: null, record: null });
    }
    a.transfers.forEach((t: DeclaredTransfer, i) => {
      const assessment = assessDeclaredTransfer(t, 'controller', at);
      edges.push({
        id: `transfer:${a.activity_id}:${i + 1}`,
        kind: 'declared_transfer',
        source: id,
        target: referRecipient(t.recipient, t.recipient_role ?? 'controller', t.country),
        flow_id: null,
        description: null,
        categories: a.data_categories,
        destination: t.country,
        leaves_eea: assessment.restricted_transfer,
        mechanism: t.mechanism ?? null,
        safeguard: t.safeguard,
        assessment,
        record: null,
      });
    });
  }

  for (const f of c.flows) {
    const destination = f.destination_organisation ?? f.destination_country;
    const target = f.target.kind === 'system' ? referSystem(f.target.system_id) : referRecipient(f.target.name, f.target.role, destination ?? '');
    const assessment = assessTransfer(f, at);
    edges.push({
      id: `flow:${f.flow_id}`,
      kind: 'flow',
      source: referSystem(f.source_system),
      target,
      flow_id: f.flow_id,
      description: f.description,
      categories: f.categories,
      destination,
      leaves_eea: assessment.restricted_transfer,
      mechanism: f.mechanism,
      safeguard: null,
      assessment,
      record: `/governance/flows/${enc(f.flow_id)}/assessment?at=${enc(at.toISOString())}`,
    });
  }

  for (const [name, r] of recipients) {
    const id = recipientNode(name);
    nodes.set(id, { id, kind: 'recipient', ref: name, name, in_catalog: true, record: null, system: null, activity: null, recipient: { roles: [...r.roles].sort(), destinations: [...r.destinations].filter(Boolean).sort() } });
  }

  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const outside = edges.filter((e) => e.leaves_eea);
  const all = [...nodes.values()].sort(byId);
  return {
    as_of: at.toISOString(),
    nodes: all,
    edges: edges.sort(byId),
    counts: {
      systems: all.filter((n) => n.kind === 'system' && n.in_catalog).length,
      activities: c.activities.length,
      recipients: recipients.size,
      flows: c.flows.length,
      transfers_outside_eea: outside.length,
      transfers_without_basis: outside.filter((e) => e.assessment && !e.assessment.allowed).length,
    },
  };
}
