import { catalog } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

type Kind = 'system' | 'element' | 'activity' | 'processor_record' | 'flow';

export interface EntityRow<T> {
  readonly id: string;
  readonly snapshot: T;
  readonly status: string;
}

const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** Current entities of a kind, active ones by default (as of a past date: the catalog query port folds the log). */
export async function entities<T>(db: SqlExecutor, kind: Kind, opts: { includeInactive?: boolean } = {}): Promise<Array<EntityRow<T>>> {
  const r = await db.query<{ id: string; snapshot: unknown; status: string }>('SELECT id, snapshot, status FROM rm_catalog.entities WHERE kind = $1 ORDER BY id', [kind]);
  return r.rows.filter((row) => opts.includeInactive || row.status === 'active').map((row) => ({ id: row.id, snapshot: parse<T>(row.snapshot), status: row.status }));
}

export async function entity<T>(db: SqlExecutor, kind: Kind, id: string): Promise<EntityRow<T> | null> {
  const r = await db.query<{ id: string; snapshot: unknown; status: string }>('SELECT id, snapshot, status FROM rm_catalog.entities WHERE kind = $1 AND id = $2', [kind, id]);
  return r.rows[0] ? { id: r.rows[0].id, snapshot: parse<T>(r.rows[0].snapshot), status: r.rows[0].status } : null;
}

export type ElementRow = catalog.DataElementSnapshot & { system_id: string; suggestion: catalog.ClassificationSuggestion | null };

export async function elementsOf(db: SqlExecutor, systemId: string): Promise<ElementRow[]> {
  const r = await db.query<{ snapshot: unknown }>(`SELECT snapshot FROM rm_catalog.entities WHERE kind = 'element' AND parent_id = $1 AND status = 'active' ORDER BY id`, [systemId]);
  return r.rows.map((row) => parse<ElementRow>(row.snapshot));
}

export const currentActivities = async (db: SqlExecutor) => (await entities<catalog.ActivitySnapshot>(db, 'activity')).map((e) => e.snapshot);

/**
 * For consent validation: the non-consent lawful bases that current processing activities declare
 * for `purpose` covering `category` (an activity's purpose and category cover their descendants).
 */
export async function declaredBases(db: SqlExecutor, purpose: string, category: string): Promise<Array<{ activity_id: string; lawful_basis: string; source: string }>> {
  let p: string;
  let c: string;
  try {
    p = catalog.resolvePurpose(purpose);
    c = catalog.resolveCategory(category);
  } catch {
    return [];
  }
  const r = await db.query<{ activity_id: string; lawful_basis: string }>(
    `SELECT DISTINCT activity_id, lawful_basis FROM rm_catalog.activity_bases
     WHERE lawful_basis <> 'consent'
       AND (purpose = $1 OR starts_with($1, purpose || '.'))
       AND (category = $2 OR starts_with($2, category || '.'))
     ORDER BY activity_id, lawful_basis`,
    [p, c],
  );
  return r.rows.map((row) => ({
    activity_id: row.activity_id,
    lawful_basis: row.lawful_basis,
    source: catalog.isLawfulBasis(row.lawful_basis) ? catalog.LAWFUL_BASIS_RULES[row.lawful_basis].source : 'GDPR Art. 6(1)',
  }));
}

export type RopaView = 'controller' | 'processor';

/** Current Article 30 records, transfers assessed at `at` (as of a past date: the catalog query port). */
export async function ropa(db: SqlExecutor, view: RopaView, at: Date): Promise<catalog.ControllerRecord[] | catalog.ProcessorRecordRow[]> {
  if (view === 'processor') return catalog.processorRecords((await entities<catalog.ProcessorRecordSnapshot>(db, 'processor_record')).map((e) => e.snapshot), at);
  const [activities, systems, flows] = await Promise.all([entities<catalog.ActivitySnapshot>(db, 'activity'), entities<catalog.SystemSnapshot>(db, 'system'), entities<catalog.FlowSnapshot>(db, 'flow')]);
  return catalog.controllerRecords({ at, activities: activities.map((e) => e.snapshot), systems: systems.map((e) => e.snapshot), flows: flows.map((e) => e.snapshot) });
}

export async function flowsWithAssessment(db: SqlExecutor, at: Date): Promise<Array<catalog.FlowSnapshot & { assessment: catalog.TransferAssessment }>> {
  return (await entities<catalog.FlowSnapshot>(db, 'flow')).map(({ snapshot }) => ({ ...snapshot, assessment: catalog.assessTransfer(snapshot, at) }));
}

export interface CatalogDashboard {
  readonly counts: { systems: number; data_elements: number; activities: number; flows: number; processor_records: number };
  readonly elements_per_category: Array<{ category: string; elements: number; special: boolean }>;
  readonly activities_per_category: Array<{ category: string; activities: number }>;
  readonly unclassified_elements: number;
  readonly activities_needing_dpia: Array<{ activity_id: string; outcome: string; prior_consultation_required: boolean; reasons: string[] }>;
  readonly flows_lacking_safeguards: Array<{ flow_id: string; destination: string; missing: string[]; reasons: string[] }>;
  /** Transfers declared in activities and processor records without a valid basis (same engine as flows). */
  readonly declared_transfers_lacking_safeguards: Array<{ owner: 'activity' | 'processor_record'; id: string; country: string; recipient: string; missing: string[]; reasons: string[] }>;
  /** Compliance errors of current activities (the same rules as `evaluate`). */
  readonly activity_errors: Array<{ activity_id: string; code: string; message: string }>;
}

export async function findingsOfActivity(db: SqlExecutor, activity: catalog.ActivitySnapshot, at: Date) {
  const systems = new Map((await entities<catalog.SystemSnapshot>(db, 'system')).map((e) => [e.id, e.snapshot]));
  return catalog.activityFindings(activity, systems, at);
}

export async function catalogDashboard(db: SqlExecutor, now: Date): Promise<CatalogDashboard> {
  const counts = await db.query<{ kind: string; n: string }>(`SELECT kind, count(*)::text AS n FROM rm_catalog.entities WHERE status = 'active' GROUP BY kind`);
  const n = (k: string) => Number(counts.rows.find((r) => r.kind === k)?.n ?? 0);
  const elements = await entities<ElementRow>(db, 'element');
  const perCategory = new Map<string, { elements: number; special: boolean }>();
  let unclassified = 0;
  for (const { snapshot: e } of elements) {
    if (!e.category) {
      unclassified++;
      continue;
    }
    const cur = perCategory.get(e.category) ?? { elements: 0, special: false };
    perCategory.set(e.category, { elements: cur.elements + 1, special: cur.special || catalog.isSpecial(e.special) });
  }
  const activities = await currentActivities(db);
  const actPerCategory = new Map<string, number>();
  for (const a of activities) for (const c of a.data_categories) actPerCategory.set(c, (actPerCategory.get(c) ?? 0) + 1);
  const flows = await flowsWithAssessment(db, now);
  const systems = new Map((await entities<catalog.SystemSnapshot>(db, 'system')).map((e) => [e.id, e.snapshot]));
  const records = (await entities<catalog.ProcessorRecordSnapshot>(db, 'processor_record')).map((e) => e.snapshot);
  const declared = [
    ...activities.flatMap((a) => a.transfers.map((t) => ({ owner: 'activity' as const, id: a.activity_id, t, r: catalog.assessDeclaredTransfer(t, 'controller', now) }))),
    ...records.flatMap((p) => p.transfers.map((t) => ({ owner: 'processor_record' as const, id: p.record_id, t, r: catalog.assessDeclaredTransfer(t, 'processor', now) }))),
  ];
  return {
    activity_errors: activities.flatMap((a) =>
      catalog
        .activityFindings(a, systems, now)
        .filter((f) => f.severity === 'error')
        .map((f) => ({ activity_id: a.activity_id, code: f.code, message: f.message })),
    ),
    counts: { systems: n('system'), data_elements: n('element'), activities: n('activity'), flows: n('flow'), processor_records: n('processor_record') },
    elements_per_category: [...perCategory].sort(([a], [b]) => a.localeCompare(b)).map(([category, v]) => ({ category, ...v })),
    activities_per_category: [...actPerCategory].sort(([a], [b]) => a.localeCompare(b)).map(([category, activities]) => ({ category, activities })),
    unclassified_elements: unclassified,
    activities_needing_dpia: activities
      .map((a) => ({ a, s: catalog.screenDpia(a, now) }))
      .filter(({ s }) => s.outcome !== 'not_indicated' || s.prior_consultation_required)
      .map(({ a, s }) => ({ activity_id: a.activity_id, outcome: s.outcome, prior_consultation_required: s.prior_consultation_required, reasons: s.reasons })),
    declared_transfers_lacking_safeguards: declared
      .filter(({ r }) => !r.allowed)
      .map(({ owner, id, t, r }) => ({ owner, id, country: t.country, recipient: t.recipient, missing: r.missing, reasons: r.reasons })),
    flows_lacking_safeguards: flows
      .filter((f) => !f.assessment.allowed)
      .map((f) => ({ flow_id: f.flow_id, destination: f.destination_organisation ?? f.destination_country ?? '', missing: f.assessment.missing, reasons: f.assessment.reasons })),
  };
}
