import { graphlib, layout } from '@dagrejs/dagre';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import { datamapApi, type CatalogMap, type MapEdge, type MapNode } from '../api/datamap';
import { useSession } from '../session';
import { label } from '../time';
import { AsOfPicker, NoCatalogScope, useAsOf } from './AsOf';
import './catalog.css';

const NODE_W = 200;
const NODE_H = 48;
const KIND_NAME: Record<MapNode['kind'], string> = { system: 'System', activity: 'Activity', recipient: 'Recipient' };
const EDGE_NAME: Record<MapEdge['kind'], string> = { flow: 'data flow', runs_on: 'runs on', declared_transfer: 'declared transfer' };

/** Screen 4: the catalog as a graph (laid out by dagre), as of any past date; each node opens its record. */
export default function DataMap() {
  const { can } = useSession();
  const { asOf, params, setParam } = useAsOf('/datamap');
  const selected = params.get('node');
  useEffect(() => void (document.title = 'Data map · privacy-ledger'), []);
  const map = useQuery({ queryKey: ['catalog', 'map', asOf ?? 'now'], queryFn: () => datamapApi.map(asOf), placeholderData: keepPreviousData, enabled: can('catalog:read') });
  if (!can('catalog:read')) return <NoCatalogScope title="Data map" />;
  const m = map.data;
  const node = m && selected ? m.nodes.find((n) => n.id === selected) : undefined;
  /** The URL of a node's record, keeping the map's date. */
  const hrefOf = (id: string) => {
    const q = new URLSearchParams(params);
    q.set('node', id);
    return `/console/datamap?${q}`;
  };
  return (
    <>
      <h1>Data map</h1>
      <form className="filters" aria-label="Date of the map" onSubmit={(e) => e.preventDefault()}>
        <AsOfPicker id="map-as-of" asOf={asOf} onChange={(iso) => setParam('as_of', iso)} />
      </form>
      {map.error && <p role="alert">{map.error.message}</p>}
      {m && (
        <div data-testid="map" data-as-of={asOf ? m.as_of : 'now'}>
          <Summary m={m} />
          {m.nodes.length === 0 ? (
            <p>The catalog had nothing registered at this date.</p>
          ) : (
            <>
              <Graph m={m} selected={selected} hrefOf={hrefOf} onOpen={(id) => setParam('node', id)} />
              <Legend />
            </>
          )}
          {selected && !node && <p role="status">{selected.replace(/^[a-z]+:/, '')} is not in the catalog at this date.</p>}
          {node && <Record m={m} node={node} onClose={() => setParam('node', undefined)} />}
          {m.nodes.length > 0 && <Tables m={m} onOpen={(id) => setParam('node', id)} />}
        </div>
      )}
    </>
  );
}

function Summary({ m }: { m: CatalogMap }) {
  const c = m.counts;
  return (
    <p className="summary" data-testid="map-counts">
      {c.systems} systems, {c.activities} processing activities, {c.recipients} external recipients, {c.flows} data flows.{' '}
      <strong className={c.transfers_without_basis ? 'bad' : undefined}>
        {c.transfers_outside_eea} transfers leave the EEA; {c.transfers_without_basis} without a valid basis (GDPR Art. 44-49).
      </strong>
    </p>
  );
}

interface Placed {
  readonly nodes: Array<{ n: MapNode; x: number; y: number }>;
  readonly edges: Array<{ e: MapEdge; points: Array<{ x: number; y: number }>; labelAt: { x: number; y: number } | null }>;
  readonly width: number;
  readonly height: number;
}

/** Layered layout, left to right: activities, the systems they run on, then the systems and recipients data flows to. */
function place(m: CatalogMap): Placed {
  const g = new graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 90, edgesep: 14, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of m.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const e of m.edges) g.setEdge(e.source, e.target, e.leaves_eea ? { width: 150, height: 18, labelpos: 'c' } : {}, e.id);
  layout(g);
  const graph = g.graph();
  return {
    nodes: m.nodes.map((n) => ({ n, x: g.node(n.id).x ?? 0, y: g.node(n.id).y ?? 0 })),
    edges: m.edges.map((e) => {
      const l = g.edge({ v: e.source, w: e.target, name: e.id });
      return { e, points: l.points ?? [], labelAt: e.leaves_eea && l.x !== undefined && l.y !== undefined ? { x: l.x, y: l.y } : null };
    }),
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
  };
}

const path = (pts: Array<{ x: number; y: number }>) => pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
/** A text longer than fits the node box is drawn narrower (all of it stays, for reading and for assistive technology). */
const squeeze = (s: string, fits: number) => (s.length > fits ? { textLength: NODE_W - 14, lengthAdjust: 'spacingAndGlyphs' as const } : {});
const short = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** How a transfer's mechanism reads in a label: SCC C2P, adequacy, Art. 49 (consent), none. */
export function mechanismText(e: MapEdge): string {
  const m = e.mechanism;
  if (!m || m.type === 'none') return e.safeguard ? `"${e.safeguard}" (free text)` : 'no mechanism';
  if (m.type === 'scc') return `SCC${m.scc_module ? ` ${m.scc_module}` : ''}`;
  if (m.type === 'derogation') return `Art. 49${m.derogation ? ` ${label(m.derogation)}` : ''}`;
  return label(m.type);
}

const verdict = (e: MapEdge) => (!e.assessment ? '' : e.assessment.allowed ? `allowed (${e.assessment.basis})` : 'no valid basis');

function nodeDetail(n: MapNode): string {
  if (!n.in_catalog) return 'not in the catalog at this date';
  if (n.system) return `${n.system.role} · stored in ${n.system.storage.map((s) => s.country).join(', ')}${n.system.storage_outside_eea.length ? ' (outside the EEA)' : ''}`;
  if (n.activity) return `DPIA: ${label(n.activity.dpia.outcome)}`;
  if (n.recipient) return `${n.recipient.roles.join(', ')} · ${n.recipient.destinations.join(', ') || 'no country'}`;
  return '';
}

function Graph({ m, selected, hrefOf, onOpen }: { m: CatalogMap; selected: string | null; hrefOf: (id: string) => string; onOpen: (id: string) => void }) {
  const placed = useMemo(() => place(m), [m]);
  return (
    <div className="graph-scroll">
      <svg role="group" aria-label={`Data map as a graph: ${m.nodes.length} nodes; the tables below list the same nodes and edges`} width={placed.width} height={placed.height} viewBox={`0 0 ${placed.width} ${placed.height}`} className="graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrow" />
          </marker>
        </defs>
        <g aria-hidden="true">
          {placed.edges.map(({ e, points }) => (
            <path key={e.id} d={path(points)} className={`edge ${e.kind}${e.leaves_eea ? ' outside-eea' : ''}${e.assessment && !e.assessment.allowed ? ' no-basis' : ''}`} markerEnd="url(#arrow)" />
          ))}
          {placed.edges.map(({ e, labelAt }) =>
            labelAt ? (
              <text key={`${e.id}-label`} x={labelAt.x} y={labelAt.y + 4} textAnchor="middle" className={`edge-label${e.assessment && !e.assessment.allowed ? ' no-basis' : ''}`}>
                {short(`${e.destination} · ${mechanismText(e)} ${e.assessment?.allowed ? '✓' : '✗'}`, 26)}
              </text>
            ) : null,
          )}
        </g>
        {placed.nodes.map(({ n, x, y }) => {
          const title = `${KIND_NAME[n.kind]}: ${n.name}`;
          const detail = `${label(nodeDetail(n))}`;
          return (
            <g key={n.id}>
              {/* the link's name is its visible title; the detail line beside it is in the tables below */}
              <a href={hrefOf(n.id)} aria-current={selected === n.id ? 'true' : undefined} className={`node ${n.kind}${n.in_catalog ? '' : ' missing'}`} data-node={n.id} onClick={(ev) => {
                ev.preventDefault();
                onOpen(n.id);
              }}>
                <rect x={x - NODE_W / 2} y={y - NODE_H / 2} width={NODE_W} height={NODE_H} rx={n.kind === 'activity' ? 18 : 4} />
                <text x={x} y={y - 4} textAnchor="middle" className="node-name" {...squeeze(title, 27)}>{title}</text>
              </a>
              <text x={x} y={y + 14} textAnchor="middle" className="node-detail" aria-hidden="true" {...squeeze(detail, 34)}>{detail}</text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li><span className="swatch activity" /> processing activity (Art. 30(1) record)</li>
      <li><span className="swatch system" /> system</li>
      <li><span className="swatch recipient" /> external recipient</li>
      <li><span className="line outside-eea" /> transfer leaving the EEA, with a valid basis (✓)</li>
      <li><span className="line no-basis" /> transfer leaving the EEA without a valid basis (✗)</li>
    </ul>
  );
}

/** The node's catalog record as it stood at the map's date. */
function Record({ m, node, onClose }: { m: CatalogMap; node: MapNode; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [node.id]);
  const name = (id: string) => m.nodes.find((n) => n.id === id)?.name ?? id;
  const edges = m.edges.filter((e) => e.source === node.id || e.target === node.id);
  return (
    <section className="record" aria-labelledby="record-heading" data-testid="record">
      <h2 id="record-heading" tabIndex={-1} ref={heading}>
        {KIND_NAME[node.kind]}: {node.name}
      </h2>
      <p className="help">
        Catalog record as it stood at the map's date{node.record ? <> (current record: <code>GET {node.record}</code>)</> : null}.
      </p>
      {node.system && <SystemFacts s={node.system} />}
      {node.activity && <ActivityFacts a={node.activity} />}
      {node.recipient && (
        <dl className="facts">
          <dt>Roles</dt><dd>{node.recipient.roles.join(', ')}</dd>
          <dt>Destinations</dt><dd>{node.recipient.destinations.join(', ') || '—'}</dd>
        </dl>
      )}
      {!node.in_catalog && <p>This system is named by a flow or an activity but was not in the catalog at this date (retired, or not registered yet).</p>}
      {edges.length > 0 && (
        <>
          <h3>Connections</h3>
          <ul>
            {edges.map((e) => (
              <li key={e.id}>
                {label(EDGE_NAME[e.kind])}: {name(e.source)} → {name(e.target)}
                {e.destination && ` (${e.destination}${e.leaves_eea ? `, leaves the EEA: ${mechanismText(e)}, ${verdict(e)}` : ''})`}
              </li>
            ))}
          </ul>
        </>
      )}
      <button type="button" onClick={onClose}>Close the record</button>
    </section>
  );
}

function SystemFacts({ s }: { s: NonNullable<MapNode['system']> }) {
  return (
    <>
      <dl className="facts">
        <dt>System id</dt><dd><code>{s.system_id}</code></dd>
        <dt>Owner</dt><dd>{s.owner}</dd>
        <dt>Role</dt><dd>{s.role}</dd>
        <dt>Stored in</dt><dd>{s.storage.map((x) => `${x.country}${x.region ? ` (${x.region})` : ''}`).join(', ')}{s.storage_outside_eea.length > 0 && <strong> · outside the EEA: {s.storage_outside_eea.join(', ')}</strong>}</dd>
        {s.description && <><dt>Description</dt><dd>{s.description}</dd></>}
        <dt>Recipients</dt><dd>{s.recipients.join(', ') || '—'}</dd>
        <dt>Security measures</dt><dd>{s.security_measures.join(', ') || '—'}</dd>
        <dt>Checks consent</dt><dd>{s.consent_check ? 'yes' : 'no'}</dd>
      </dl>
      <h3>Data elements</h3>
      {s.elements.length === 0 ? (
        <p>None recorded.</p>
      ) : (
        <table>
          <thead><tr><th scope="col">Element</th><th scope="col">Name</th><th scope="col">Category</th></tr></thead>
          <tbody>
            {s.elements.map((e) => (
              <tr key={e.element_id}><td><code>{e.element_id}</code></td><td>{e.name}</td><td>{e.category ?? 'unclassified'}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ActivityFacts({ a }: { a: NonNullable<MapNode['activity']> }) {
  return (
    <dl className="facts">
      <dt>Activity id</dt><dd><code>{a.activity_id}</code></dd>
      <dt>Controller</dt><dd>{a.controller.name}</dd>
      <dt>Purposes</dt><dd>{a.purposes.map((p) => `${p.purpose} (${label(p.lawful_basis)})`).join('; ')}</dd>
      <dt>Data subjects</dt><dd>{a.subject_categories.join(', ')}</dd>
      <dt>Data categories</dt><dd>{a.data_categories.join(', ')}</dd>
      <dt>Systems</dt><dd>{a.systems.join(', ')}</dd>
      <dt>Retention</dt><dd>{a.retention.map((r) => `${r.category ?? 'all'}: ${r.period}`).join('; ') || '—'}</dd>
      <dt>DPIA screening</dt>
      <dd>
        <strong>{label(a.dpia.outcome)}</strong> — {a.dpia.outcome_rule.rule} ({a.dpia.outcome_rule.source}){a.dpia.prior_consultation_required && <strong> · prior consultation required (Art. 36)</strong>}
      </dd>
    </dl>
  );
}

function Tables({ m, onOpen }: { m: CatalogMap; onOpen: (id: string) => void }) {
  const name = (id: string) => m.nodes.find((n) => n.id === id)?.name ?? id;
  return (
    <>
      <h2>Nodes</h2>
      <table data-testid="map-nodes">
        <caption>Every node of the graph above, as a table.</caption>
        <thead>
          <tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Details</th><th scope="col">Record</th></tr>
        </thead>
        <tbody>
          {m.nodes.map((n) => (
            <tr key={n.id} className={n.in_catalog ? undefined : 'warn'}>
              <td>{KIND_NAME[n.kind]}</td>
              <td>{n.name}</td>
              <td><code>{n.ref}</code></td>
              <td>{nodeDetail(n)}</td>
              <td><button type="button" onClick={() => onOpen(n.id)} aria-label={`Open the record of ${n.name}`}>Open</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Edges</h2>
      <table data-testid="map-edges">
        <caption>Data flows, the systems each activity runs on, and the transfers activities declare; each transfer leaving the EEA with its mechanism and assessment.</caption>
        <thead>
          <tr><th scope="col">Kind</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Categories</th><th scope="col">Destination</th><th scope="col">Leaves the EEA</th><th scope="col">Mechanism</th><th scope="col">Assessment</th></tr>
        </thead>
        <tbody>
          {m.edges.map((e) => (
            <tr key={e.id} className={e.assessment && !e.assessment.allowed ? 'warn' : undefined} data-edge={e.id}>
              <td>{label(EDGE_NAME[e.kind])}</td>
              <td>{name(e.source)}</td>
              <td>{name(e.target)}</td>
              <td>{e.categories.join(', ')}</td>
              <td>{e.destination ?? '—'}</td>
              <td>{e.kind === 'runs_on' ? '—' : e.leaves_eea ? 'yes' : 'no'}</td>
              <td>{e.kind === 'runs_on' ? '—' : mechanismText(e)}</td>
              <td>
                {e.assessment ? (
                  e.assessment.allowed ? (
                    <>{e.assessment.basis} {e.assessment.source && <span className="legal">({e.assessment.source})</span>}</>
                  ) : (
                    <strong>no valid basis: {e.assessment.missing.join('; ') || e.assessment.reasons.join('; ')}</strong>
                  )
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
