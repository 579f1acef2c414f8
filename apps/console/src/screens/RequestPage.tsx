import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api';
import { Action, ActionsSection, useCommands } from '../components';
import { useSession } from '../session';
import { deadline, inViewerZone, label } from '../time';
import { REJECTIONS, VERIFY_METHODS, type RequestRow } from '../types';
import { NoScope } from './Requests';

const OPEN = new Set(['received', 'verified', 'in_progress']);

/** One request: its deadline, tasks per system, timeline from the log, and the actions the session may take. */
export function RequestPage({ id }: { id: string }) {
  const { can } = useSession();
  const request = useQuery({ queryKey: ['requests', 'one', id], queryFn: () => api.requests.get(id), enabled: can('rights:manage') });
  const timeline = useQuery({ queryKey: ['requests', 'timeline', id], queryFn: () => api.requests.timeline(id), enabled: can('rights:manage') });
  useEffect(() => void (document.title = `Request ${id.slice(0, 8)} · privacy-ledger`), [id]);
  if (!can('rights:manage')) return <NoScope />;
  if (request.error) return <><h1>Request</h1><p role="alert">{request.error.message}</p></>;
  if (!request.data) return <p className="loading">Loading…</p>;
  const r = request.data;
  const due = deadline(r.due_at, r.deadline_timezone);
  return (
    <>
      <p><Link href="/requests">← Requests</Link></p>
      <h1>{label(r.request_type)} request <code>{r.request_id.slice(0, 8)}</code></h1>
      <dl className="facts">
        <dt>State</dt><dd data-testid="request-status">{label(r.status)}{r.overdue && <strong> · overdue</strong>}</dd>
        <dt>Jurisdiction</dt><dd>{r.jurisdiction} (holiday calendar {r.calendar ?? 'none'})</dd>
        <dt>Received</dt><dd>{inViewerZone(r.received_at)} via {label(r.channel)}</dd>
        <dt>Due</dt><dd>{due.viewer}{due.legal && <span className="legal"> · {due.legal}</span>}</dd>
        <dt>Extension</dt><dd>{r.extended ? `extended: ${r.extension_reason}` : 'not extended'}</dd>
        <dt>Identity</dt><dd>{r.verified ? `verified (${label(r.verification_method ?? 'unknown')})` : r.verification_required ? 'not verified yet' : 'verification not required'}</dd>
        {r.rejection_reason && <><dt>Rejected</dt><dd>{label(r.rejection_reason)}</dd></>}
      </dl>
      {can('rights:manage') && OPEN.has(r.status) && <Actions r={r} />}
      <section aria-labelledby="tasks">
        <h2 id="tasks">Tasks per system</h2>
        {r.tasks.length === 0 ? <p>No task yet{r.verification_required && !r.verified ? ': tasks are dispatched once the identity is verified.' : '.'}</p> : (
          <table data-testid="tasks">
            <thead><tr><th scope="col">System</th><th scope="col">Integration</th><th scope="col">Categories</th><th scope="col">State</th><th scope="col">Dispatched</th><th scope="col">Result</th></tr></thead>
            <tbody>
              {r.tasks.map((t) => (
                <tr key={t.task_id}>
                  <td>{t.system_id}</td><td>{t.integration}</td><td>{t.categories.join(', ')}</td>
                  <td>{label(t.status)}{t.reason ? `: ${t.reason}` : ''}</td>
                  <td>{inViewerZone(t.dispatched_at)}{t.attempt > 1 ? ` (attempt ${t.attempt})` : ''}</td>
                  <td>{t.result_at ? inViewerZone(t.result_at) : 'awaited'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline from the log</h2>
        {timeline.error && <p role="alert">{timeline.error.message}</p>}
        <ol className="timeline" data-testid="timeline">
          {timeline.data?.timeline.map((e, i) => (
            <li key={i}><time dateTime={e.occurred_at}>{inViewerZone(e.occurred_at)}</time> <code>{e.type}</code> by {e.actor}</li>
          ))}
        </ol>
      </section>
    </>
  );
}

/** The commands the request's state allows; each appends one fact through the API. */
function Actions({ r }: { r: RequestRow }) {
  const commands = useCommands('requests');
  const { act, run } = commands;
  const [method, setMethod] = useState<(typeof VERIFY_METHODS)[number]>(VERIFY_METHODS[0]);
  const [dataPoints, setDataPoints] = useState(0);
  const [declaration, setDeclaration] = useState(false);
  const [extendReason, setExtendReason] = useState('');
  const [rejectReason, setRejectReason] = useState<(typeof REJECTIONS)[number]>(REJECTIONS[0]);
  const [explanation, setExplanation] = useState('');
  return (
    <ActionsSection commands={commands}>
      {r.verification_required && !r.verified && (
        <Action title="Verify identity" onSubmit={run('Identity verified', () => api.requests.verify(r.request_id, { method, data_points_matched: method === 'data_points' ? dataPoints : undefined, signed_declaration: declaration || undefined }))} busy={act.isPending}>
          <label htmlFor="verify-method">Method</label>
          <select id="verify-method" value={method} onChange={(e) => setMethod(e.target.value as (typeof VERIFY_METHODS)[number])}>
            {VERIFY_METHODS.map((m) => <option key={m} value={m}>{label(m)}</option>)}
          </select>
          {method === 'data_points' && (
            <>
              <label htmlFor="verify-points">Data points matched</label>
              <input id="verify-points" type="number" min={0} max={20} value={dataPoints} onChange={(e) => setDataPoints(Number(e.target.value))} />
            </>
          )}
          <label className="check"><input type="checkbox" checked={declaration} onChange={(e) => setDeclaration(e.target.checked)} /> Signed declaration received</label>
        </Action>
      )}
      {!r.extended && (
        <Action title="Extend the deadline" onSubmit={run('Deadline extended', () => api.requests.extend(r.request_id, extendReason.trim()))} busy={act.isPending || !extendReason.trim()}>
          <label htmlFor="extend-reason">Reason (told to the requester)</label>
          <textarea id="extend-reason" required maxLength={1000} value={extendReason} onChange={(e) => setExtendReason(e.target.value)} />
        </Action>
      )}
      <Action title="Reject" onSubmit={run('Request rejected', () => api.requests.reject(r.request_id, rejectReason, explanation.trim()))} busy={act.isPending || !explanation.trim()}>
        <label htmlFor="reject-reason">Ground</label>
        <select id="reject-reason" value={rejectReason} onChange={(e) => setRejectReason(e.target.value as (typeof REJECTIONS)[number])}>
          {REJECTIONS.map((m) => <option key={m} value={m}>{label(m)}</option>)}
        </select>
        <label htmlFor="reject-explanation">Explanation (told to the requester)</label>
        <textarea id="reject-explanation" required maxLength={2000} value={explanation} onChange={(e) => setExplanation(e.target.value)} />
      </Action>
    </ActionsSection>
  );
}

