import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link } from 'wouter';
import { api } from '../api';
import { useSession } from '../session';
import { deadline, label } from '../time';

/** Screen 1: what needs attention now. Every number links to the list behind it. */
export function Today() {
  const { can } = useSession();
  useEffect(() => void (document.title = 'Today · privacy-ledger'), []);
  return (
    <>
      <h1>Today</h1>
      {can('rights:manage') ? <RequestClocks /> : <p>Your scopes do not include rights:manage: the data-subject request clocks are not shown.</p>}
      {can('breach:manage') && <BreachClocks />}
      <ServiceHealth />
    </>
  );
}

function RequestClocks() {
  const counts = useQuery({ queryKey: ['requests', 'counts'], queryFn: api.requests.counts, refetchInterval: 30_000 });
  return (
    <section aria-labelledby="rights-clocks">
      <h2 id="rights-clocks">Data-subject requests</h2>
      {counts.error && <p role="alert">{counts.error.message}</p>}
      {counts.data && (
        <ul className="figures">
          <Figure testId="overdue" value={counts.data.overdue} href="/requests?overdue=true" text="overdue (past the legal deadline)" warn={counts.data.overdue > 0} />
          <Figure testId="due-soon" value={counts.data.due_soon} href="/requests?due_soon=true" text={`due within ${counts.data.due_soon_days} days`} />
          <Figure testId="open" value={counts.data.open} href="/requests?open=true" text="open" />
        </ul>
      )}
    </section>
  );
}

function Figure({ value, href, text, testId, warn }: { value: number; href: string; text: string; testId: string; warn?: boolean }) {
  return (
    <li className={warn ? 'figure warn' : 'figure'}>
      <Link href={href} data-testid={testId}>
        <span className="number">{value.toLocaleString()}</span> <span className="what">{text}</span>
      </Link>
    </li>
  );
}

function BreachClocks() {
  const breaches = useQuery({ queryKey: ['breaches', 'open'], queryFn: api.breaches.open, refetchInterval: 30_000 });
  const running = (breaches.data?.breaches ?? []).flatMap((b) => b.deadlines.filter((d) => !d.met_at).map((d) => ({ b, d })));
  return (
    <section aria-labelledby="breach-clocks">
      <h2 id="breach-clocks">Breach notification clocks</h2>
      {breaches.error && <p role="alert">{breaches.error.message}</p>}
      {breaches.data && running.length === 0 && <p>No open breach has a notification clock running.</p>}
      {running.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Breach</th>
              <th scope="col">Notify</th>
              <th scope="col">Due</th>
              <th scope="col">Time left</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {running.map(({ b, d }) => (
              <tr key={`${b.breach_id}:${d.id}`} className={d.overdue ? 'warn' : undefined}>
                <td><code>{b.breach_id.slice(0, 8)}</code> {label(b.stage)}</td>
                <td>{label(d.recipient)}</td>
                <td><Due at={d.due_at} zone={d.deadline_timezone} /></td>
                <td>{d.overdue ? `overdue by ${Math.abs(d.time_left_hours ?? 0)} h` : `${d.time_left_hours} h`}</td>
                <td>{d.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** When a clock is due: in the viewer's zone, and in the zone its legal days count in when that differs. */
function Due({ at, zone }: { at: string; zone: string | null }) {
  const due = deadline(at, zone);
  return (
    <>
      {due.viewer}
      {due.legal && <span className="legal"> · {due.legal}</span>}
    </>
  );
}

function ServiceHealth() {
  const health = useQuery({ queryKey: ['health'], queryFn: api.health, refetchInterval: 15_000 });
  const checks = Object.entries(health.data?.checks ?? {});
  return (
    <section aria-labelledby="service-health">
      <h2 id="service-health">Service health</h2>
      {health.error && <p role="alert">{health.error.message}</p>}
      {health.data && (
        <>
          <p data-testid="ready">{health.data.ready ? 'Ready: every check passes.' : 'Not ready: see the failing checks below.'}</p>
          <ul className="checks">
            {checks.map(([name, c]) => (
              <li key={name} className={c.ok ? 'ok' : 'warn'}>
                <span className="state">{c.ok ? 'OK' : 'FAILING'}</span> {label(name)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
