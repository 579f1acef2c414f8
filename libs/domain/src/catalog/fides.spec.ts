import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { exportFides, type CatalogForFides } from './fides-export';
import { importFides, retentionPeriodOf, type FidesFile } from './fides-import';
import { evaluateManifest, type Manifest } from './manifest';
import { normalizeElement } from './system';

/** Fides resource files written in Fides' format for these tests (organization, systems, datasets). */
const dir = join(__dirname, '../../../../test/fixtures/fides/clinic');
const files: FidesFile[] = readdirSync(dir)
  .sort()
  .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
const at = new Date('2026-12-01T00:00:00Z');
const opts = { storageCountry: 'DE', owner: 'records team' };

function catalogOf(m: Manifest): CatalogForFides {
  const { normalized: n } = evaluateManifest(m, at);
  return {
    systems: n.systems.map((s) => s.system),
    elements: new Map(n.systems.map((s) => [s.system.system_id, s.elements.map((e) => normalizeElement(e).element)])),
    activities: n.activities.map((a) => a.activity),
    flows: n.flows.map((f) => f.flow),
  };
}

describe('import of Fides manifests (cli import-fides)', () => {
  const { manifest, notes } = importFides(files, opts);

  it('maps systems, dataset fields, privacy declarations and egress/ingress to the service manifest', () => {
    expect(manifest.systems!.map((s) => [s.system_id, s.owner, s.role, s.storage])).toEqual([
      ['patient_portal', 'Patient services', 'controller', [{ country: 'DE' }]],
      ['records-system', 'records team', 'controller', [{ country: 'DE' }]],
    ]);
    expect(manifest.systems![1].elements!.map((e) => [e.element_id, e.name, e.category])).toEqual([
      ['records-diagnosis', 'diagnosis', 'user.health_and_medical'],
      ['records-patient-first_name', 'patient.first_name', 'user.name.first'],
      ['records-patient-birth_date', 'patient.birth_date', 'user.demographic.date_of_birth'],
      ['records-lab_ref-1', 'lab_ref', 'user.health_and_medical.record_id'],
      ['records-lab_ref-2', 'lab_ref', 'user.unique_id'],
    ]);
    const records = manifest.activities!.find((a) => a.activity_id === 'medical-records')!;
    expect(records).toMatchObject({
      controller: { name: 'Example Clinic GmbH', contact: 'privacy@clinic.example, Klinikweg 1, 10115 Berlin, +49 30 0000000' },
      dpo: { name: 'Data Protection Officer', contact: 'dpo@clinic.example' },
      purposes: [
        { purpose: 'essential.service', lawful_basis: 'contract' },
        { purpose: 'essential.legal_obligation', lawful_basis: 'legal_obligation', categories: ['user.health_and_medical'] },
      ],
      subject_categories: ['patient'],
      art9_condition: 'health_or_social_care',
      retention: [{ period: 'P10Y' }],
      recipients: ['laboratories'],
      systems: ['records-system'],
    });
    expect(manifest.flows).toEqual([
      { flow_id: 'patient_portal-to-records-system', source_system: 'patient_portal', target_system: 'records-system', categories: ['user.contact.email', 'user.name'], destination_country: 'DE' },
    ]);
  });

  it('reports every lossy or missing fact with its file and line, never filling one in silently', () => {
    const at = (file: string, line: number, severity: string, text: RegExp) => expect(notes).toContainEqual(expect.objectContaining({ file, line, severity, message: expect.stringMatching(text) }));
    at('systems.yml', 2, 'info', /patient_portal: storage country DE from --storage-country/);
    at('systems.yml', 53, 'lossy', /records\.system: fides_key is not a catalog id; imported as records-system/);
    at('systems.yml', 53, 'info', /owner "records team" from --owner/);
    at('systems.yml', 51, 'lossy', /retention_period "until consent is withdrawn" is not a plain duration/);
    at('systems.yml', 2, 'missing', /relies on consent, but Fides does not say whether it checks consent/);
    at('systems.yml', 61, 'lossy', /transfers data abroad \(SCCs\) but Fides names no country or recipient/);
    at('systems.yml', 94, 'missing', /train_ai_system has no legal_basis_for_processing/);
    at('systems.yml', 94, 'missing', /special-category data but names no special_category_legal_basis/);
    at('datasets.yml', 38, 'lossy', /records\.lab_ref has 2 data categories/);
    at('datasets.yml', 41, 'lossy', /archive_db is referenced by no system/);
    at('datasets.yml', 51, 'lossy', /1 data_category resource\(s\) not imported/);
    at('systems.yml', 18, 'info', /egress user user is not a flow between systems/);
  });

  it('evaluate accepts the imported manifest with the expected findings', () => {
    const { findings } = evaluateManifest(manifest, at);
    expect(findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.path.join('.')])).toEqual([
      ['purpose_without_lawful_basis', 'activities.4.purposes.0'],
      ['no_retention_limit', 'activities.2'],
      ['consent_without_consent_check', 'activities.2'],
    ]);
    expect(findings).toContainEqual(expect.objectContaining({ code: 'dpia_likely_required', path: ['activities', 3] }));
  });

  it('without the operator defaults, storage and owner are reported missing and evaluate refuses those systems', () => {
    const bare = importFides(files);
    expect(bare.notes.filter((n) => n.severity === 'missing').map((n) => n.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/records-system: no owner/), expect.stringMatching(/patient_portal: no storage country/)]),
    );
    expect(evaluateManifest(bare.manifest, at).findings.filter((f) => f.path[0] === 'systems' && f.severity === 'error')).toHaveLength(2);
  });

  it.each([
    ['P3Y', 'P3Y'],
    ['3 years', 'P3Y'],
    ['30 days', 'P30D'],
    ['2 weeks', 'P14D'],
    ['1 month', 'P1M'],
    ['until consent is withdrawn', null],
    ['', null],
  ])('retention_period %j reads as %s', (text, period) => expect(retentionPeriodOf(text)).toBe(period));
});

describe('export of the catalog as Fides manifests (cli export-fides)', () => {
  it('export then import gives the same catalog', () => {
    const first = catalogOf(importFides(files, opts).manifest);
    const exported = exportFides(first);
    const again = importFides([
      { name: 'system.yml', text: stringify({ system: exported.system }) },
      { name: 'dataset.yml', text: stringify({ dataset: exported.dataset }) },
    ]);
    expect(again.notes.filter((n) => n.severity !== 'info')).toEqual([]);
    const second = catalogOf(again.manifest);
    expect(second.systems).toEqual(first.systems);
    const byId = (c: CatalogForFides) => [...c.elements].map(([sid, els]) => [sid, [...els].sort((a, b) => a.element_id.localeCompare(b.element_id))]);
    expect(byId(second)).toEqual(byId(first));
    expect([...second.activities].sort((a, b) => a.activity_id.localeCompare(b.activity_id))).toEqual([...first.activities].sort((a, b) => a.activity_id.localeCompare(b.activity_id)));
    expect(second.flows).toEqual(first.flows);
  });

  it('writes fideslang keys, Fides legal-basis values and the taxonomy versions', () => {
    const { system, dataset } = exportFides(catalogOf(importFides(files, opts).manifest));
    const records = system.find((s) => (s as { fides_key: string }).fides_key === 'records-system') as Record<string, any>;
    expect(records.privacy_declarations[0]).toMatchObject({
      name: 'Medical records',
      data_use: 'essential.service',
      legal_basis_for_processing: 'Contract',
      processes_special_category_data: true,
      special_category_legal_basis: 'Health or social care (with a basis in law)',
      retention_period: 'P10Y',
    });
    expect(records.meta.privacy_ledger).toMatchObject({ taxonomy_version: '2026-12-02.2', fideslang_version: '3.1.2' });
    expect(dataset.map((d) => (d as { fides_key: string }).fides_key)).toEqual(['patient_portal_elements', 'records-system_elements']);
  });
});
