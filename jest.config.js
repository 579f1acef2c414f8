// Three tiers, each its own npm script: unit (*.spec.ts, pure, no I/O), integration (*.int.ts: real
// PostgreSQL, PGlite, Kafka), e2e (*.e2e.ts: HTTP through the Nest app).
// NestJS 12 ships as ES modules; Node 20.19+ loads them with require(esm) at run time, but Jest's
// module runtime does not, so SWC compiles those packages to CommonJS under test.
const swcTs = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
const swcJs = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const ESM_PACKAGES = ['@nestjs', 'content-disposition', 'cookie', 'file-type', 'strtok3', 'token-types', 'peek-readable', '@tokenizer', 'uint8array-extras', '@borewit', 'load-esm', 'openid-client', 'oauth4webapi', 'jose', 'oidc-provider'];
const moduleNameMapper = {
  '^@pl/projections/(.*)$': '<rootDir>/projections/$1',
  '^@pl/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@pl/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const base = {
  transform: { '^.+\\.ts$': swcTs, '^.+\\.(m?js)$': swcJs },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleNameMapper,
  testEnvironment: 'node',
  rootDir: __dirname,
};
module.exports = {
  // Jest 30 reads testTimeout from the global config only (a project's own value is ignored):
  // integration and e2e tests start databases, brokers and servers.
  testTimeout: 120000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,projections,test}/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs,projections,test}/**/*.int.ts'], testTimeout: 120000 },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e.ts', '<rootDir>/apps/**/*.e2e.ts'], testTimeout: 120000 },
  ],
};
