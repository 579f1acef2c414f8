import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { datamapApi, type ControllerRecord, type ProcessorRecordRow, type RopaView } from '../api/datamap';
import { useSession } from '../session';
import { label } from '../time';
import { AsOfPicker, NoCatalogScope, useAsOf } from './AsOf';
import './catalog.css';

type Transfer = { country: string; recipient: string; safeguard: string | null; assessment: { allowed: boolean; basis: string | null; missing: string[] } | null };

/** Screen 5: the Art. 30 records as tables, controller and processor views, as of a date, with CSV and JSON downloads. */
export default function Ropa() {
  const { can } = useSession();
  const { asOf, params, setParam } = useAsOf('/ropa');
  const view: RopaView = params.get('view') === 'processor' ? 'processor' : 'controller';
  useEffect(() => void (document.title = 'Records of processing · privacy-ledger'), []);
  const records = useQuery({
    queryKey: ['catalog', 'ropa', view, asOf ?? 'now'],
    queryFn: () => datamapApi.ropa(view, asOf),
    placeholderData: keepPreviousData,
    enabled: can('catalog:read'),
  });
  if (!can('catalog:read')) return <NoCatalogScope title="Records of processing" />;
  const day = (asOf ?? new Date().toISOString()).slice(0, 10);
  const data = records.data?.view === view ? records.data : undefined;
  return (
    <>
      <h1>Records of processing</h1>
      <form className="filters" aria-label="Which records" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="views">
          <legend>View</legend>
          {(['controller', 'processor'] as const).map((v) => (
            <label key={v} className="check">
              <input type="radio" name="ropa-view" value={v} checked={view === v} onChange={() => setParam('view', v === 'controller' ? undefined : v)} />
              {v === 'controller' ? 'As controller (Art. 30(1))' : 'As processor (Art. 30(2))'}
            </label>
          ))}
        </fieldset>
        <AsOfPicker id="ropa-as-of" asOf={asOf} onChange={(iso) => setParam('as_of', iso)} />
      </form>
      <p className="downloads">
        <a href={datamapApi.downloadUrl(view, 'csv', asOf)} download>Download CSV</a>
        <a href={datamapApi.downloadUrl(view, 'json', asOf)} download={`ropa-${view}-${day}.json`}>Download JSON</a>
      </p>
      {records.error && <p role="alert">{records.error.message}</p>}
      {data && (
        <div data-testid="ropa" data-view={view} data-as-of={asOf ? data.as_of : 'now'}>
          <p className="help">
            {data.records.length} records, {data.source}; third-country transfers assessed at the date (GDPR Art. 44-49).
          </p>
          {data.records.length === 0 ? (
            <p>No record at this date.</p>
          ) : view === 'controller' ? (
            <ControllerTable records={data.records as ControllerRecord[]} />
          ) : (
            <ProcessorTable records={data.records as ProcessorRecordRow[]} />
          )}
        </div>
      )}
    </>
  );
}

function Transfers({ list }: { list: readonly Transfer[] }) {
  if (!list.length) return <>—</>;
  return (
    <ul className="cell-list">
      {list.map((t, i) => (
        <li key={i}>
          {t.country} {t.recipient}
          {t.safeguard && t.safeguard !== t.assessment?.basis && ` [${t.safeguard}]`}
          {t.assessment && (t.assessment.allowed ? <span className="legal"> · {t.assessment.basis}</span> : <strong className="bad"> · no valid transfer basis</strong>)}
        </li>
      ))}
    </ul>
  );
}

const party = (p: { name: string; contact: string } | null) => (p ? `${p.name} <${p.contact}>` : '—');

function ControllerTable({ records }: { records: ControllerRecord[] }) {
  return (
    <div className="wide" tabIndex={0} role="region" aria-label="Controller records (scrolls sideways)">
      <table data-testid="ropa-controller">
        <caption>Art. 30(1): one row per processing activity; DPIA screening level per activity (Art. 35).</caption>
        <thead>
          <tr>
            <th scope="col">Activity</th>
            <th scope="col">Controller, DPO</th>
            <th scope="col">Purposes and lawful bases</th>
            <th scope="col">Data subjects</th>
            <th scope="col">Data categories</th>
            <th scope="col">Recipients</th>
            <th scope="col">Third-country transfers</th>
            <th scope="col">Retention</th>
            <th scope="col">Systems</th>
            <th scope="col">DPIA screening</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.activity_id} data-activity={r.activity_id} className={r.transfers.some((t) => t.assessment && !t.assessment.allowed) ? 'warn' : undefined}>
              <th scope="row">{r.name} <code>{r.activity_id}</code></th>
              <td>{party(r.controller)}{r.dpo && <><br />DPO: {party(r.dpo)}</>}</td>
              <td><ul className="cell-list">{r.purposes.map((p) => <li key={p.purpose}>{p.purpose}: {label(p.lawful_basis)} <span className="legal">({p.source})</span></li>)}</ul></td>
              <td>{r.subject_categories.join(', ')}</td>
              <td>{r.data_categories.join(', ')}{r.special_categories.length > 0 && <strong> · special: {r.special_categories.join(', ')}</strong>}</td>
              <td>{r.recipients.join(', ') || '—'}</td>
              <td><Transfers list={r.transfers} /></td>
              <td>{r.retention.map((x) => `${x.category ?? 'all'}: ${x.period}`).join('; ') || '—'}</td>
              <td>{r.systems.map((s) => `${s.system_id} (${s.storage.map((x) => x.country).join('/')})`).join(', ')}</td>
              <td data-testid="dpia">
                <strong className={`dpia ${r.dpia.outcome}`}>{label(r.dpia.outcome)}</strong>
                {r.dpia.prior_consultation_required && <> · prior consultation (Art. 36)</>}
                <br />
                <span className="legal">
                  {r.dpia.art35_3.length > 0 && <>Art. 35(3)({r.dpia.art35_3.map((c) => c.case).join(', ')}); </>}
                  {r.dpia.criteria_met.length} of 9 WP248 criteria
                  {r.dpia.national_list.length > 0 && <>; national list: {r.dpia.national_list.map((n) => n.member_state).join(', ')}</>}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ProcessorTable({ records }: { records: ProcessorRecordRow[] }) {
  return (
    <div className="wide" tabIndex={0} role="region" aria-label="Processor records (scrolls sideways)">
      <table data-testid="ropa-processor">
        <caption>Art. 30(2): one row per processing carried out on behalf of controllers.</caption>
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">Processor, DPO</th>
            <th scope="col">Controllers</th>
            <th scope="col">Categories of processing</th>
            <th scope="col">Third-country transfers</th>
            <th scope="col">Security measures</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.record_id} data-record={r.record_id}>
              <th scope="row"><code>{r.record_id}</code></th>
              <td>{party(r.processor)}{r.dpo && <><br />DPO: {party(r.dpo)}</>}</td>
              <td>{r.controllers.map(party).join('; ')}</td>
              <td>{r.processing_categories.join(', ')}</td>
              <td><Transfers list={r.transfers.map((t) => ({ country: t.country, recipient: t.recipient, safeguard: t.safeguard, assessment: t.assessment }))} /></td>
              <td>{r.security_measures.join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
