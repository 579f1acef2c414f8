import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../shared';
import { evaluateManifestYaml, parseManifestYaml } from './manifest-yaml';

const dir = join(__dirname, '../../../../examples/manifests');
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
const at = new Date('2026-11-26T00:00:00Z');

describe('privacy manifest evaluation', () => {
  it('the online-shop example has no error findings', () => {
    const { findings, manifest } = evaluateManifestYaml(read('online-shop.yaml'), at);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(manifest.systems).toHaveLength(5);
    expect(manifest.activities!.map((a) => a.activity_id)).toEqual(['customer-accounts', 'order-payments', 'web-analytics', 'newsletter-marketing']);
    // large-scale analytics: one WP248 criterion (consider a DPIA, WP248 rev.01)
    expect(findings).toContainEqual(expect.objectContaining({ code: 'dpia_consider', path: ['activities', 2] }));
  });

  it('reports each error of the non-compliant manifest with its line', () => {
    const { findings } = evaluateManifestYaml(read('bad/non-compliant.yaml'), at);
    const errors = findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.line]);
    expect(errors).toEqual([
      ['purpose_without_lawful_basis', 14],
      ['unknown_taxonomy_key', 51],
      ['special_category_without_art9_condition', 19],
      ['no_retention_limit', 28],
      ['consent_without_consent_check', 36],
      ['transfer_without_safeguard', 55],
    ]);
    expect(findings.find((f) => f.code === 'transfer_without_safeguard')!.message).toMatch(/IN.*no adequacy/);
  });

  it('a malformed manifest is rejected with the line', () => {
    let err: unknown;
    try {
      parseManifestYaml(read('bad/malformed.yaml'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).message).toMatch(/line \d+/);
    expect((err as DomainError).details).toEqual({ line: expect.any(Number) });
  });

  it('unknown top-level keys and non-list sections are errors', () => {
    const { findings } = evaluateManifestYaml('systemz: []\nactivities: {}\n', at);
    expect(findings.map((f) => [f.code, f.line])).toEqual([
      ['invalid_entry', 1],
      ['invalid_entry', 2],
    ]);
  });

  it('a flow to an unknown country is an error', () => {
    const src = read('online-shop.yaml').replace('destination_country: GB', 'destination_country: UK');
    const { findings } = evaluateManifestYaml(src, at);
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['unknown_country']);
  });

  it('transfers declared in activities and processor records are assessed like flows: free text never makes them lawful', () => {
    const src = read('online-shop.yaml')
      .replace('safeguard: adequacy decision', 'safeguard: adequacy decision }\n      - { country: US, recipient: Analytics Co, safeguard: Privacy Shield')
      .replace('mechanism: { type: scc, scc_module: C2P, tia_completed: true }', 'mechanism: { type: none }');
    const { findings } = evaluateManifestYaml(src, at);
    const errors = findings.filter((f) => f.code === 'transfer_without_safeguard');
    expect(errors.map((f) => f.path)).toEqual([
      ['activities', 1],
      ['activities', 3],
    ]);
    expect(errors[0].message).toMatch(/C-311\/18/);
    expect(errors[1].message).toMatch(/not declared certified.*missing an Art. 46 safeguard/);
  });

  it("a processor record's transfer (Art. 30(2)(c)) is assessed with the processor as exporter", () => {
    const src = `${read('online-shop.yaml')}\nprocessor_records:\n  - record_id: hosting\n    processor: { name: Shop GmbH, contact: privacy@shop.example }\n    controllers: [{ name: Client AG, contact: dpo@client.example }]\n    processing_categories: [essential.service]\n    transfers:\n      - { country: IN, recipient: Sub Ltd, safeguard: trust us }\n`;
    const { findings } = evaluateManifestYaml(src, at);
    expect(findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.path])).toEqual([['transfer_without_safeguard', ['processor_records', 0]]]);
  });
});

describe('privacy manifest text PostgreSQL cannot store', () => {
  const withDescription = (escaped: string) => read('online-shop.yaml').replace(/^(\s*)name: (.+)$/m, (_, indent: string, name: string) => `${indent}name: "${name.replace(/"/g, '')}${escaped}secret"`);

  it.each([
    ['a NUL (YAML "\\0")', '\\0', /NUL/],
    ['a lone surrogate (JSON-style "\\ud800")', '\\ud800', /lone UTF-16 surrogate/],
  ])('refuses %s, naming the field and its line, never the value', (_, escaped, reason) => {
    const source = withDescription(escaped);
    let error: unknown;
    try {
      parseManifestYaml(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    expect(e.code).toBe('invalid');
    expect(e.message).toMatch(reason);
    expect(e.message).toMatch(/^manifest [a-z_]+\.0\.name /);
    expect(e.details).toMatchObject({ field: expect.stringMatching(/\.0\.name$/), line: expect.any(Number) });
    expect(JSON.stringify([e.message, e.details])).not.toContain('secret');
  });

  it('accepts the same manifest with clean text', () => {
    expect(() => parseManifestYaml(withDescription(' (v2) '))).not.toThrow();
  });
});
