// Builds the installable package into libs/sdk/dist (run by `npm run build` and `npm pack` in libs/sdk, or
// `npm run build:sdk` at the repository root):
// - dist/index.cjs and dist/index.mjs: one bundle each (esbuild). The SDK's own code and the pure consent
//   and taxonomy rules it reuses from libs/domain are bundled; kafkajs (a peer dependency: callers may pass
//   their own client) and Node's built-ins stay imports. Anything else reaching the bundle fails the build.
// - dist/index.d.cts and dist/index.d.mts: the type declarations, the domain types inlined (dts-bundle-generator).
import { builtinModules } from 'node:module';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { generateDtsBundle } from 'dts-bundle-generator';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkgDir, '../..');
const dist = join(pkgDir, 'dist');
const entry = join(pkgDir, 'src/index.ts');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const declared = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
/** What the bundle may contain: the SDK itself and the pure domain rules it reuses. */
const BUNDLED = [/^libs\/sdk\/src\//, /^libs\/domain\/src\//];
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const problems = [];
for (const format of ['cjs', 'esm']) {
  const outfile = join(dist, format === 'cjs' ? 'index.cjs' : 'index.mjs');
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    external: declared,
    tsconfig: join(repo, 'tsconfig.json'),
    absWorkingDir: repo,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const strays = Object.keys(result.metafile.inputs).filter((input) => !BUNDLED.some((allowed) => allowed.test(input)));
  // one line per package (or folder), not per file
  for (const stray of new Set(strays.map((input) => input.match(/^(?:node_modules\/(?:@[^/]+\/)?[^/]+|[^/]+\/[^/]+)/)?.[0] ?? input))) {
    problems.push(`${format}: bundles ${stray} (only libs/sdk and libs/domain may be bundled)`);
  }
  const output = result.metafile.outputs[relative(repo, outfile)];
  for (const { path } of output.imports) {
    if (!builtins.has(path) && !declared.includes(path)) problems.push(`${format}: imports ${path}, which package.json does not declare`);
  }
}

const [types] = generateDtsBundle([{ filePath: entry, output: { noBanner: true } }], { preferredConfigPath: join(pkgDir, 'tsconfig.build.json') });
for (const m of types.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
  if (!builtins.has(m[1]) && !declared.includes(m[1])) problems.push(`types: import ${m[1]}, which package.json does not declare`);
}
// Buffer and NodeJS types appear in the API (kafkajs's own declarations reference Node's the same way)
const declarations = `/// <reference types="node" />\n${types}`;
writeFileSync(join(dist, 'index.d.cts'), declarations);
writeFileSync(join(dist, 'index.d.mts'), declarations);

if (problems.length) {
  rmSync(dist, { recursive: true, force: true });
  console.error(`libs/sdk build refused:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
