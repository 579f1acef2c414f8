import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AUDIT_PERSONAL_FIELDS, PERSONAL_DATA_ACCESSED } from '@pl/audit';
import { DOMAIN_PERSONAL_FIELDS } from '@pl/domain';

const ROOT = join(__dirname, '..', '..');
const SOURCES = ['libs', 'apps', 'projections'];
const CONTEXTS = /^(consent|rights|breach|catalog|demo|audit|intake)\./;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.(spec|int|e2e)\.ts$/.test(name) ? [path] : [];
  });
}

/** Event types as the code writes them: members of an event union, catalog lifecycle unions, `type: '...'` of emitted events. */
function typesInSources(): Map<string, string> {
  const found = new Map<string, string>();
  const add = (type: string, file: string) => CONTEXTS.test(type) && !found.has(type) && found.set(type, relative(ROOT, file));
  for (const file of SOURCES.flatMap((d) => sourceFiles(join(ROOT, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/DomainEvent<\s*'([a-z_]+\.[a-z_]+)'|\btype:\s*'([a-z_]+\.[a-z_]+)'/g)) add(m[1] ?? m[2], file);
    for (const m of text.matchAll(/LifecycleEvent<\s*'([a-z_]+)'/g)) for (const step of ['registered', 'updated', 'retired']) add(`catalog.${m[1]}_${step}`, file);
  }
  return found;
}

describe('personal-field declarations (ARCHITECTURE invariant 13)', () => {
  const declared = [...DOMAIN_PERSONAL_FIELDS, ...AUDIT_PERSONAL_FIELDS];

  it('cover every event type the deciders and other writers name', () => {
    const found = typesInSources();
    const known = new Set(declared.map((d) => d.type));
    expect([...found].filter(([type]) => !known.has(type))).toEqual([]);
    // and nothing is declared that no code names (the audit type is written through its constant)
    expect([...known].filter((type) => !found.has(type)).sort()).toEqual([PERSONAL_DATA_ACCESSED]);
  });

  it('declare each type once, with distinct dotted paths', () => {
    const types = declared.map((d) => d.type);
    expect(types.length).toBe(new Set(types).size);
    for (const d of declared) {
      expect(new Set(d.paths).size).toBe(d.paths.length);
      for (const p of d.paths) expect(p).toMatch(/^[a-z_]+(\.([a-z_]+|\*))*$/);
    }
  });
});
