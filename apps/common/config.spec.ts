import { ConfigError, loadConfig } from './config';

const MASTER_KEY = Buffer.alloc(32, 1).toString('base64');
const ADMIN_KEY = 'Zq3vN8rT1xWb6yKc0pLm4sHd7gFj2aE9';

describe('loadConfig', () => {
  it('defaults to the embedded store with nothing but a master key, on 127.0.0.1:3000', () => {
    const c = loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x' });
    expect(c).toMatchObject({ eventStore: 'embedded', databaseUrl: null, port: 3000, host: '127.0.0.1', dataDir: '/tmp/x', kafkaBrokers: [], adminApiKey: null, masterKeyGenerated: false, bodyLimitBytes: 262144, logLevel: 'info', readyMaxProjectionLag: 10000, readyMaxProjectionBehindMs: 60000, readyMaxHorizonHoldMs: 30000, apiKeyCacheTtlMs: 5000, auditExportHeadMinIntervalMs: 60000 });
    expect(c.masterKey).toEqual(Buffer.alloc(32, 1));
    expect(c.masterKeyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('chooses postgres when DATABASE_URL is set, and reads every setting', () => {
    const c = loadConfig({
      MASTER_KEY, MASTER_KEY_ID: 'mk-1', DATABASE_URL: 'postgres://u@h/db', PORT: '8080', HOST: '0.0.0.0', KAFKA_BROKERS: 'a:9092, b:9092', ADMIN_API_KEY: ADMIN_KEY,
      BODY_LIMIT_BYTES: '1024', LOG_LEVEL: 'debug', READY_MAX_PROJECTION_LAG: '5', API_KEY_CACHE_TTL_MS: '0', PSEUDONYM_SECRET: 'p',
      AUDIT_EXPORT_HEAD_MIN_INTERVAL_MS: '0', READY_MAX_PROJECTION_BEHIND_MS: '7', READY_MAX_HORIZON_HOLD_MS: '8',
    });
    expect(c).toMatchObject({ eventStore: 'postgres', databaseUrl: 'postgres://u@h/db', port: 8080, host: '0.0.0.0', kafkaBrokers: ['a:9092', 'b:9092'], adminApiKey: ADMIN_KEY, masterKeyId: 'mk-1', bodyLimitBytes: 1024, logLevel: 'debug', readyMaxProjectionLag: 5, readyMaxProjectionBehindMs: 7, readyMaxHorizonHoldMs: 8, apiKeyCacheTtlMs: 0, auditExportHeadMinIntervalMs: 0 });
    expect(c.pseudonymSecret.toString()).toBe('p');
  });

  it('accepts a random admin key (32 hex characters, base64 of 32 bytes) and never quotes a refused one', () => {
    for (const key of ['c415fd06edd7aa42d5b6e369d71a5da1', 'VfMU0zQkR8zC6N0HeLcLP9Pzpkv9O5xKGKVzCC/9XVI=']) expect(loadConfig({ MASTER_KEY, ADMIN_API_KEY: key }).adminApiKey).toBe(key);
    expect(() => loadConfig({ MASTER_KEY, ADMIN_API_KEY: 'secret-admin' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret-admin') }));
  });

  it('needs EVENTSTORE_CONNECTION_STRING for eventstoredb', () => {
    expect(() => loadConfig({ MASTER_KEY, EVENT_STORE: 'eventstoredb' })).toThrow(/EVENTSTORE_CONNECTION_STRING/);
    expect(loadConfig({ MASTER_KEY, EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'esdb://k:2113?tls=false', DATABASE_URL: 'postgres://u@h/db' }).eventStore).toBe('eventstoredb');
  });

  it.each([
    [{ EVENT_STORE: 'mongo' }, /EVENT_STORE must be/],
    [{ EVENT_STORE: 'postgres' }, /needs DATABASE_URL/],
    [{ EVENT_STORE: 'embedded', DATABASE_URL: 'postgres://u@h/db' }, /unset DATABASE_URL/],
    [{ PORT: '70000' }, /PORT/],
    [{ BODY_LIMIT_BYTES: '0' }, /BODY_LIMIT_BYTES/],
    [{ BODY_LIMIT_BYTES: '1kb' }, /BODY_LIMIT_BYTES/],
    [{ READY_MAX_PROJECTION_LAG: '-1' }, /READY_MAX_PROJECTION_LAG/],
    [{ READY_MAX_PROJECTION_BEHIND_MS: '1m' }, /READY_MAX_PROJECTION_BEHIND_MS/],
    [{ READY_MAX_HORIZON_HOLD_MS: '-5' }, /READY_MAX_HORIZON_HOLD_MS/],
    [{ MASTER_KEY: 'c2hvcnQ=' }, /MASTER_KEY must be 32 bytes/],
    [{ AUDIT_EXPORT_HEAD_MIN_INTERVAL_MS: '1m' }, /AUDIT_EXPORT_HEAD_MIN_INTERVAL_MS/],
    // a weak admin key opens every route: refused at start, without quoting it
    [{ ADMIN_API_KEY: 'k' }, /ADMIN_API_KEY must be at least 32 characters/],
    [{ ADMIN_API_KEY: 'passwordpasswordpasswordpassword' }, /ADMIN_API_KEY looks guessable/],
    [{ ADMIN_API_KEY: '0123456789012345678901234567890123' }, /ADMIN_API_KEY looks guessable/],
    [{ ADMIN_API_KEY: 'aB3$'.repeat(8) }, /ADMIN_API_KEY looks guessable/],
    [{ ADMIN_API_KEY: 'Zq3vN8rT1xWb6yKc 0pLm4sHd7gFj2aE9' }, /ADMIN_API_KEY must not contain whitespace/],
  ])('rejects %p', (env, message) => {
    expect(() => loadConfig({ MASTER_KEY, ...env } as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig({ MASTER_KEY, ...env } as NodeJS.ProcessEnv)).toThrow(message);
  });

  it('keeps rate limits and the key cache in process unless REDIS_URL is a redis:// URL, never echoing a refused one', () => {
    expect(loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x' }).redisUrl).toBeNull();
    expect(loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', REDIS_URL: 'redis://127.0.0.1:6379/11' }).redisUrl).toBe('redis://127.0.0.1:6379/11');
    for (const bad of ['http://user:s3cret@redis:6379', 'not a url s3cret']) {
      expect(() => loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', REDIS_URL: bad })).toThrow('REDIS_URL must be a redis:// or rediss:// URL');
      try {
        loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', REDIS_URL: bad });
      } catch (e) {
        expect((e as Error).message).not.toContain('s3cret');
      }
    }
  });

  it('reads OUTBOUND_ALLOWED_PRIVATE_NETWORKS (none by default) and stops on a malformed entry without echoing it', () => {
    expect(loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x' }).outboundAllowed).toEqual({ networks: [], hostnames: new Set() });
    const c = loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '10.0.0.0/8, fd00::/8 hooks.internal' });
    expect(c.outboundAllowed.networks).toHaveLength(2);
    expect([...c.outboundAllowed.hostnames]).toEqual(['hooks.internal']);
    expect(() => loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '10.0.0.0/8,secret_value/99' })).toThrow(ConfigError);
    expect(() => loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '10.0.0.0/8,secret_value/99' })).toThrow(/^OUTBOUND_ALLOWED_PRIVATE_NETWORKS: entry 2 [^]*$/);
    expect(() => loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', OUTBOUND_ALLOWED_PRIVATE_NETWORKS: 'secret_value/99' })).not.toThrow(/secret_value/);
  });

  it('trusts no extra CA by default; an unreadable OUTBOUND_CA_FILE stops the start without quoting the path', () => {
    expect(loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x' }).outboundCa).toBeNull();
    const start = () => loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', OUTBOUND_CA_FILE: '/nonexistent/secret_value.pem' });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/^OUTBOUND_CA_FILE: the file cannot be read$/);
  });

  it('keeps the legacy consent interfaces off by default; they need a broker (Kafka halves) and a valid group', () => {
    const base = { MASTER_KEY, DATA_DIR: '/tmp/x' };
    expect(loadConfig(base).legacyKafka).toEqual({ consume: false, publish: false, webhooks: false, groupId: 'consent-processing' });
    expect(loadConfig({ ...base, KAFKA_BROKERS: 'k:9092', LEGACY_KAFKA_CONSUME: 'true', LEGACY_KAFKA_PUBLISH: '1', LEGACY_KAFKA_GROUP_ID: 'my-group' }).legacyKafka).toEqual({ consume: true, publish: true, webhooks: false, groupId: 'my-group' });
    expect(loadConfig({ ...base, LEGACY_WEBHOOKS: 'true' }).legacyKafka.webhooks).toBe(true);
    expect(() => loadConfig({ ...base, LEGACY_KAFKA_CONSUME: 'true' })).toThrow('LEGACY_KAFKA_CONSUME and LEGACY_KAFKA_PUBLISH need KAFKA_BROKERS');
    expect(() => loadConfig({ ...base, LEGACY_KAFKA_PUBLISH: 'yes' })).toThrow('LEGACY_KAFKA_PUBLISH must be true or false');
    expect(() => loadConfig({ ...base, KAFKA_BROKERS: 'k:9092', LEGACY_KAFKA_GROUP_ID: 'a b' })).toThrow(ConfigError);
  });

  it('requires MASTER_KEY with a server database (processes must share one key)', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db' })).toThrow(/MASTER_KEY is required with EVENT_STORE=postgres/);
  });

  it('keeps the data keys in the main database unless KEYSTORE_DATABASE_URL names another (PostgreSQL URL, or a PGlite directory when embedded)', () => {
    expect(loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x' }).keyStore).toBeNull();
    expect(loadConfig({ MASTER_KEY, DATABASE_URL: 'postgres://u@h/log', KEYSTORE_DATABASE_URL: 'postgresql://u@h:5433/log' }).keyStore).toEqual({ kind: 'postgres', url: 'postgresql://u@h:5433/log' });
    expect(loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', KEYSTORE_DATABASE_URL: '/secure/keys' }).keyStore).toEqual({ kind: 'pglite', dir: '/secure/keys' });
  });

  it.each([
    [{ DATABASE_URL: 'postgres://u@h/log', KEYSTORE_DATABASE_URL: 'postgres://other@h:5432/log' }, /another database/],
    [{ DATABASE_URL: 'postgres://u@h/log', KEYSTORE_DATABASE_URL: '/secure/keys' }, /postgres:\/\/ URL with EVENT_STORE=postgres/],
    [{ DATA_DIR: '/tmp/x', KEYSTORE_DATABASE_URL: '/tmp/x/keys' }, /outside DATA_DIR/],
    [{ DATA_DIR: '/tmp/x', KEYSTORE_DATABASE_URL: 'mysql://u@h/k' }, /postgres:\/\/ URL, or a directory/],
  ])('rejects the key store %p', (env, message) => {
    expect(() => loadConfig({ MASTER_KEY, ...env } as NodeJS.ProcessEnv)).toThrow(message);
  });

  it('reads retired master keys from MASTER_KEYS_PREVIOUS (base64 or id:base64)', () => {
    const old1 = Buffer.alloc(32, 2);
    const old2 = Buffer.alloc(32, 3);
    const c = loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', MASTER_KEYS_PREVIOUS: ` ${old1.toString('base64')}, mk-0:${old2.toString('base64')}` });
    expect(c.previousMasterKeys).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{16}$/), key: old1 }, { id: 'mk-0', key: old2 }]);
    expect(c.previousMasterKeys[0].id).not.toBe(c.masterKeyId);
  });

  it('rejects a malformed or repeated retired master key without echoing it', () => {
    const short = Buffer.alloc(16, 9).toString('base64');
    expect(() => loadConfig({ MASTER_KEY, MASTER_KEYS_PREVIOUS: `old:${short}` })).toThrow(/MASTER_KEYS_PREVIOUS entry 1 must be 32 bytes/);
    try {
      loadConfig({ MASTER_KEY, MASTER_KEYS_PREVIOUS: `old:${short}` });
    } catch (e) {
      expect((e as Error).message).not.toContain(short);
    }
    expect(() => loadConfig({ MASTER_KEY, MASTER_KEYS_PREVIOUS: MASTER_KEY })).toThrow(/repeats a master key id/);
  });

  it('reads the read-your-writes timeouts per read model (consent, catalog and data map), 10 s by default', () => {
    expect(loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x' }).readYourWritesTimeoutsMs).toEqual({ default: 10_000, consent: 10_000, rights: 15_000, catalog: 10_000, data_map: 10_000 });
    const c = loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', CONSENT_READ_YOUR_WRITES_TIMEOUT_MS: '30000', CATALOG_READ_YOUR_WRITES_TIMEOUT_MS: '300' });
    expect(c.readYourWritesTimeoutsMs).toMatchObject({ consent: 30_000, catalog: 300, data_map: 300 });
    expect(() => loadConfig({ MASTER_KEY, DATA_DIR: '/tmp/x', CONSENT_READ_YOUR_WRITES_TIMEOUT_MS: 'soon' })).toThrow(/CONSENT_READ_YOUR_WRITES_TIMEOUT_MS must be a non-negative integer/);
  });
});
