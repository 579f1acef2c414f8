// Issue 17 item 1 for the service started from dist/ as a separate process (dist-start, idempotency-crash,
// docs): `node --require test/support/response-check-preload.cjs dist/apps/...` with
// PL_TEST_RESPONSE_MISMATCHES=<file>. When the process loads the API's bootstrap, its createApiApp is
// wrapped so the app is built with the same server-side check the in-process test apps use
// (test/support/openapi-responses.ts, compiled here with @swc/core): every response is validated against
// the document the app serves. Each app that is checked appends {"checking":pid} to the file, and each
// mismatch {"mismatch":{...}} at once (so a killed process keeps what it found). The test reads the file (responseCheck() in processes.ts).
// Nothing happens in a process that never loads the bootstrap (the CLI, npm itself), and nothing is
// loaded before the service's own first modules (its tracing preload must come first).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const out = process.env.PL_TEST_RESPONSE_MISMATCHES;
const BOOTSTRAP = path.join('dist', 'apps', 'api', 'src', 'bootstrap.js');

function loadChecker() {
  const file = path.join(__dirname, 'openapi-responses.ts');
  const { code } = require('@swc/core').transformFileSync(file, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: false,
  });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(__dirname);
  m._compile(code, file);
  return m.exports;
}

function wrap(bootstrap) {
  const { checkResponsesAgainst } = loadChecker();
  const createApiApp = bootstrap.createApiApp;
  bootstrap.createApiApp = (infra, options = {}) =>
    createApiApp(infra, {
      ...options,
      instrument: (fastify, doc) => {
        options.instrument?.(fastify, doc);
        const mismatches = [];
        mismatches.push = (...found) => {
          for (const m of found) fs.appendFileSync(out, `${JSON.stringify({ mismatch: m })}\n`);
          return Array.prototype.push.apply(mismatches, found);
        };
        checkResponsesAgainst(fastify, doc, mismatches);
        fs.appendFileSync(out, `${JSON.stringify({ checking: process.pid })}\n`);
      },
    });
}

if (out) {
  const load = Module._load;
  let wrapped = false;
  Module._load = function (request, parent, isMain) {
    const exports = load.apply(this, arguments);
    if (!wrapped && /bootstrap(\.js)?$/.test(request)) {
      let filename = '';
      try {
        filename = Module._resolveFilename(request, parent, isMain);
      } catch {
        /* not a file */
      }
      if (filename.endsWith(BOOTSTRAP) && typeof exports.createApiApp === 'function') {
        wrapped = true;
        wrap(exports);
        Module._load = load;
      }
    }
    return exports;
  };
}
