import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { breaches, type AssessBody, type Breach, type NotifySubjectsBody } from '../api/breaches';
import { Action, ActionsSection, Pager, useCommands } from '../components';
import { useSession } from '../session';
import { deadline, inViewerZone, label } from '../time';

const PAGE = 50;
type Clock = Breach['deadlines'][number];

/** Screen 6: the breach register, newest awareness first, a page at a time, with each breach's running clocks. */
export function Breaches() {
  const { can } = useSession();
  const search = useSearch();
  const [, navigate] = useLocation();
  const status = new URLSearchParams(search).get('status') as 'open' | 'closed' | null;
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  useEffect(() => setCursors([null]), [search]);
  useEffect(() => void (document.title = 'Breaches · privacy-ledger'), []);
  const after = cursors[cursors.length - 1];
  const page = useQuery({
    queryKey: ['breaches', 'list', status, after],
    queryFn: () => breaches.list(status ?? undefined, after, PAGE),
    placeholderData: keepPreviousData,
    enabled: can('breach:manage'),
    refetchInterval: 60_000,
  });
  if (!can('breach:manage')) return <NoBreachScope />;
  return (
    <>
      <h1>Breaches</h1>
      <form className="filters" aria-label="Filter the register" onSubmit={(e) => e.preventDefault()}>
        <span className="field">
          <label htmlFor="f-breach-status">State</label>
          <select id="f-breach-status" value={status ?? ''} onChange={(e) => navigate(`/breaches${e.target.value ? `?status=${e.target.value}` : ''}`)}>
            <option value="">any</option>
            <option value="open">open</option>
            <option value="closed">closed</option>
          </select>
        </span>
        <a className="download" href="/breaches/register.csv" download>Register as CSV (Art. 33(5))</a>
      </form>
      {page.error && <p role="alert">{page.error.message}</p>}
      {page.data && page.data.breaches.length === 0 && <p>No breach recorded{status ? ` (${status})` : ''}.</p>}
      {page.data && page.data.breaches.length > 0 && (
        <table data-testid="register">
          <caption>Newest awareness first; times in your time zone, each deadline also in the zone its law counts days in.</caption>
          <thead>
            <tr>
              <th scope="col">Breach</th>
              <th scope="col">Stage</th>
              <th scope="col">Aware since</th>
              <th scope="col">Risk</th>
              <th scope="col">Systems</th>
              <th scope="col">Next clock</th>
            </tr>
          </thead>
          <tbody>
            {page.data.breaches.map((b) => {
              const next = b.deadlines.filter((d) => !d.met_at).sort((x, y) => x.due_at.localeCompare(y.due_at))[0];
              return (
                <tr key={b.breach_id} className={next?.overdue ? 'warn' : undefined}>
                  <td><Link href={`/breaches/${b.breach_id}`}><code>{b.breach_id.slice(0, 8)}</code></Link></td>
                  <td>{label(b.stage)}</td>
                  <td>{inViewerZone(b.aware_at)}</td>
                  <td>{b.risk_level ? label(b.risk_level) : 'not assessed'}</td>
                  <td>{b.systems.join(', ')}</td>
                  <td>{next ? <ClockText d={next} /> : b.status === 'closed' ? 'closed' : 'no clock running'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager cursors={cursors} setCursors={setCursors} next={page.data?.next} />
    </>
  );
}

function NoBreachScope() {
  return (
    <>
      <h1>Breaches</h1>
      <p>Your scopes do not include breach:manage, which the breach routes need.</p>
    </>
  );
}

/** A clock: to whom, when due (viewer's zone and the law's), time left or when met. */
function ClockText({ d }: { d: Clock }) {
  const due = deadline(d.due_at, d.deadline_timezone);
  return (
    <span data-testid={`clock-${d.id}`}>
      {label(d.recipient)}: {d.met_at ? `met ${inViewerZone(d.met_at)}` : d.overdue ? <strong>overdue by {hours(-(d.time_left_hours ?? 0))}</strong> : `${hours(d.time_left_hours ?? 0)} left`}
      {!d.met_at && <>, due {due.viewer}{due.legal && <span className="legal"> · {due.legal}</span>}</>}
    </span>
  );
}

const hours = (h: number): string => (h >= 48 ? `${Math.floor(h / 24)} d ${Math.floor(h % 24)} h` : `${Math.floor(h)} h ${Math.round((h % 1) * 60)} min`);

/** One breach: its clocks, the risk assessment, the scope, notifications sent, the drafts, the history, and the actions. */
export function BreachPage({ id }: { id: string }) {
  const { can } = useSession();
  const breach = useQuery({ queryKey: ['breaches', 'one', id], queryFn: () => breaches.get(id), enabled: can('breach:manage'), refetchInterval: 60_000 });
  useEffect(() => void (document.title = `Breach ${id.slice(0, 8)} · privacy-ledger`), [id]);
  if (!can('breach:manage')) return <NoBreachScope />;
  if (breach.error) return <><h1>Breach</h1><p role="alert">{breach.error.message}</p></>;
  if (!breach.data) return <p className="loading">Loading…</p>;
  const b = breach.data;
  const a = b.assessment;
  return (
    <>
      <p><Link href="/breaches">← Breaches</Link></p>
      <h1>Breach <code>{b.breach_id.slice(0, 8)}</code></h1>
      <dl className="facts">
        <dt>Stage</dt><dd data-testid="breach-stage">{label(b.stage)}{b.reopen_count > 0 ? ` (reopened ${b.reopen_count}×)` : ''}</dd>
        <dt>Aware since</dt><dd>{inViewerZone(b.aware_at)} (recorded {inViewerZone(b.detected_at)})</dd>
        <dt>Source</dt><dd>{b.source ? label(b.source) : 'not given'}, reported by {label(b.reporter_role)}</dd>
        <dt>Description</dt><dd>{b.description}</dd>
        {b.closed_at && <><dt>Closed</dt><dd>{inViewerZone(b.closed_at)}</dd></>}
      </dl>

      <section aria-labelledby="clocks">
        <h2 id="clocks">Notification clocks</h2>
        {b.deadlines.length === 0 ? <p>No clock runs: {a ? 'the assessment found no notification due.' : 'none has started.'}</p> : (
          <table data-testid="clocks">
            <thead><tr><th scope="col">Notify</th><th scope="col">Due (your zone)</th><th scope="col">Due (legal zone)</th><th scope="col">State</th><th scope="col">Source</th></tr></thead>
            <tbody>
              {b.deadlines.map((d) => {
                const due = deadline(d.due_at, d.deadline_timezone);
                return (
                  <tr key={d.id} className={d.overdue ? 'warn' : undefined} data-testid={`clock-${d.id}`}>
                    <td>{label(d.recipient)}</td>
                    <td>{due.viewer}</td>
                    <td>{d.deadline_timezone ? (due.legal ?? `${due.viewer} (${d.deadline_timezone})`) : `${new Date(d.due_at).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${hoursOf(d)} from awareness, the same instant in every zone`}</td>
                    <td>{d.met_at ? `met ${inViewerZone(d.met_at)}` : d.overdue ? <strong>overdue by {hours(-(d.time_left_hours ?? 0))}</strong> : `${hours(d.time_left_hours ?? 0)} left`}</td>
                    <td>{d.source}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="risk">
        <h2 id="risk">Risk assessment</h2>
        {!a ? <p>Not assessed yet.</p> : (
          <div data-testid="risk">
            <p><strong>{label(a.risk_level)}</strong>{a.computed_level !== a.risk_level ? ` (computed: ${label(a.computed_level)}; overridden by the assessor)` : ''}, assessment {a.assessment_no} of {inViewerZone(a.assessed_at)}.
              {' '}Authority: {a.notify_authority ? `to be notified (${a.authorities.join(', ') || 'no competent authority found'})` : 'not to be notified'}.
              {' '}Subjects: {a.notify_subjects ? 'to be told' : 'not to be told'}{a.subject_exemption ? ` (exemption Art. 34(3)(${a.subject_exemption}))` : ''}.</p>
            <h3>Why</h3>
            <ul>{a.reasons.map((r, i) => <li key={i}>{r}</li>)}</ul>
            {a.assumptions.length > 0 && <><h3>Assumed (factors not given)</h3><ul>{a.assumptions.map((r, i) => <li key={i}>{r}</li>)}</ul></>}
          </div>
        )}
      </section>

      <section aria-labelledby="scope">
        <h2 id="scope">Scope</h2>
        <dl className="facts" data-testid="scope">
          <dt>Systems</dt><dd>{b.systems.join(', ')}</dd>
          <dt>Window</dt><dd>{b.window.from ? inViewerZone(b.window.from) : 'start not given'} to {b.window.to ? inViewerZone(b.window.to) : 'awareness'}</dd>
          {a && <>
            <dt>Subjects</dt><dd>{a.factors.subjects_count.toLocaleString()}{a.scope ? ' (from the processing receipts)' : ' (as assessed)'}</dd>
            <dt>Records</dt><dd>{a.factors.records_count.toLocaleString()}</dd>
            <dt>Categories</dt><dd>{a.factors.categories.join(', ') || 'none'}</dd>
            <dt>Special categories</dt><dd>{a.factors.special_categories.join(', ') || 'none'}</dd>
            <dt>Subjects by jurisdiction</dt><dd>{Object.entries(a.subject_jurisdictions).map(([k, n]) => `${k} ${n}`).join(', ') || 'none given'}{a.ca_residents ? ` · California residents ${a.ca_residents}` : ''}</dd>
            {a.scope && <><dt>Catalog as of</dt><dd>{inViewerZone(a.scope.catalog_as_of)} ({a.scope.subjects_without_jurisdiction} subjects without a known jurisdiction)</dd></>}
          </>}
        </dl>
      </section>

      <section aria-labelledby="sent">
        <h2 id="sent">Notifications sent</h2>
        <ul data-testid="notifications">
          {Object.entries(b.authorities_notified).map(([authority, n]) => (
            <li key={authority}>Supervisory authority {authority}: {inViewerZone(n.initial_at)}{n.phases > 1 ? `, ${n.phases} phases` : ''}{n.late ? ' (after 72 hours, with reasons)' : ''}</li>
          ))}
          {Object.entries(b.subjects_notified).map(([jurisdiction, n]) => n && (
            <li key={jurisdiction}>Subjects ({jurisdiction}): {n.count.toLocaleString()} told, first {inViewerZone(n.first_at)}</li>
          ))}
          {b.exemption && <li>Exempt from telling the subjects: Art. 34(3)({b.exemption.ground}), recorded {inViewerZone(b.exemption.recorded_at)}</li>}
          {b.attorney_general_notified_at && <li>California Attorney General: {inViewerZone(b.attorney_general_notified_at)}</li>}
          {Object.keys(b.authorities_notified).length + Object.keys(b.subjects_notified).length === 0 && !b.exemption && !b.attorney_general_notified_at && <li>None yet.</li>}
        </ul>
      </section>

      {a && <Drafts id={b.breach_id} />}
      {b.status !== 'none' && <Actions b={b} />}

      <section aria-labelledby="history">
        <h2 id="history">History from the log</h2>
        <ol className="timeline" data-testid="breach-timeline">
          {b.timeline.map((e, i) => <li key={i}><time dateTime={e.occurred_at}>{inViewerZone(e.occurred_at)}</time> <code>{e.type}</code> by {e.actor}</li>)}
        </ol>
      </section>
    </>
  );
}

const hoursOf = (d: Clock): string => (d.id === 'gdpr_art33_authority' ? '72 hours' : 'a duration');

function Drafts({ id }: { id: string }) {
  const drafts = useQuery({ queryKey: ['breaches', 'drafts', id], queryFn: () => breaches.drafts(id) });
  return (
    <section aria-labelledby="drafts">
      <h2 id="drafts">Drafts</h2>
      {drafts.error && <p role="alert">{drafts.error.message}</p>}
      {drafts.data && (
        <div data-testid="drafts">
          <details><summary>To the supervisory authority (Art. 33(3))</summary><pre>{drafts.data.authority.text}</pre></details>
          <details><summary>To the data subjects (Art. 34(2))</summary><pre>{drafts.data.subjects.text}</pre></details>
          {drafts.data.california && <details><summary>California notice (Civ. § 1798.82)</summary><pre>{drafts.data.california.text}</pre></details>}
          <p className="help"><a href={`/breaches/${id}/drafts?format=text`} download={`breach-${id.slice(0, 8)}-drafts.txt`}>All drafts as text</a></p>
        </div>
      )}
    </section>
  );
}

const IDENTIFIABILITY = ['negligible', 'limited', 'significant', 'maximum'] as const satisfies readonly AssessBody['factors']['identifiability'][];
const CHANNELS = ['email', 'letter', 'sms', 'in_app', 'phone', 'public_communication'] as const satisfies readonly NotifySubjectsBody['channel'][];
const lines = (s: string): string[] => s.split('\n').map((x) => x.trim()).filter(Boolean);

/** The commands the breach's state allows; each appends one fact through the API. */
function Actions({ b }: { b: Breach }) {
  const commands = useCommands('breaches');
  const { act, run } = commands;
  const a = b.assessment;
  const id = b.breach_id;
  const open = b.status === 'open';
  // notify authority
  const [authority, setAuthority] = useState(a?.authorities[0] ?? '');
  const [phase, setPhase] = useState<'initial' | 'additional'>('initial');
  const [reference, setReference] = useState('');
  const [delay, setDelay] = useState('');
  // subjects
  const [jurisdiction, setJurisdiction] = useState<'EU' | 'US-CA'>('EU');
  const [channel, setChannel] = useState<NotifySubjectsBody['channel']>('email');
  const [told, setTold] = useState(a?.factors.subjects_count ?? 1);
  // exemption, attorney general, close, reopen
  const [ground, setGround] = useState<'a' | 'b' | 'c'>('a');
  const [justification, setJustification] = useState('');
  const [publicCommunication, setPublicCommunication] = useState('');
  const [agReference, setAgReference] = useState('');
  const [summary, setSummary] = useState('');
  const [reason, setReason] = useState('');
  return (
    <ActionsSection commands={commands}>
      {open && <Assess b={b} busy={act.isPending} onSubmit={(body) => run('Risk assessed', () => breaches.assess(id, body))} />}
      {open && a?.notify_authority && (
        <Action title="Record the authority notification" onSubmit={run('Authority notification', () => breaches.notifyAuthority(id, { authority, phase, reference: reference.trim() || undefined, delay_reason: delay.trim() || undefined }))} busy={act.isPending || !authority}>
          <label htmlFor="auth-authority">Authority (member state)</label>
          <select id="auth-authority" value={authority} onChange={(e) => setAuthority(e.target.value)}>
            {a.authorities.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
          <label htmlFor="auth-phase">Phase (Art. 33(4))</label>
          <select id="auth-phase" value={phase} onChange={(e) => setPhase(e.target.value as 'initial' | 'additional')}>
            <option value="initial">initial</option>
            <option value="additional">additional information</option>
          </select>
          <label htmlFor="auth-reference">Authority's reference</label>
          <input id="auth-reference" maxLength={200} value={reference} onChange={(e) => setReference(e.target.value)} />
          <label htmlFor="auth-delay">Reasons for a delay past 72 hours</label>
          <textarea id="auth-delay" maxLength={4000} value={delay} onChange={(e) => setDelay(e.target.value)} />
        </Action>
      )}
      {open && a && (
        <Action title="Record the subject notification" onSubmit={run('Subject notification', () => breaches.notifySubjects(id, { jurisdiction, channel, subjects_count: told }))} busy={act.isPending || told < 1}>
          <label htmlFor="subj-jurisdiction">Law</label>
          <select id="subj-jurisdiction" value={jurisdiction} onChange={(e) => setJurisdiction(e.target.value as 'EU' | 'US-CA')}>
            <option value="EU">EU (GDPR Art. 34)</option>
            <option value="US-CA">California (Civ. § 1798.82)</option>
          </select>
          <label htmlFor="subj-channel">Channel</label>
          <select id="subj-channel" value={channel} onChange={(e) => setChannel(e.target.value as NotifySubjectsBody['channel'])}>
            {CHANNELS.map((c) => <option key={c} value={c}>{label(c)}</option>)}
          </select>
          <label htmlFor="subj-count">Subjects told</label>
          <input id="subj-count" type="number" min={1} value={told} onChange={(e) => setTold(Number(e.target.value))} />
        </Action>
      )}
      {open && a?.notify_subjects && !b.exemption && (
        <Action title="Record an exemption (Art. 34(3))" onSubmit={run('Exemption', () => breaches.exemption(id, { ground, justification: justification.trim(), public_communication: publicCommunication.trim() || undefined }))} busy={act.isPending || !justification.trim()}>
          <label htmlFor="ex-ground">Ground</label>
          <select id="ex-ground" value={ground} onChange={(e) => setGround(e.target.value as 'a' | 'b' | 'c')}>
            <option value="a">(a) data unintelligible (encrypted, keys safe)</option>
            <option value="b">(b) measures taken: high risk no longer likely</option>
            <option value="c">(c) disproportionate effort: public communication</option>
          </select>
          <label htmlFor="ex-justification">Justification</label>
          <textarea id="ex-justification" required maxLength={4000} value={justification} onChange={(e) => setJustification(e.target.value)} />
          {ground === 'c' && <><label htmlFor="ex-public">The public communication</label><textarea id="ex-public" maxLength={4000} value={publicCommunication} onChange={(e) => setPublicCommunication(e.target.value)} /></>}
        </Action>
      )}
      {open && a?.ca_notice_required && !b.attorney_general_notified_at && (
        <Action title="Record the Attorney General notification" onSubmit={run('Attorney General notification', () => breaches.attorneyGeneral(id, agReference.trim() || undefined))} busy={act.isPending}>
          <label htmlFor="ag-reference">Reference</label>
          <input id="ag-reference" maxLength={200} value={agReference} onChange={(e) => setAgReference(e.target.value)} />
        </Action>
      )}
      {open && (
        <Action title="Close the breach" onSubmit={run('Breach closed', () => breaches.close(id, summary.trim()))} busy={act.isPending || !summary.trim()}>
          <label htmlFor="close-summary">Summary (containment, outcome)</label>
          <textarea id="close-summary" required maxLength={4000} value={summary} onChange={(e) => setSummary(e.target.value)} />
        </Action>
      )}
      {!open && (
        <Action title="Reopen the breach" onSubmit={run('Breach reopened', () => breaches.reopen(id, reason.trim()))} busy={act.isPending || !reason.trim()}>
          <label htmlFor="reopen-reason">Reason</label>
          <textarea id="reopen-reason" required maxLength={4000} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Action>
      )}
    </ActionsSection>
  );
}

/** Art. 33(1), 34(1): the factors the risk is computed from (EDPB 01/2021); the scope fills subjects, records and categories when asked. */
function Assess({ b, busy, onSubmit }: { b: Breach; busy: boolean; onSubmit: (body: AssessBody) => (e: FormEvent) => void }) {
  const f = b.assessment?.factors;
  const [cia, setCia] = useState({ confidentiality: f?.confidentiality ?? true, integrity: f?.integrity ?? false, availability: f?.availability ?? false });
  const [identifiability, setIdentifiability] = useState<AssessBody['factors']['identifiability']>(f?.identifiability ?? 'significant');
  const [useScope, setUseScope] = useState(!b.assessment);
  const [subjects, setSubjects] = useState(f?.subjects_count ?? 0);
  const [records, setRecords] = useState(f?.records_count ?? 0);
  const [protections, setProtections] = useState({ encrypted: f?.encrypted ?? false, keys_safe: f?.keys_safe ?? false, backup_available: f?.backup_available ?? false, vulnerable_subjects: f?.vulnerable_subjects ?? false });
  const [consequences, setConsequences] = useState((f?.likely_consequences ?? []).join('\n'));
  const [taken, setTaken] = useState('');
  const [proposed, setProposed] = useState('');
  const [contact, setContact] = useState('');
  const body = (): AssessBody => ({
    factors: { ...cia, ...protections, identifiability, likely_consequences: lines(consequences), ...(useScope ? {} : { subjects_count: subjects, records_count: records }) },
    use_scope: useScope || undefined,
    measures_taken: lines(taken),
    measures_proposed: lines(proposed),
    contact_point: contact.trim(),
  });
  return (
    <Action title={b.assessment ? 'Assess the risk again' : 'Assess the risk'} onSubmit={onSubmit(body())} busy={busy || !contact.trim()}>
      <span className="help">Affected:</span>
      {(['confidentiality', 'integrity', 'availability'] as const).map((k) => (
        <label key={k} className="check"><input type="checkbox" checked={cia[k]} onChange={(e) => setCia({ ...cia, [k]: e.target.checked })} /> {k}</label>
      ))}
      <label htmlFor="as-identifiability">Identifiability</label>
      <select id="as-identifiability" value={identifiability} onChange={(e) => setIdentifiability(e.target.value as AssessBody['factors']['identifiability'])}>
        {IDENTIFIABILITY.map((x) => <option key={x} value={x}>{x}</option>)}
      </select>
      <label className="check"><input type="checkbox" checked={useScope} onChange={(e) => setUseScope(e.target.checked)} /> Subjects, records and categories from the scope (receipts in the window)</label>
      {!useScope && (
        <>
          <label htmlFor="as-subjects">Subjects affected</label>
          <input id="as-subjects" type="number" min={0} value={subjects} onChange={(e) => setSubjects(Number(e.target.value))} />
          <label htmlFor="as-records">Records affected</label>
          <input id="as-records" type="number" min={0} value={records} onChange={(e) => setRecords(Number(e.target.value))} />
        </>
      )}
      {(['encrypted', 'keys_safe', 'backup_available', 'vulnerable_subjects'] as const).map((k) => (
        <label key={k} className="check"><input type="checkbox" checked={protections[k]} onChange={(e) => setProtections({ ...protections, [k]: e.target.checked })} /> {label(k)}</label>
      ))}
      <label htmlFor="as-consequences">Likely consequences (one a line)</label>
      <textarea id="as-consequences" value={consequences} onChange={(e) => setConsequences(e.target.value)} />
      <label htmlFor="as-taken">Measures taken (one a line)</label>
      <textarea id="as-taken" value={taken} onChange={(e) => setTaken(e.target.value)} />
      <label htmlFor="as-proposed">Measures proposed (one a line)</label>
      <textarea id="as-proposed" value={proposed} onChange={(e) => setProposed(e.target.value)} />
      <label htmlFor="as-contact">Contact point (an office, Art. 33(3)(b))</label>
      <input id="as-contact" required maxLength={300} value={contact} onChange={(e) => setContact(e.target.value)} />
    </Action>
  );
}


export default Breaches;
