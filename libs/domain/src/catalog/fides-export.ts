import type { CatalogAt } from './catalog-at';
import type { FlowSnapshot } from './flow';
import type { DataElementSnapshot } from './system';
import { ART9_CONDITION_TO_FIDES, FIDES_META_KEY, LEGAL_BASIS_TO_FIDES } from './fides-common';
import { taxonomyVersions } from './taxonomy-view';

/** What the export reads of the catalog (a manifest's catalog has no date nor processor records). */
export type CatalogForFides = Pick<CatalogAt, 'systems' | 'elements' | 'activities' | 'flows'>;

const dropNull = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;

/**
 * The catalog as Fides resources (fideslang 3.x `system:` and `dataset:`): one system per catalog
 * system with a privacy declaration per activity purpose it runs, egress for flows between systems,
 * one dataset per system holding its data elements. What Fides cannot hold rides in
 * `meta.privacy_ledger` (fides-common.ts), so importFides(exportFides(c)) is the same catalog.
 */
export function exportFides(c: CatalogForFides): { system: object[]; dataset: object[] } {
  const systems = [...c.systems].sort((a, b) => a.system_id.localeCompare(b.system_id));
  const activities = [...c.activities].sort((a, b) => a.activity_id.localeCompare(b.activity_id));
  const system = systems.map((s) => {
    const runs = activities.filter((a) => a.systems.includes(s.system_id));
    const elements = [...(c.elements.get(s.system_id) ?? [])].sort((a, b) => a.element_id.localeCompare(b.element_id));
    const outgoing = c.flows.filter((f) => f.source_system === s.system_id);
    const toSystems = outgoing.filter((f) => f.target.kind === 'system');
    const first = runs[0];
    return dropNull({
      fides_key: s.system_id,
      name: s.name,
      description: s.description,
      system_type: 'Service',
      administrating_department: s.owner,
      responsibility: [s.role === 'processor' ? 'Processor' : 'Controller'],
      data_security_practices: s.security_measures.length ? s.security_measures.join('; ') : null,
      legal_name: first?.controller.name ?? null,
      legal_address: first?.controller.contact ?? null,
      dpo: first?.dpo?.contact ?? null,
      does_international_transfers: runs.some((a) => a.transfers.length > 0),
      dataset_references: elements.length ? [`${s.system_id}_elements`] : [],
      egress: toSystems.length ? toSystems.map((f) => ({ fides_key: (f.target as { system_id: string }).system_id, type: 'system', data_categories: [...f.categories] })) : null,
      privacy_declarations: runs.flatMap((a) =>
        a.purposes.map((p) =>
          dropNull({
            name: a.name,
            data_use: p.purpose,
            data_categories: p.categories.length ? [...p.categories] : [...a.data_categories],
            data_subjects: [...a.subject_categories],
            legal_basis_for_processing: LEGAL_BASIS_TO_FIDES[p.lawful_basis],
            processes_special_category_data: a.art9_condition !== null,
            special_category_legal_basis: a.art9_condition ? ART9_CONDITION_TO_FIDES[a.art9_condition] : null,
            retention_period: a.retention.find((r) => r.category === null)?.period ?? a.retention[0]?.period ?? null,
            data_shared_with_third_parties: a.recipients.length > 0,
            third_parties: a.recipients.length ? a.recipients.join('; ') : null,
            dataset_references: elements.length ? [`${s.system_id}_elements`] : null,
          }),
        ),
      ),
      meta: {
        [FIDES_META_KEY]: {
          ...taxonomyVersions(),
          system_id: s.system_id,
          owner: s.owner,
          storage: s.storage,
          role: s.role,
          recipients: s.recipients,
          security_measures: s.security_measures,
          consent_check: s.consent_check,
          activities: Object.fromEntries(
            runs.map((a) => [
                a.name,
                {
                  activity_id: a.activity_id,
                  description: a.description,
                  controller: a.controller,
                  joint_controllers: a.joint_controllers,
                  representative: a.representative,
                  dpo: a.dpo,
                  data_categories: a.data_categories,
                  basis_details: Object.fromEntries(a.purposes.filter((p) => p.basis_detail).map((p) => [p.purpose, p.basis_detail])),
                  recipients: a.recipients,
                  transfers: a.transfers,
                  retention: a.retention,
                  security_measures: a.security_measures,
                  risk: a.risk,
                },
              ]),
          ),
          flow_details: Object.fromEntries(
            toSystems.map((f) => [`${f.source_system}>${(f.target as { system_id: string }).system_id}`, dropNull({ flow_id: f.flow_id, description: f.description, destination_country: f.destination_country, destination_organisation: f.destination_organisation, mechanism: f.mechanism })]),
          ),
          flows: outgoing
            .filter((f) => f.target.kind === 'recipient')
            .map((f) => {
              const t = f.target as Extract<FlowSnapshot['target'], { kind: 'recipient' }>;
              return dropNull({
                flow_id: f.flow_id, description: f.description, source_system: f.source_system, recipient: { name: t.name, role: t.role, dpf_certified: t.dpf_certified, commercial_organisation: t.commercial_organisation },
                categories: f.categories, destination_country: f.destination_country, destination_organisation: f.destination_organisation, mechanism: f.mechanism,
              });
            }),
        },
      },
    });
  });
  const dataset = systems
    .filter((s) => (c.elements.get(s.system_id) ?? []).length)
    .map((s) => {
      const elements = [...c.elements.get(s.system_id)!].sort((a, b) => a.element_id.localeCompare(b.element_id));
      const names = new Map<string, number>();
      for (const e of elements) names.set(e.name, (names.get(e.name) ?? 0) + 1);
      const fieldName = (e: DataElementSnapshot) => ((names.get(e.name) ?? 0) > 1 ? e.element_id : e.name);
      return {
        fides_key: `${s.system_id}_elements`,
        name: `${s.name}: data elements`,
        data_categories: [],
        collections: [{ name: 'elements', fields: elements.map((e) => ({ name: fieldName(e), data_categories: e.category ? [e.category] : [] })) }],
        meta: { [FIDES_META_KEY]: { elements: Object.fromEntries(elements.map((e) => [`elements.${fieldName(e)}`, { element_id: e.element_id, name: e.name, special: e.special, source: e.source }])) } },
      };
    });
  return { system, dataset };
}
