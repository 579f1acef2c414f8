/** Boundaries (STYLE.md habit 7): the domain is pure; libs never import apps; contexts meet only through public surfaces. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain imports no framework, no adapter, no I/O library, no app',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: {
        // pure parsers/codecs only: YAML manifests, IAB TCF and GPP strings; date-holidays computes
        // public holidays from rules bundled in the package (no I/O), for statutory deadlines
        pathNot: ['^libs/domain/', '^node_modules/yaml/', '^node_modules/@iabtechlabtcf/', '^node_modules/@iabgpp/', '^node_modules/date-holidays/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-no-node-io',
      comment: 'no file system, network or process access in the domain (node:crypto hashing is allowed)',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { path: '^(fs|net|http|https|child_process|dgram|dns|tls|node:(fs|net|http|https|child_process|dgram|dns|tls))' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'projections-never-import-apps',
      severity: 'error',
      from: { path: '^projections/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-nest-outside-apps',
      comment: 'NestJS stays in the apps; libs and projections are framework-free',
      severity: 'error',
      from: { path: '^(libs|projections)/' },
      to: { path: '^node_modules/@nestjs/' },
    },
    {
      name: 'sdk-is-standalone',
      comment: 'libs/sdk ships as a package (libs/sdk/package.json): it imports only itself, the pure domain rules its build bundles (libs/sdk/scripts/build.mjs), kafkajs (its peer dependency) and node',
      severity: 'error',
      from: { path: '^libs/sdk/src/' },
      to: { pathNot: ['^libs/sdk/src/', '^libs/domain/src/', '^node_modules/kafkajs/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'sdk-bundles-no-package',
      comment: 'the domain code the SDK bundles must not reach a third-party package (yaml, date-holidays...): the SDK package declares only kafkajs; import the domain file that holds the rule, not a context index',
      severity: 'error',
      from: { path: '^libs/sdk/src/' },
      to: { path: '^node_modules/', pathNot: '^node_modules/kafkajs/', reachable: true },
    },
    {
      name: 'outbound-only-through-policy',
      comment: 'ARCHITECTURE invariant 14: outbound HTTP goes through libs/outbound (vetted, pinned); global fetch is checked in review',
      severity: 'error',
      from: { path: '^(libs|apps|projections)/', pathNot: '^libs/outbound/' },
      to: { path: '^(http|https|http2|undici|node:(http|https|http2))$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'outbound-is-a-leaf',
      comment: 'the outbound policy is reused by every caller (webhooks, timestamp authority): it imports only node',
      severity: 'error',
      from: { path: '^libs/outbound/' },
      to: { pathNot: '^(libs/outbound/|node:|dns|net|http|https|tls|crypto|fs)' },
    },
    {
      name: 'console-is-a-browser-app',
      comment: 'apps/console runs in the browser and talks to the API over HTTP: it imports its own files, its npm packages and the pure domain (shared constants), nothing of the server',
      severity: 'error',
      from: { path: '^apps/console/', pathNot: '^apps/console/vite\\.config\\.mts$' },
      to: { pathNot: ['^apps/console/', '^node_modules/', '^libs/domain/'] },
    },
    {
      name: 'server-never-imports-console',
      severity: 'error',
      from: { path: '^(apps|libs|projections)/', pathNot: '^apps/console/' },
      to: { path: '^apps/console/' },
    },
    {
      name: 'no-circular',
      severity: 'warn',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|^libs/sdk/(dist|examples)/|\\.spec\\.ts$|\\.int\\.ts$|\\.e2e\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
