import { catalog } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

export interface HoldingRow {
  readonly subject_key: string;
  readonly system_id: string;
  readonly category: string;
  readonly purpose: string;
  readonly first_stored_at: string;
  readonly last_stored_at: string;
  readonly receipts: number;
  readonly expired_for: string | null;
  /** Kept after the subject's erasure under a legal exception (Art. 17(3); CCPA § 1798.105(d)). */
  readonly retained: { readonly reason_code: string; readonly source: string; readonly until: string | null; readonly since: string } | null;
}

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

function holding(row: any): HoldingRow {
  return {
    subject_key: row.subject_key,
    system_id: row.system_id,
    category: row.category,
    purpose: row.purpose,
    first_stored_at: iso(row.first_stored_at),
    last_stored_at: iso(row.last_stored_at),
    receipts: Number(row.receipts),
    expired_for: row.expired_for ? iso(row.expired_for) : null,
    retained: row.retained_reason ? { reason_code: row.retained_reason, source: row.retained_source, until: row.retained_until ?? null, since: iso(row.retained_since) } : null,
  };
}

export async function holdingsOf(db: SqlExecutor, subjectKey: string): Promise<HoldingRow[]> {
  const r = await db.query('SELECT * FROM rm_data_map.holdings WHERE subject_key = $1 ORDER BY system_id, category, purpose', [subjectKey]);
  return r.rows.map(holding);
}

/** Which systems hold data of this subject (for rights requests and breach scoping). */
export async function systemsHoldingSubject(
  db: SqlExecutor,
  subjectKey: string,
): Promise<Array<{ system_id: string; categories: string[]; purposes: string[]; first_stored_at: string; last_stored_at: string }>> {
  const bySystem = new Map<string, { categories: Set<string>; purposes: Set<string>; first: string; last: string }>();
  for (const h of await holdingsOf(db, subjectKey)) {
    const cur = bySystem.get(h.system_id) ?? { categories: new Set<string>(), purposes: new Set<string>(), first: h.first_stored_at, last: h.last_stored_at };
    cur.categories.add(h.category);
    cur.purposes.add(h.purpose);
    if (h.first_stored_at < cur.first) cur.first = h.first_stored_at;
    if (h.last_stored_at > cur.last) cur.last = h.last_stored_at;
    bySystem.set(h.system_id, cur);
  }
  return [...bySystem].map(([system_id, v]) => ({ system_id, categories: [...v.categories].sort(), purposes: [...v.purposes].sort(), first_stored_at: v.first, last_stored_at: v.last }));
}

/** Receipts of the given systems stored within [from, to] (breach scoping). `system` mirrors the breach ScopeReceipt shape. */
export async function receiptsInWindow(
  db: SqlExecutor,
  systems: readonly string[],
  from: Date,
  to: Date,
): Promise<Array<{ subject_key: string; system: string; category: string; purpose: string; at: string }>> {
  if (!systems.length) return [];
  const r = await db.query(
    `SELECT subject_key, system_id, category, purpose, stored_at FROM rm_data_map.receipts
     WHERE system_id = ANY($1::text[]) AND stored_at >= $2 AND stored_at <= $3 ORDER BY stored_at, tx, pos`,
    [[...systems], from.toISOString(), to.toISOString()],
  );
  return r.rows.map((row: any) => ({ subject_key: row.subject_key, system: row.system_id, category: row.category, purpose: row.purpose, at: iso(row.stored_at) }));
}

export interface DataMapEntry extends HoldingRow {
  readonly activity_id: string | null;
  readonly lawful_basis: string | null;
  readonly retention: string | null;
  readonly delete_after: string | null;
  /** Which rights apply given the basis (LAW.md section 9); null when no activity declares the holding. */
  readonly rights: { erasure: string; portability: string; objection: string } | null;
}

type Activities = Parameters<typeof catalog.retentionOf>[0];

export function withRetention(h: HoldingRow, activities: Activities): DataMapEntry {
  const r = catalog.retentionOf(activities, h, new Date(h.last_stored_at));
  const basis = r?.lawful_basis ?? null;
  const dm = { directMarketing: catalog.isDirectMarketing(h.purpose) };
  const rights = basis
    ? { erasure: catalog.rightApplies(basis, 'erasure', dm), portability: catalog.rightApplies(basis, 'portability', dm), objection: catalog.rightApplies(basis, 'objection', dm) }
    : null;
  return { ...h, activity_id: r?.activity_id ?? null, lawful_basis: basis, retention: r?.period ?? null, delete_after: r?.delete_after ?? null, rights };
}

/** The per-subject data map: systems, categories, purposes, lawful bases, retention and deletion dates. */
export async function dataMap(db: SqlExecutor, subjectKey: string, activities: Activities) {
  const entries = (await holdingsOf(db, subjectKey)).map((h) => withRetention(h, activities));
  const systems = [...new Set(entries.map((e) => e.system_id))].sort();
  return {
    systems: systems.map((system_id) => ({
      system_id,
      holdings: entries
        .filter((e) => e.system_id === system_id)
        .map(({ subject_key: _s, system_id: _id, ...rest }) => rest),
    })),
    categories: [...new Set(entries.map((e) => e.category))].sort(),
    purposes: [...new Set(entries.map((e) => e.purpose))].sort(),
    lawful_bases: [...new Set(entries.map((e) => e.lawful_basis).filter((b): b is string => !!b))].sort(),
  };
}

/**
 * Holdings whose retention has passed at `now` and whose expiry is not yet recorded for their last receipt
 * (paged by key). A holding kept after an erasure is not: its retention obligation decides when it goes
 * (`dueObligationEnds`).
 */
export async function* dueExpiries(db: SqlExecutor, activities: Activities, now: Date, pageSize = 500): AsyncGenerator<DataMapEntry & { delete_after: string; retention: string; activity_id: string }> {
  let after = ['', '', '', ''];
  for (;;) {
    const r = await db.query(
      `SELECT * FROM rm_data_map.holdings
       WHERE (subject_key, system_id, category, purpose) > ($1, $2, $3, $4) AND (expired_for IS NULL OR expired_for < last_stored_at)
         AND retained_reason IS NULL
       ORDER BY subject_key, system_id, category, purpose LIMIT $5`,
      [...after, pageSize],
    );
    for (const row of r.rows) {
      const e = withRetention(holding(row), activities);
      if (e.delete_after && e.retention && e.activity_id && Date.parse(e.delete_after) <= now.getTime()) yield e as any;
    }
    if (r.rows.length < pageSize) return;
    const last: any = r.rows[r.rows.length - 1];
    after = [last.subject_key, last.system_id, last.category, last.purpose];
  }
}

/** Holdings kept after an erasure whose last day kept (`retained.until`) is before `now`'s date in `timeZone`, the establishment's (paged by key). */
export async function* dueObligationEnds(db: SqlExecutor, now: Date, timeZone: string, pageSize = 500): AsyncGenerator<HoldingRow & { retained: NonNullable<HoldingRow['retained']> & { until: string } }> {
  let after = ['', '', '', ''];
  for (;;) {
    const r = await db.query(
      `SELECT * FROM rm_data_map.holdings
       WHERE (subject_key, system_id, category, purpose) > ($1, $2, $3, $4) AND retained_reason IS NOT NULL AND retained_until < $5
       ORDER BY subject_key, system_id, category, purpose LIMIT $6`,
      [...after, catalog.obligationToday(now, timeZone), pageSize],
    );
    for (const row of r.rows) yield holding(row) as any;
    if (r.rows.length < pageSize) return;
    const last: any = r.rows[r.rows.length - 1];
    after = [last.subject_key, last.system_id, last.category, last.purpose];
  }
}

type ReportActivities = ReadonlyArray<Activities[number] & Parameters<typeof catalog.obligationTimeZone>[0][number]>;

/** A holding's report entry: kept after an erasure, its obligation's end (null: a legal hold) replaces the activity's deletion date. */
function reportEntry(h: HoldingRow, activities: Activities, timeZone: string): DataMapEntry {
  const e = withRetention(h, activities);
  return h.retained ? { ...e, delete_after: h.retained.until ? catalog.obligationEndsAt(h.retained.until, timeZone) : null } : e;
}

/**
 * Retention report: what is overdue (past its deletion date), what is due within `dueSoonDays`, and what an
 * erasure kept under a legal exception (Art. 17(3)): `retained` until its obligation ends (with its source),
 * overdue only after that. Subjects appear only as pseudonymous keys.
 */
export async function retentionReport(db: SqlExecutor, activities: ReportActivities, now: Date, dueSoonDays = 30) {
  const timeZone = catalog.obligationTimeZone(activities);
  const soon = now.getTime() + dueSoonDays * 86_400_000;
  const overdue: DataMapEntry[] = [];
  const dueSoon: DataMapEntry[] = [];
  const retained: DataMapEntry[] = [];
  let withoutLimit = 0;
  let after = ['', '', '', ''];
  for (;;) {
    const r = await db.query(
      `SELECT * FROM rm_data_map.holdings WHERE (subject_key, system_id, category, purpose) > ($1, $2, $3, $4)
       ORDER BY subject_key, system_id, category, purpose LIMIT 1000`,
      after,
    );
    for (const row of r.rows) {
      const e = reportEntry(holding(row), activities, timeZone);
      const ends = e.delete_after ? Date.parse(e.delete_after) : null;
      if (ends !== null && ends <= now.getTime()) overdue.push(e);
      else if (e.retained) retained.push(e);
      else if (ends === null) withoutLimit++;
      else if (ends <= soon) dueSoon.push(e);
    }
    if (r.rows.length < 1000) break;
    const last: any = r.rows[r.rows.length - 1];
    after = [last.subject_key, last.system_id, last.category, last.purpose];
  }
  const byDate = (a: DataMapEntry, b: DataMapEntry) => (a.delete_after ?? '\uffff').localeCompare(b.delete_after ?? '\uffff');
  return {
    as_of: now.toISOString(),
    due_soon_days: dueSoonDays,
    overdue: overdue.sort(byDate),
    due_soon: dueSoon.sort(byDate),
    retained: retained.sort(byDate),
    holdings_without_retention: withoutLimit,
  };
}
