import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { consentApi, type ConsentCount } from '../api/consent';
import { useSession } from '../session';
import { inViewerZone, label } from '../time';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Screen 3: consent over time, conflicts between signals, the § 7102 request metrics, a subject look-up. */
export function Consent() {
  const { can } = useSession();
  const [lookup, setLookup] = useState<string | null>(null);
  useEffect(() => void (document.title = 'Consent · privacy-ledger'), []);
  const reads = can('consent:read') || can('consent:write');
  return (
    <>
      <h1>Consent</h1>
      {reads ? (
        <>
          <OverTime />
          <Conflicts onOpen={setLookup} />
        </>
      ) : (
        <p>Your scopes include neither consent:read nor consent:write: consent figures are not shown.</p>
      )}
      {can('rights:manage') ? <CcpaMetricsTable /> : <p>Your scopes do not include rights:manage: the CCPA request metrics are not shown.</p>}
      {reads && <SubjectLookup subjectKey={lookup} />}
    </>
  );
}

const EVENT_KINDS = ['granted', 'renewed', 'refused', 'withdrawn', 'expired', 'opted_out'] as const;
const SIGNALS = ['gpc', 'gpp', 'usp', 'api'] as const;
const COLOURS: Record<string, string> = {
  granted: '#1b7f3b', renewed: '#5aa469', refused: '#8a5a00', withdrawn: '#b3261e', expired: '#6b6b6b', opted_out: '#6a1b9a',
  gpc: '#0b57d0', gpp: '#00796b', usp: '#c2185b', api: '#5d4037',
};

function OverTime() {
  const [to, setTo] = useState(() => isoDay(Date.now()));
  const [from, setFrom] = useState(() => isoDay(Date.now() - 29 * DAY_MS));
  const [bucket, setBucket] = useState<'day' | 'week'>('day');
  const [purpose, setPurpose] = useState('');
  const metrics = useQuery({ queryKey: ['consent', 'metrics', from, to, bucket], queryFn: () => consentApi.metrics(from, to, bucket) });
  const series = metrics.data?.series ?? [];
  const purposes = useMemo(() => [...new Set(series.filter((r) => r.kind !== 'opt_out').map((r) => r.purpose))].sort(), [series]);
  const events = series.filter((r) => r.kind !== 'opt_out' && (!purpose || r.purpose === purpose));
  const optOuts = series.filter((r) => r.kind === 'opt_out');
  return (
    <section aria-labelledby="consent-over-time">
      <h2 id="consent-over-time">Consent over time</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={from} max={to} onChange={(e) => e.target.value && setFrom(e.target.value)} />
        </label>
        <label>
          To <input type="date" value={to} min={from} onChange={(e) => e.target.value && setTo(e.target.value)} />
        </label>
        <label>
          Per{' '}
          <select value={bucket} onChange={(e) => setBucket(e.target.value as 'day' | 'week')}>
            <option value="day">day</option>
            <option value="week">week</option>
          </select>
        </label>
        <label>
          Purpose{' '}
          <select value={purpose} onChange={(e) => setPurpose(e.target.value)}>
            <option value="">all purposes</option>
            {purposes.map((p) => (
              <option key={p} value={p}>{p}</option>
            ))}
          </select>
        </label>
      </form>
      <p className="note">Days are UTC days of each event's own time; a week is labelled by its Monday.</p>
      {metrics.error && <p role="alert">{metrics.error.message}</p>}
      {metrics.data && (
        <>
          <BarChart id="chart-consents" title={`Grants, renewals, refusals, withdrawals, expiries and grants ended by an opt-out${purpose ? ` for ${purpose}` : ''}`} rows={events} keyOf={(r) => r.kind} keys={EVENT_KINDS} />
          <BarChart id="chart-opt-outs" title="Opt-outs by signal (GPC, GPP, US Privacy, API)" rows={optOuts} keyOf={(r) => r.signal ?? 'api'} keys={SIGNALS} />
          <details>
            <summary>The figures as a table</summary>
            <table data-testid="consent-counts">
              <caption>Counts per {bucket} (UTC), purpose, kind and signal</caption>
              <thead>
                <tr><th scope="col">{bucket === 'week' ? 'Week of' : 'Day'}</th><th scope="col">Purpose or opt-out</th><th scope="col">Kind</th><th scope="col">Signal</th><th scope="col">Count</th></tr>
              </thead>
              <tbody>
                {series.map((r) => (
                  <tr key={`${r.period}|${r.purpose}|${r.kind}|${r.signal}`}>
                    <td>{r.period}</td><td>{r.purpose}</td><td>{label(r.kind)}</td><td>{r.signal ?? ''}</td><td>{r.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
          {series.length === 0 && <p>Nothing was recorded between these days.</p>}
        </>
      )}
    </section>
  );
}

/** Hand-drawn SVG bars (stacked per period); the table above the chart's <details> carries the same figures for screen readers. */
function BarChart({ id, title, rows, keyOf, keys }: { id: string; title: string; rows: ConsentCount[]; keyOf: (r: ConsentCount) => string; keys: readonly string[] }) {
  const periods = [...new Set(rows.map((r) => r.period))].sort();
  const totals = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = totals.get(r.period) ?? new Map<string, number>();
    m.set(keyOf(r), (m.get(keyOf(r)) ?? 0) + r.count);
    totals.set(r.period, m);
  }
  const max = Math.max(1, ...periods.map((p) => [...(totals.get(p)?.values() ?? [])].reduce((a, b) => a + b, 0)));
  const W = 900, H = 180, left = 40, bottom = 24;
  const bw = periods.length ? Math.min(40, (W - left) / periods.length - 4) : 0;
  const present = keys.filter((k) => rows.some((r) => keyOf(r) === k));
  return (
    <figure className="chart">
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <svg role="img" aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} viewBox={`0 0 ${W} ${H + bottom}`} width="100%" height={H + bottom}>
        <line x1={left} y1={H} x2={W} y2={H} stroke="#444" />
        <text x={left - 6} y={12} textAnchor="end" fontSize="11">{max}</text>
        <text x={left - 6} y={H} textAnchor="end" fontSize="11">0</text>
        {periods.map((p, i) => {
          let y = H;
          const x = left + 4 + i * ((W - left) / periods.length);
          return (
            <g key={p}>
              {keys.map((k) => {
                const v = totals.get(p)?.get(k) ?? 0;
                if (!v) return null;
                const h = (v / max) * (H - 16);
                y -= h;
                return <rect key={k} x={x} y={y} width={bw} height={h} fill={COLOURS[k] ?? '#333'}><title>{`${p} ${label(k)}: ${v}`}</title></rect>;
              })}
              {(periods.length <= 16 || i % Math.ceil(periods.length / 16) === 0) && <text x={x} y={H + 16} fontSize="10">{p.slice(5)}</text>}
            </g>
          );
        })}
      </svg>
      <p id={`${id}-summary`} className="legend">
        {present.length ? present.map((k) => (
          <span key={k}><span className="swatch" style={{ background: COLOURS[k] }} aria-hidden="true" /> {label(k)}: {rows.filter((r) => keyOf(r) === k).reduce((s, r) => s + r.count, 0)} </span>
        )) : 'no events'}
      </p>
    </figure>
  );
}

const CONFLICT_TEXT: Record<string, string> = {
  gpc_vs_consent: 'GPC opt-out vs. a later consent to sale/sharing',
  opt_out_vs_consent: 'opt-out vs. a consent within 12 months',
  gpc_vs_signal: 'GPC vs. a GPP or US Privacy string saying "not opted out"',
  gpp_vs_usp: 'GPP and US Privacy strings disagree on the sale opt-out',
};

function Conflicts({ onOpen }: { onOpen: (key: string) => void }) {
  const [after, setAfter] = useState<string | null>(null);
  const list = useQuery({ queryKey: ['consent', 'conflicts', after], queryFn: () => consentApi.conflicts(after) });
  return (
    <section aria-labelledby="consent-conflicts">
      <h2 id="consent-conflicts">Conflicts between signals</h2>
      <p className="note">Subjects by pseudonymous key only; in each the opt-out prevails.</p>
      {list.error && <p role="alert">{list.error.message}</p>}
      {list.data && list.data.conflicts.length === 0 && <p>No standing conflict.</p>}
      {list.data && list.data.conflicts.length > 0 && (
        <table data-testid="conflicts">
          <thead>
            <tr><th scope="col">Subject key</th><th scope="col">Conflict</th><th scope="col">Signals</th><th scope="col">Purposes</th><th scope="col">Since (your time)</th><th scope="col">Rule</th></tr>
          </thead>
          <tbody>
            {list.data.conflicts.map((c) => (
              <tr key={`${c.subject_key}|${c.conflict}|${c.signals.join('+')}|${c.consent_id}`}>
                <td><button type="button" className="link" onClick={() => onOpen(c.subject_key)}>{c.subject_key}</button></td>
                <td>{CONFLICT_TEXT[c.conflict] ?? label(c.conflict)}</td>
                <td>{c.signals.join(', ')}</td>
                <td>{c.purposes.join(', ')}</td>
                <td>{inViewerZone(c.since)}</td>
                <td>{c.rule.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.next && <button type="button" onClick={() => setAfter(list.data.next)}>Next page</button>}
      {after && <button type="button" onClick={() => setAfter(null)}>First page</button>}
    </section>
  );
}

function CcpaMetricsTable() {
  const [year, setYear] = useState(() => new Date().getFullYear() - 1);
  const m = useQuery({ queryKey: ['ccpa-metrics', year], queryFn: () => consentApi.ccpa(year) });
  const years = Array.from({ length: new Date().getFullYear() - 2020 + 1 }, (_, i) => 2020 + i).reverse();
  return (
    <section aria-labelledby="ccpa-metrics">
      <h2 id="ccpa-metrics">CCPA request metrics (11 CCR § 7102)</h2>
      <label>
        Calendar year{' '}
        <select value={year} onChange={(e) => setYear(Number(e.target.value))}>
          {years.map((y) => <option key={y} value={y}>{y}</option>)}
        </select>
      </label>{' '}
      <a href={consentApi.ccpaCsvUrl(year)} download={`ccpa-metrics-${year}.csv`} data-testid="ccpa-csv">Download CSV</a>
      {m.error && <p role="alert">{m.error.message}</p>}
      {m.data && (
        <>
          <table data-testid="ccpa-table">
            <caption>Requests received in {m.data.year} (California days, {m.data.timezone}); publish by {m.data.disclose_by}</caption>
            <thead>
              <tr><th scope="col">Request type</th><th scope="col">Received</th><th scope="col">Complied with in whole or in part</th><th scope="col">Denied</th><th scope="col">Median days</th><th scope="col">Mean days</th><th scope="col">Pending (not a § 7102 figure)</th></tr>
            </thead>
            <tbody>
              {m.data.rows.map((r) => (
                <tr key={r.metric} data-metric={r.metric}>
                  <th scope="row">{r.name}</th><td>{r.received}</td><td>{r.complied_in_whole_or_in_part}</td><td>{r.denied}</td>
                  <td>{r.median_days ?? '–'}</td><td>{r.mean_days ?? '–'}</td><td>{r.pending}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="note">Required only when {m.data.rule.applies_when} ({m.data.rule.source}). The business publishes the median or the mean.</p>
        </>
      )}
    </section>
  );
}

function SubjectLookup({ subjectKey }: { subjectKey: string | null }) {
  const { can } = useSession();
  const [userId, setUserId] = useState('');
  const [asked, setAsked] = useState<string | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const byUser = useQuery({ queryKey: ['consent', 'subject', asked], queryFn: () => consentApi.subject(asked!), enabled: !!asked && !subjectKey });
  const byKey = useQuery({ queryKey: ['consent', 'subject-key', subjectKey], queryFn: () => consentApi.subjectByKey(subjectKey!), enabled: !!subjectKey });
  const history = useQuery({ queryKey: ['consent', 'history', asked], queryFn: () => consentApi.history(asked!), enabled: !!asked && showHistory && !subjectKey });
  const state = subjectKey ? byKey.data : byUser.data;
  const error = subjectKey ? byKey.error : byUser.error;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setShowHistory(false);
    setAsked(userId.trim() || null);
  };
  useEffect(() => void (subjectKey && setAsked(null)), [subjectKey]);
  return (
    <section aria-labelledby="subject-lookup">
      <h2 id="subject-lookup">Subject look-up</h2>
      <form onSubmit={submit}>
        <label>
          User id <input value={userId} onChange={(e) => setUserId(e.target.value)} autoComplete="off" />
        </label>{' '}
        <button type="submit">Look up</button>
      </form>
      {subjectKey && !asked && <p>Subject key {subjectKey}</p>}
      {error && <p role="alert">{error.message}</p>}
      {state && !state.known && <p>No consent is recorded for this subject.</p>}
      {state?.known && (
        <table data-testid="subject-consents">
          <caption>Current consents</caption>
          <thead>
            <tr><th scope="col">Category</th><th scope="col">Purpose</th><th scope="col">Status</th><th scope="col">Basis</th><th scope="col">Given (your time)</th></tr>
          </thead>
          <tbody>
            {state.consents.map((g) => (
              <tr key={`${g.data_category}|${g.processing_purpose}`}>
                <td>{g.data_category}</td><td>{g.processing_purpose}</td><td>{label(g.status)}</td><td>{label(g.legal_basis)}</td><td>{inViewerZone(g.given_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {state?.known && state.opt_outs.length > 0 && (
        <p>Opt-outs: {state.opt_outs.map((o) => `${label(o.kind)} (${o.source})`).join(', ')}</p>
      )}
      {asked && byUser.data?.known && !showHistory && (
        <button type="button" onClick={() => setShowHistory(true)}>
          {can('consent:read-pii') ? 'Show history with personal fields (the read is recorded)' : 'Show history (personal fields need consent:read-pii)'}
        </button>
      )}
      {history.error && <p role="alert">{history.error.message}</p>}
      {history.data && (
        <table data-testid="subject-history">
          <caption>History ({history.data.personal_fields === 'omitted' ? 'personal fields omitted' : `personal fields ${label(history.data.personal_fields)}`})</caption>
          <thead>
            <tr><th scope="col">When (your time)</th><th scope="col">Event</th><th scope="col">Proof: page</th><th scope="col">Proof: IP address</th><th scope="col">Proof: user agent</th></tr>
          </thead>
          <tbody>
            {history.data.events.map((e) => {
              const proof = ((e.data as { proof?: unknown } | null)?.proof ?? {}) as Record<string, unknown>;
              const shown = (v: unknown) => (typeof v === 'string' ? v : '—');
              return (
                <tr key={e.event_id}>
                  <td>{inViewerZone(e.occurred_at)}</td><td>{e.type}</td><td>{shown(proof.page)}</td><td>{shown(proof.ip_address)}</td><td>{shown(proof.user_agent)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
