import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Issue 13: every rule in libs/domain/src/law is data with its source and the date it took effect,
 * and is used. This walks what each law module exports: every object that cites a `source` carries an
 * `effective_from` date (and the other way round), and every exported rule is used by code beyond
 * its own declaration (tests do not count).
 */
const LAW = __dirname;
const ROOT = join(LAW, '../../../..');
const modules = readdirSync(LAW).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));

const isDate = (d: unknown) => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}/.test(d);

/** Every plain object under v, with whether it or an enclosing rule carries an effective_from date. */
function* objects(v: unknown, path: string, dated = false, seen = new Set<unknown>()): Generator<[string, Record<string, unknown>, boolean]> {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  const o = v as Record<string, unknown>;
  const here = dated || (!Array.isArray(v) && isDate(o.effective_from));
  if (!Array.isArray(v)) yield [path, o, here];
  for (const [k, child] of Object.entries(o)) yield* objects(child, `${path}.${k}`, here, seen);
}

describe.each(modules)('law/%s', (file) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(LAW, file)) as Record<string, unknown>;

  it('every rule citing a source says when it took effect, and every dated rule cites a source', () => {
    const missing: string[] = [];
    for (const [name, value] of Object.entries(mod)) {
      for (const [path, o, dated] of objects(value, name)) {
        const hasSource = typeof o.source === 'string' && o.source.trim() !== '';
        if ('source' in o && !dated) missing.push(`${path}: source without effective_from`);
        if ('effective_from' in o && !hasSource) missing.push(`${path}: effective_from without source`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every exported rule (data, not helper functions) is used by code, tests aside', () => {
    const self = join(relative(ROOT, LAW), file);
    const others = sources(['libs', 'apps', 'projections']).filter((f) => f !== self).map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const own = readFileSync(join(LAW, file), 'utf8');
    const unused = Object.entries(mod)
      .filter(([, v]) => typeof v !== 'function')
      .map(([name]) => name)
      .filter((name) => !new RegExp(`\\b${name}\\b`).test(others) && (own.match(new RegExp(`\\b${name}\\b`, 'g')) ?? []).length < 2);
    expect(unused).toEqual([]);
  });
});

function sources(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (/\.ts$/.test(e.name) && !/\.(spec|int|e2e)\.ts$/.test(e.name)) out.push(p);
    }
  };
  dirs.forEach(walk);
  return out;
}
