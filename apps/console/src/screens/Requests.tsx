import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, type RequestFilter } from '../api';
import { Pager } from '../components';
import { useSession } from '../session';
import { deadline, inViewerZone, label } from '../time';
import { JURISDICTIONS, REQUEST_TYPES, STATUSES } from '../types';

const PAGE = 50;
const FILTERS = ['request_type', 'jurisdiction', 'status', 'overdue', 'open', 'due_soon'] as const;

/** Screen 2: the queue, by due date, filtered and paged on the server. */
export function Requests() {
  const { can } = useSession();
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const filter: RequestFilter & Record<string, string | undefined> = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? undefined]));
  // Cursors of the pages seen so far: [null (page 1), next of page 1, ...]; reset when the filter changes.
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  useEffect(() => setCursors([null]), [search]);
  useEffect(() => void (document.title = 'Requests · privacy-ledger'), []);
  const after = cursors[cursors.length - 1];
  const page = useQuery({
    queryKey: ['requests', 'list', filter, after],
    queryFn: () => api.requests.list(filter, after, PAGE),
    placeholderData: keepPreviousData,
    enabled: can('rights:manage'),
  });
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate(`/requests${next.toString() ? `?${next}` : ''}`);
  };
  if (!can('rights:manage')) return <NoScope />;
  return (
    <>
      <h1>Requests</h1>
      <form className="filters" aria-label="Filter the requests" onSubmit={(e) => e.preventDefault()}>
        <Select id="f-type" text="Type" value={filter.request_type} options={REQUEST_TYPES} onChange={(v) => setFilter('request_type', v)} />
        <Select id="f-jurisdiction" text="Jurisdiction" value={filter.jurisdiction} options={JURISDICTIONS} onChange={(v) => setFilter('jurisdiction', v)} />
        <Select id="f-status" text="State" value={filter.status} options={STATUSES} onChange={(v) => setFilter('status', v)} />
        <Select id="f-overdue" text="Deadline" value={filter.overdue} options={['true', 'false']} names={{ true: 'overdue', false: 'not overdue' }} onChange={(v) => setFilter('overdue', v)} />
        {filter.open && <Chip text={filter.open === 'true' ? 'open only' : 'closed only'} onClear={() => setFilter('open', '')} />}
        {filter.due_soon && <Chip text="due soon only" onClear={() => setFilter('due_soon', '')} />}
      </form>
      {page.error && <p role="alert">{page.error.message}</p>}
      {page.data && page.data.requests.length === 0 && <p>No request matches.</p>}
      {page.data && page.data.requests.length > 0 && (
        <table aria-describedby="queue-note">
          <caption id="queue-note">Sorted by due date; times in your time zone, the deadline also in its legal calendar's zone.</caption>
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Type</th>
              <th scope="col">Jurisdiction</th>
              <th scope="col">State</th>
              <th scope="col">Received</th>
              <th scope="col">Due</th>
              <th scope="col">Tasks open</th>
            </tr>
          </thead>
          <tbody>
            {page.data.requests.map((r) => {
              const due = deadline(r.due_at, r.deadline_timezone);
              return (
                <tr key={r.request_id} className={r.overdue ? 'warn' : undefined}>
                  <td><Link href={`/requests/${r.request_id}`}><code>{r.request_id.slice(0, 8)}</code></Link></td>
                  <td>{label(r.request_type)}</td>
                  <td>{r.jurisdiction}</td>
                  <td>{label(r.status)}{r.overdue && <strong> · overdue</strong>}</td>
                  <td>{inViewerZone(r.received_at)}</td>
                  <td>{due.viewer}{due.legal && <span className="legal"> · {due.legal}</span>}</td>
                  <td>{r.tasks_open} of {r.tasks_total}</td>
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

export function NoScope() {
  return (
    <>
      <h1>Requests</h1>
      <p>Your scopes do not include rights:manage, which the data-subject request routes need.</p>
    </>
  );
}

function Select(p: { id: string; text: string; value: string | undefined; options: readonly string[]; names?: Record<string, string>; onChange: (v: string) => void }) {
  return (
    <span className="field">
      <label htmlFor={p.id}>{p.text}</label>
      <select id={p.id} value={p.value ?? ''} onChange={(e) => p.onChange(e.target.value)}>
        <option value="">any</option>
        {p.options.map((o) => (
          <option key={o} value={o}>{p.names?.[o] ?? label(o)}</option>
        ))}
      </select>
    </span>
  );
}

function Chip({ text, onClear }: { text: string; onClear: () => void }) {
  return (
    <span className="chip">
      {text} <button type="button" onClick={onClear} aria-label={`Remove the filter: ${text}`}>×</button>
    </span>
  );
}
