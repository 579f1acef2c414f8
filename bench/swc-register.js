// Runs TypeScript under plain node for benches and scripts: `node --require ./bench/swc-register.js file.ts`.
// Compiles .ts files with @swc/core on require and resolves the tsconfig path aliases (@pl/...).
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..');
const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
const baseUrl = path.join(root, compilerOptions.baseUrl ?? '.');
const aliases = Object.entries(compilerOptions.paths ?? {})
  .map(([key, [target]]) => ({ wildcard: key.endsWith('*'), prefix: key.replace(/\*$/, ''), target: path.join(baseUrl, target.replace(/\*$/, '')) }))
  .sort((a, b) => b.prefix.length - a.prefix.length);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = aliases.find((a) => (a.wildcard ? request.startsWith(a.prefix) : request === a.prefix));
  const mapped = alias ? (alias.wildcard ? alias.target + request.slice(alias.prefix.length) : alias.target) : request;
  return resolveFilename.call(this, mapped, ...rest);
};

const options = {
  sourceMaps: 'inline',
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};
require.extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
