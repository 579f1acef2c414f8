import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalog } from '@pl/domain';
import { declareCustomKeys } from './taxonomy-settings';

describe('TAXONOMY_CUSTOM_KEYS_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-custom-keys-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  afterAll(() => declareCustomKeys(null));

  it('installs the declarations; unset installs none', () => {
    expect(declareCustomKeys(file('ok.yaml', 'data_categories:\n  - { key: custom.lab, parent: user.health_and_medical }\npurposes:\n  - { key: custom.qa, parent: essential.service }\n'))).toBe(2);
    expect(catalog.specialFlagsOf('custom.lab').gdpr_art9).toBe(true);
    expect(declareCustomKeys(null)).toBe(0);
    expect(() => catalog.resolveCategory('custom.lab')).toThrow(/undeclared custom key/);
  });

  it.each([
    ['missing.yaml', null, /TAXONOMY_CUSTOM_KEYS_FILE: cannot read .*missing\.yaml as YAML/],
    ['bad.yaml', 'data_categories: [ {', /TAXONOMY_CUSTOM_KEYS_FILE: cannot read .* as YAML/],
    ['undeclared.yaml', 'data_categories:\n  - { key: custom.thing }\n', /TAXONOMY_CUSTOM_KEYS_FILE: data_categories\[0\]: custom\.thing must declare its parent/],
    ['hidden.yaml', 'data_categories:\n  - { key: custom.health_record, parent: user }\n', /TAXONOMY_CUSTOM_KEYS_FILE: custom\.health_record reads as user\.health_and_medical/],
  ])('stops the start on %s with the reason', (name, text, reason) => {
    const path = text === null ? join(dir, name) : file(name, text);
    expect(() => declareCustomKeys(path)).toThrow(reason);
  });
});
