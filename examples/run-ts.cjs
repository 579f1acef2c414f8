#!/usr/bin/env node
// node examples/run-ts.cjs <file.ts> [args...] -- runs a TypeScript entry point of this repository
// without a build step: transpiles on require with @swc/core (already a dev dependency) and maps the
// @pl/* path aliases of tsconfig.json. For examples and test child processes; production uses `npm run build`.
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  let m;
  if ((m = /^@pl\/projections\/(.*)$/.exec(request))) request = path.join(root, 'projections', m[1]);
  else if ((m = /^@pl\/([a-z-]+)(?:\/(.*))?$/.exec(request))) request = path.join(root, 'libs', m[1], 'src', m[2] ?? '');
  return resolve.call(this, request, parent, ...rest);
};
require.extensions['.ts'] = function (module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node examples/run-ts.cjs <file.ts> [args...]');
  process.exit(2);
}
process.argv.splice(1, 1);
require(path.resolve(entry));
