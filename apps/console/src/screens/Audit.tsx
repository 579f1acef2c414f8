import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { audit, fingerprint, type VerifyReport } from '../api/audit';
import { useSession } from '../session';
import { inViewerZone, label } from '../time';

/** Screen 7: verify the chain now (with its progress), export by subject or time range, the signed head and the public key. */
export function Audit() {
  const { can } = useSession();
  useEffect(() => void (document.title = 'Audit · privacy-ledger'), []);
  return (
    <>
      <h1>Audit</h1>
      {can('audit:read') ? (
        <>
          <Verify />
          <Export />
        </>
      ) : (
        <p>Your scopes do not include audit:read: verification, the signed head and exports are not shown. The public key is public.</p>
      )}
      <PublicKey />
    </>
  );
}

function Verify() {
  const head = useQuery({ queryKey: ['audit', 'head'], queryFn: audit.head });
  const [progress, setProgress] = useState<{ checked: number; total: number } | null>(null);
  const run = useMutation({
    mutationFn: () => {
      setProgress(null);
      return audit.verify((line) => line.type === 'progress' && setProgress({ checked: line.checked, total: line.total }));
    },
  });
  const latest = head.data?.latest_signed;
  return (
    <section aria-labelledby="verify">
      <h2 id="verify">Chain verification</h2>
      <p className="help">
        Recomputes every event's hash from the stored bytes and every link, and compares them with the recorded links and every signed head (docs/audit.md).
      </p>
      {head.data && (
        <dl className="facts" data-testid="head">
          <dt>Chain head</dt><dd>{head.data.head ? <>seq {head.data.head.seq} <code>{head.data.head.link.slice(0, 16)}…</code></> : 'empty chain'}</dd>
          <dt>Latest signed head</dt><dd>{latest ? <>seq {latest.seq}, signed {inViewerZone(latest.signed_at)} with key <code>{latest.key_id}</code></> : 'none yet'}</dd>
        </dl>
      )}
      <button id="verify-now" type="button" onClick={() => run.mutate()} disabled={run.isPending}>{run.isPending ? 'Verifying…' : 'Verify the chain now'}</button>
      {progress && (
        <p className="progress">
          <label htmlFor="verify-progress">Events checked</label>{' '}
          <progress id="verify-progress" max={Math.max(progress.total, 1)} value={progress.checked} />{' '}
          <span data-testid="verify-progress">{progress.checked.toLocaleString('en-US')} of {progress.total.toLocaleString('en-US')}</span>
        </p>
      )}
      <div role="status" className="status">{run.isPending ? 'Verification running.' : run.data ? `Verification finished: ${run.data.ok ? 'the chain is intact' : 'the chain is broken'}.` : ''}</div>
      {run.error && <p role="alert" className="error">{run.error.message}</p>}
      {run.data && <Report r={run.data} />}
    </section>
  );
}

function Report({ r }: { r: VerifyReport }) {
  return (
    <div data-testid="verify-report" className={r.ok ? 'report ok' : 'report warn'}>
      <p><strong data-testid="verify-result">{r.ok ? 'Intact' : 'Broken'}</strong>: {r.checked.toLocaleString('en-US')} events checked ({r.method === 'page' ? 'page by page in the database' : 'event by event'}), {r.signed_heads.checked} signed heads checked{r.signed_heads.untrusted ? `, ${r.signed_heads.untrusted} of another key not trusted` : ''}; coverage rule {r.coverage_checked ? 'applied' : 'not applied'}; {r.elapsed_ms} ms.</p>
      {r.head && <p>Head: seq <span data-testid="verify-head-seq">{r.head.seq}</span> at {r.head.position}, link <code>{r.head.link}</code></p>}
      {r.first_break && (
        <p role="alert">First break: <strong>{label(r.first_break.kind)}</strong> at {r.first_break.position}{r.first_break.seq ? ` (seq ${r.first_break.seq})` : ''}: {r.first_break.detail}</p>
      )}
    </div>
  );
}

function Export() {
  const [by, setBy] = useState<'range' | 'subject'>('range');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [userId, setUserId] = useState('');
  const run = useMutation({
    mutationFn: () =>
      audit.export(by === 'subject' ? { user_id: userId.trim() } : { from: from ? new Date(from).toISOString() : undefined, to: to ? new Date(to).toISOString() : undefined }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate();
  };
  return (
    <section aria-labelledby="export">
      <h2 id="export">Export</h2>
      <p className="help">NDJSON: the events with their chain links and a freshly signed head; withheld events appear as links only. Check it without the service: <code>node scripts/verify-audit-export.js FILE --public-key KEY.pem</code>. Every export is recorded as an access (Art. 5(2)).</p>
      <form className="action" onSubmit={submit}>
        <fieldset>
          <legend>Export the log</legend>
          <span className="field">
            <label htmlFor="export-by">By</label>
            <select id="export-by" value={by} onChange={(e) => setBy(e.target.value as 'range' | 'subject')}>
              <option value="range">time range (your zone)</option>
              <option value="subject">subject</option>
            </select>
          </span>
          {by === 'range' ? (
            <>
              <label htmlFor="export-from">From (empty: the start)</label>
              <input id="export-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
              <label htmlFor="export-to">To (empty: now)</label>
              <input id="export-to" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
            </>
          ) : (
            <>
              <label htmlFor="export-user">The subject's user id (pseudonymised by the service, not kept)</label>
              <input id="export-user" autoComplete="off" required maxLength={200} value={userId} onChange={(e) => setUserId(e.target.value)} />
            </>
          )}
          <button type="submit" disabled={run.isPending || (by === 'subject' && !userId.trim())}>Download the export</button>
        </fieldset>
      </form>
      <div role="status" className="status">{run.data && `Downloaded ${run.data.name}: ${run.data.lines} lines.`}</div>
      {run.error && <p role="alert" className="error">{run.error.message}</p>}
    </section>
  );
}

function PublicKey() {
  const key = useQuery({ queryKey: ['audit', 'public-key'], queryFn: audit.publicKey, staleTime: Infinity });
  const print = useQuery({ queryKey: ['audit', 'fingerprint', key.data?.public_key_pem], queryFn: () => fingerprint(key.data!.public_key_pem), enabled: !!key.data });
  return (
    <section aria-labelledby="public-key">
      <h2 id="public-key">Public key</h2>
      {key.error && <p role="alert">{key.error.message}</p>}
      {key.data && (
        <>
          <dl className="facts">
            <dt>Algorithm</dt><dd>{key.data.algorithm}</dd>
            <dt>Key id</dt><dd><code>{key.data.key_id}</code></dd>
            <dt>SHA-256 fingerprint</dt>
            <dd><code data-testid="key-fingerprint">{print.data ?? (print.data === null ? 'not computed: the browser gives no digest outside a secure context' : '…')}</code></dd>
          </dl>
          <p className="help">The fingerprint is the SHA-256 of the key's DER bytes (the key id is its first 16 hex digits): compare it with one obtained out of band, <code>openssl pkey -pubin -in key.pem -outform DER | sha256sum</code>.</p>
          <pre data-testid="public-key-pem">{key.data.public_key_pem}</pre>
        </>
      )}
    </section>
  );
}

export default Audit;
