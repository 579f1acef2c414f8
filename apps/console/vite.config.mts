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
  server: { proxy: { '^/(auth|data-subject|breaches|health|audit)': 'http://127.0.0.1:3000' } },
});

/** A .br and a .gz beside every script and style sheet: the API sends them to browsers that accept them (@fastify/static preCompressed). */
function precompressed(): Plugin {
  return {
    name: 'pl-precompressed',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const [fileName, file] of Object.entries(bundle)) {
        if (!/\.(js|css)$/.test(fileName)) continue;
        const source = Buffer.from(file.type === 'chunk' ? file.code : file.source);
        this.emitFile({ type: 'asset', fileName: `${fileName}.br`, source: brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }) });
        this.emitFile({ type: 'asset', fileName: `${fileName}.gz`, source: gzipSync(source, { level: 9 }) });
      }
    },
  };
}
