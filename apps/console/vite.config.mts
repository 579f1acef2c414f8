import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** The console's build: served by the API under /console (apps/api/src/console/console-static.ts). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // The pure domain's constants (request types, jurisdictions): one definition for API and console.
  resolve: { alias: { '@pl/domain': fileURLToPath(new URL('../../libs/domain/src', import.meta.url)) } },
  plugins: [precompressed()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: process.env.CONSOLE_OUT_DIR ?? fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline modulepreload polyfill or data: scripts: the CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      // React Query's "use client" markers mean nothing outside server components.
      onwarn(w, warn) {
        if (w.code !== 'MODULE_LEVEL_DIRECTIVE') warn(w);
      },
    },
  },
  // `npx vite --config apps/console/vite.config.ts` for development: the API on :3000 behind /auth and the routes.
  server: { proxy: { '^/(auth|data-subject|breaches|health|audit|governance|catalog)': 'http://127.0.0.1:3000' } },
});

/**
 * A .br and a .gz beside every script and style sheet: the API sends them to browsers that accept them
 * (@fastify/static preCompressed). Compressed from the files as written (writeBundle), after every
 * plugin's generateBundle: Vite fills in a lazy screen's preload list (`__VITE_PRELOAD__`) in its own
 * generateBundle, and a copy compressed earlier kept the bare marker (ReferenceError in the browser).
 */
function precompressed(): Plugin {
  return {
    name: 'pl-precompressed',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? '.';
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css)$/.test(fileName)) continue;
        const source = readFileSync(join(dir, fileName));
        writeFileSync(join(dir, `${fileName}.br`), brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }));
        writeFileSync(join(dir, `${fileName}.gz`), gzipSync(source, { level: 9 }));
      }
    },
  };
}
