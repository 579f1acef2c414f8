import { conflict, notFound } from '../shared';
import type { CatalogAt } from './catalog-at';
import type { FlowSnapshot } from './flow';
import { categoryCovers } from './taxonomy';

export interface LineageFlow {
  readonly flow_id: string;
  readonly source_system: string;
  readonly target: FlowSnapshot['target'];
  readonly categories: readonly string[];
  readonly destination_country: string | null;
  /** Flows between the element's system and this one (1: a direct neighbour). */
  readonly hops: number;
}

/** Two categories overlap when one covers the other: a flow of `user.contact` carries an element of `user.contact.email`, and the reverse. */
const overlaps = (a: string, b: string) => categoryCovers(a, b) || categoryCovers(b, a);

/**
 * Lineage of a data element (the earlier governance module's `track_data_lineage`): the systems its
 * data comes from (upstream) and goes to (downstream, systems and external recipients), following
 * every flow whose categories overlap the element's category from system to system, with the number
 * of hops; and the processing activities that run on the element's system for that category. An
 * unclassified element follows nothing: its category is unknown. `systemId` picks one element when
 * several systems have an element of that id.
 */
export function lineageOf(c: CatalogAt, elementId: string, systemId?: string | null) {
  const found = [...c.elements].flatMap(([system_id, els]) => els.filter((e) => e.element_id === elementId).map((element) => ({ system_id, element })));
  const matches = systemId ? found.filter((f) => f.system_id === systemId) : found;
  if (!matches.length) throw notFound(`no data element with this id${systemId ? ' in that system' : ''} in the catalog as of ${c.at.toISOString()}`);
  if (matches.length > 1) throw conflict('several systems have a data element with this id: name one with system_id', { systems: matches.map((m) => m.system_id).sort() });
  const { system_id, element } = matches[0];
  const category = element.category;
  const carries = (f: FlowSnapshot) => category !== null && f.categories.some((k) => overlaps(k, category));
  const follow = (direction: 'up' | 'down') => {
    const flows: LineageFlow[] = [];
    const reached = new Map<string, number>([[system_id, 0]]);
    let frontier = [system_id];
    for (let hops = 1; frontier.length; hops++) {
      const next: string[] = [];
      for (const f of c.flows.filter(carries)) {
        const target = f.target.kind === 'system' ? f.target.system_id : null;
        const [from, to] = direction === 'down' ? [f.source_system, target] : [target, f.source_system];
        if (!from || !frontier.includes(from) || flows.some((x) => x.flow_id === f.flow_id)) continue;
        flows.push({ flow_id: f.flow_id, source_system: f.source_system, target: f.target, categories: f.categories, destination_country: f.destination_country, hops });
        if (to && !reached.has(to)) {
          reached.set(to, hops);
          next.push(to);
        }
      }
      frontier = next;
    }
    reached.delete(system_id);
    const name = (id: string) => c.systems.find((s) => s.system_id === id)?.name ?? null;
    return { systems: [...reached].map(([id, hops]) => ({ system_id: id, name: name(id), hops })).sort((a, b) => a.hops - b.hops || a.system_id.localeCompare(b.system_id)), flows };
  };
  const up = follow('up');
  const down = follow('down');
  const recipients = down.flows.flatMap((f) => (f.target.kind === 'recipient' ? [{ name: f.target.name, role: f.target.role, flow_id: f.flow_id, destination_country: f.destination_country, hops: f.hops }] : []));
  const activities = c.activities
    .filter((a) => a.systems.includes(system_id) && category !== null && a.data_categories.some((k) => overlaps(k, category)))
    .map((a) => ({ activity_id: a.activity_id, name: a.name, purposes: a.purposes.map((p) => ({ purpose: p.purpose, lawful_basis: p.lawful_basis })), systems: a.systems }));
  return {
    as_of: c.at.toISOString(),
    element: { system_id, element_id: element.element_id, name: element.name, category },
    upstream: up,
    downstream: { systems: down.systems, recipients, flows: down.flows },
    activities,
  };
}

export type Lineage = ReturnType<typeof lineageOf>;
