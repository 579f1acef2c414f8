import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllowList, readCaFile, type AllowList } from '@pl/outbound';
import { adminKeyWeakness } from './secret-strength';

export type EventStoreKind = 'embedded' | 'postgres' | 'eventstoredb';

/** Every setting comes from the environment; see the README's configuration table. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly eventStore: EventStoreKind;
  readonly eventStoreConnectionString: string | null;
  readonly kafkaBrokers: string[];
  readonly adminApiKey: string | null;
  /** 32-byte master key wrapping the per-subject data keys. */
  readonly masterKey: Buffer;
  /** Identifies the master key a data key was wrapped with (SHA-256 prefix unless MASTER_KEY_ID is set). */
  readonly masterKeyId: string;
  /** Only when the key was generated into DATA_DIR because none was configured (embedded default). */
  readonly masterKeyGenerated: boolean;
  /** Retired master keys (MASTER_KEYS_PREVIOUS), kept only until `rewrap-keys` has re-wrapped every data key. */
  readonly previousMasterKeys: ReadonlyArray<{ readonly id: string; readonly key: Buffer }>;
  /** Where the subject data keys live (KEYSTORE_DATABASE_URL); null: in the main database, next to the log. */
  readonly keyStore: KeyStoreLocation | null;
  readonly pseudonymSecret: Buffer;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  /** Ed25519 private key (PEM or base64 PKCS#8 DER) signing audit chain heads; generated into DATA_DIR when absent. */
  readonly auditSigningKey: string | null;
  /** A signed head at least this often while events arrive; verify fails when heads are missing longer (docs/audit.md). */
  readonly auditHeadIntervalMs: number;
  /** Events recorded before this need no signed head (a log older than scheduled heads); null = all. */
  readonly auditHeadsSince: Date | null;
  /** RFC 3161 time-stamp authority for every signed head; null = none. */
  readonly auditTsaUrl: string | null;
  /** PEM file of the CA that must have issued the TSA certificate; null = the token's own certificate is checked only. */
  readonly auditTsaCaFile: string | null;
  /** /health reports not ready when a projection is more than this many events behind the head (PostgreSQL, PGlite: they count events). */
  readonly readyMaxProjectionLag: number;
  /** /health reports not ready when a projection has been behind the head for longer than this (EventStoreDB: no event count). */
  readonly readyMaxProjectionBehindMs: number;
  /** /health reports not ready when another transaction has held the PostgreSQL log's visibility horizon back for longer than this. */
  readonly readyMaxHorizonHoldMs: number;
  /** Verified API keys are cached this long: a revocation takes effect within it. */
  readonly apiKeyCacheTtlMs: number;
  /** Redis shared by API instances for rate limits and the API key cache (REDIS_URL, database in the path); null = in-process. */
  readonly redisUrl: string | null;
  /** A console session ends this long after sign-in (SESSION_TTL_MINUTES). */
  readonly sessionTtlMinutes: number;
  /** The session cookie is Secure always (SESSION_COOKIE_SECURE=true: behind a TLS-terminating proxy), else only on HTTPS requests. */
  readonly sessionCookieSecure: boolean;
  /** The built console (`npm run build` writes dist/console) served under /console; CONSOLE_DIR overrides. */
  readonly consoleDir: string;
  /** Console sign-in through an OpenID Connect provider (OIDC_*); null: not configured. */
  readonly oidc: OidcSettings | null;
  /** The console's sign-in with an API key (POST /auth/session): on without OIDC, off with it unless CONSOLE_KEY_SIGN_IN=true. */
  readonly consoleKeySignIn: boolean;
  /** Private networks and host names outbound calls (webhooks, ...) may reach; empty = public addresses only. */
  readonly outboundAllowed: AllowList;
  /** PEM certificates of an internal CA trusted for outbound HTTPS beside Node's bundled roots (OUTBOUND_CA_FILE). */
  readonly outboundCa: string[] | null;
  /** After a webhook secret is rotated, the replaced one keeps signing (a second signature) this long (WEBHOOK_SECRET_OVERLAP_HOURS). */
  readonly webhookSecretOverlapHours: number;
  /** An audit export stores its signed head only when the newest stored head is at least this old. */
  readonly auditExportHeadMinIntervalMs: number;
  /** How long a command waits for a read model to pass its append (invariant 7), per projection name; `default` for the rest. */
  readonly readYourWritesTimeoutsMs: Readonly<Record<string, number>> & { readonly default: number };
  /** An Idempotency-Key and the answer stored under it are kept this long (IDEMPOTENCY_KEY_TTL_HOURS), then purged. */
  readonly idempotencyKeyTtlHours: number;
  /** A request holding a key this long without answering (its process died) lets a retry take the key over. */
  readonly idempotencyLeaseSeconds: number;
  /** The earlier Node consent manager's topics (issue 16): opt-in; their messages carry user ids in clear. */
  readonly legacyKafka: LegacyKafkaConfig;
  /** YAML file declaring the organisation's custom.* taxonomy keys (TAXONOMY_CUSTOM_KEYS_FILE); null: none. */
  readonly taxonomyCustomKeysFile: string | null;
}

export interface LegacyKafkaConfig {
  /** Consume consent.given|withdrawn|expired|updated from existing producers (LEGACY_KAFKA_CONSUME). */
  readonly consume: boolean;
  /** Publish legacy-shaped messages on those topics for existing consumers (LEGACY_KAFKA_PUBLISH). */
  readonly publish: boolean;
  /** The consumer group (LEGACY_KAFKA_GROUP_ID, default the earlier `consent-processing`). */
  readonly groupId: string;
  /** Webhooks in the earlier shape `{userId, requiredActions, deadline}` to endpoints registered for `consent.withdrawn` (LEGACY_WEBHOOKS). */
  readonly webhooks: boolean;
}

/**
 * The console's OpenID Connect client (authorization code with PKCE). Scopes are given by the
 * values of one claim of the ID token (groups or roles) through OIDC_SCOPE_MAP; which scope names
 * exist is checked when the API starts (apps/api/src/console/oidc.ts).
 */
export interface OidcSettings {
  /** OIDC_ISSUER: https, or http on a loopback host only (a provider on this machine). */
  readonly issuer: URL;
  readonly clientId: string;
  /** OIDC_CLIENT_SECRET; null: a public client (PKCE only, no client authentication). */
  readonly clientSecret: string | null;
  /** OIDC_REDIRECT_URI: this service's /auth/oidc/callback as the provider knows it. */
  readonly redirectUri: URL;
  /** OIDC_SCOPE_MAP (JSON): a claim value (group, role) -> the scopes it grants. */
  readonly scopeMap: Readonly<Record<string, readonly string[]>>;
  /** OIDC_GROUPS_CLAIM: the ID token claim holding the groups or roles, a dotted path (default `groups`; Keycloak realm roles: `realm_access.roles`). */
  readonly groupsClaim: string;
  /** OIDC_REQUEST_SCOPES: the OAuth scopes asked for (default `openid`). */
  readonly requestScopes: string;
  /** OIDC_PROVIDER_NAME: shown as "Sign in with <name>" (default `OpenID Connect`). */
  readonly providerName: string;
}

/** A PostgreSQL URL, or (embedded only) a directory holding a PGlite database of its own. */
export type KeyStoreLocation = { readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'pglite'; readonly dir: string };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const dataDir = resolve(env.DATA_DIR ?? './data');
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const eventStore = (nonEmpty(env.EVENT_STORE) ?? (databaseUrl ? 'postgres' : 'embedded')) as EventStoreKind;
  if (!['embedded', 'postgres', 'eventstoredb'].includes(eventStore)) {
    throw new ConfigError(`EVENT_STORE must be embedded, postgres or eventstoredb (got ${eventStore})`);
  }
  if (eventStore === 'postgres' && !databaseUrl) throw new ConfigError('EVENT_STORE=postgres needs DATABASE_URL');
  if (eventStore === 'embedded' && databaseUrl) {
    throw new ConfigError('EVENT_STORE=embedded keeps everything in PGlite under DATA_DIR; unset DATABASE_URL or use EVENT_STORE=postgres');
  }
  const esdb = nonEmpty(env.EVENTSTORE_CONNECTION_STRING);
  if (eventStore === 'eventstoredb' && !esdb) throw new ConfigError('EVENT_STORE=eventstoredb needs EVENTSTORE_CONNECTION_STRING');
  const { key: masterKey, generated } = masterKeyFrom(env, dataDir, eventStore);
  const masterKeyIdValue = nonEmpty(env.MASTER_KEY_ID) ?? masterKeyIdOf(masterKey);
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT must be an integer between 0 and 65535');
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    databaseUrl,
    eventStore,
    eventStoreConnectionString: esdb,
    kafkaBrokers: (nonEmpty(env.KAFKA_BROKERS) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    adminApiKey: adminKeyFrom(env),
    masterKey,
    masterKeyId: masterKeyIdValue,
    masterKeyGenerated: generated,
    previousMasterKeys: previousMasterKeysFrom(env, masterKeyIdValue),
    keyStore: keyStoreFrom(env, dataDir, eventStore, databaseUrl),
    pseudonymSecret: nonEmpty(env.PSEUDONYM_SECRET)
      ? Buffer.from(env.PSEUDONYM_SECRET!, 'utf8')
      : createHash('sha256').update('privacy-ledger:pseudonym:').update(masterKey).digest(),
    bodyLimitBytes: positiveBodyLimit(env),
    logLevel: env.LOG_LEVEL ?? 'info',
    auditSigningKey: nonEmpty(env.AUDIT_SIGNING_KEY),
    auditHeadIntervalMs: positiveInt(env, 'AUDIT_HEAD_INTERVAL_MS', 3_600_000),
    auditHeadsSince: isoDate(env, 'AUDIT_HEADS_SINCE'),
    auditTsaUrl: httpUrl(env, 'AUDIT_TSA_URL'),
    auditTsaCaFile: nonEmpty(env.AUDIT_TSA_CA_FILE),
    readyMaxProjectionLag: nonNegativeInt(env, 'READY_MAX_PROJECTION_LAG', 10_000),
    readyMaxProjectionBehindMs: nonNegativeInt(env, 'READY_MAX_PROJECTION_BEHIND_MS', 60_000),
    readyMaxHorizonHoldMs: nonNegativeInt(env, 'READY_MAX_HORIZON_HOLD_MS', 30_000),
    apiKeyCacheTtlMs: nonNegativeInt(env, 'API_KEY_CACHE_TTL_MS', 5000),
    redisUrl: redisUrl(env),
    sessionTtlMinutes: positiveInt(env, 'SESSION_TTL_MINUTES', 480),
    sessionCookieSecure: flag(env, 'SESSION_COOKIE_SECURE'),
    consoleDir: resolve(nonEmpty(env.CONSOLE_DIR) ?? join(__dirname, '..', '..', 'console')),
    oidc: oidcFrom(env),
    consoleKeySignIn: nonEmpty(env.CONSOLE_KEY_SIGN_IN) === null ? !nonEmpty(env.OIDC_ISSUER) : flag(env, 'CONSOLE_KEY_SIGN_IN'),
    outboundAllowed: outboundAllowList(env),
    outboundCa: outboundCa(env),
    webhookSecretOverlapHours: nonNegativeInt(env, 'WEBHOOK_SECRET_OVERLAP_HOURS', 24),
    auditExportHeadMinIntervalMs: nonNegativeInt(env, 'AUDIT_EXPORT_HEAD_MIN_INTERVAL_MS', 60_000),
    readYourWritesTimeoutsMs: readYourWritesTimeouts(env),
    idempotencyKeyTtlHours: positiveInt(env, 'IDEMPOTENCY_KEY_TTL_HOURS', 24),
    idempotencyLeaseSeconds: positiveInt(env, 'IDEMPOTENCY_LEASE_SECONDS', 60),
    legacyKafka: legacyKafkaFrom(env),
    taxonomyCustomKeysFile: nonEmpty(env.TAXONOMY_CUSTOM_KEYS_FILE) ?? null,
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function oidcFrom(env: NodeJS.ProcessEnv): OidcSettings | null {
  const issuerRaw = nonEmpty(env.OIDC_ISSUER);
  const others = ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URI', 'OIDC_SCOPE_MAP'].filter((n) => nonEmpty(env[n]));
  if (!issuerRaw) {
    if (others.length) throw new ConfigError(`${others.join(', ')} ${others.length > 1 ? 'are' : 'is'} set but OIDC_ISSUER is not`);
    return null;
  }
  const issuer = urlOf('OIDC_ISSUER', issuerRaw);
  const redirectRaw = nonEmpty(env.OIDC_REDIRECT_URI);
  if (!redirectRaw) throw new ConfigError('OIDC_ISSUER needs OIDC_REDIRECT_URI (this service\'s /auth/oidc/callback, e.g. https://privacy.example.com/auth/oidc/callback)');
  const redirectUri = urlOf('OIDC_REDIRECT_URI', redirectRaw);
  if (redirectUri.pathname !== '/auth/oidc/callback' || redirectUri.search || redirectUri.hash) throw new ConfigError('OIDC_REDIRECT_URI must end in /auth/oidc/callback, with no query or fragment');
  const clientId = nonEmpty(env.OIDC_CLIENT_ID);
  if (!clientId) throw new ConfigError('OIDC_ISSUER needs OIDC_CLIENT_ID');
  const mapRaw = nonEmpty(env.OIDC_SCOPE_MAP);
  if (!mapRaw) throw new ConfigError('OIDC_ISSUER needs OIDC_SCOPE_MAP (JSON: {"<group or role>": ["<scope>", ...]})');
  let map: unknown;
  try {
    map = JSON.parse(mapRaw);
  } catch {
    throw new ConfigError('OIDC_SCOPE_MAP must be JSON: {"<group or role>": ["<scope>", ...]}');
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map) || !Object.keys(map).length) throw new ConfigError('OIDC_SCOPE_MAP must be a non-empty JSON object: {"<group or role>": ["<scope>", ...]}');
  const scopeMap: Record<string, readonly string[]> = Object.create(null);
  for (const [value, scopes] of Object.entries(map)) {
    if (!Array.isArray(scopes) || !scopes.length || !scopes.every((s) => typeof s === 'string' && s.length)) throw new ConfigError(`OIDC_SCOPE_MAP: "${value}" must map to a non-empty list of scope names`);
    scopeMap[value] = scopes;
  }
  const groupsClaim = nonEmpty(env.OIDC_GROUPS_CLAIM) ?? 'groups';
  if (!/^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/.test(groupsClaim)) throw new ConfigError('OIDC_GROUPS_CLAIM must be a claim name or a dotted path (e.g. realm_access.roles)');
  const requestScopes = nonEmpty(env.OIDC_REQUEST_SCOPES) ?? 'openid';
  if (!requestScopes.split(/\s+/).includes('openid')) throw new ConfigError('OIDC_REQUEST_SCOPES must include openid');
  return { issuer, clientId, clientSecret: nonEmpty(env.OIDC_CLIENT_SECRET), redirectUri, scopeMap, groupsClaim, requestScopes, providerName: nonEmpty(env.OIDC_PROVIDER_NAME) ?? 'OpenID Connect' };
}

/** https, or http to this machine only (a provider run beside the service, as the tests do). */
function urlOf(name: string, raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an https URL`);
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname))) return u;
  throw new ConfigError(`${name} must be an https URL (http only to 127.0.0.1, [::1] or localhost)`);
}

function legacyKafkaFrom(env: NodeJS.ProcessEnv): LegacyKafkaConfig {
  const consume = flag(env, 'LEGACY_KAFKA_CONSUME');
  const publish = flag(env, 'LEGACY_KAFKA_PUBLISH');
  if ((consume || publish) && !nonEmpty(env.KAFKA_BROKERS)) throw new ConfigError('LEGACY_KAFKA_CONSUME and LEGACY_KAFKA_PUBLISH need KAFKA_BROKERS');
  const groupId = nonEmpty(env.LEGACY_KAFKA_GROUP_ID) ?? 'consent-processing';
  if (groupId.length > 249 || !/^[A-Za-z0-9._-]+$/.test(groupId)) throw new ConfigError('LEGACY_KAFKA_GROUP_ID must be 1-249 letters, digits, dot, dash or underscore');
  return { consume, publish, groupId, webhooks: flag(env, 'LEGACY_WEBHOOKS') };
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = nonEmpty(env[name])?.toLowerCase() ?? null;
  if (raw === null || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false`);
}

function readYourWritesTimeouts(env: NodeJS.ProcessEnv): AppConfig['readYourWritesTimeoutsMs'] {
  const catalog = positiveInt(env, 'CATALOG_READ_YOUR_WRITES_TIMEOUT_MS', 10_000);
  return { default: 10_000, consent: positiveInt(env, 'CONSENT_READ_YOUR_WRITES_TIMEOUT_MS', 10_000), rights: 15_000, catalog, data_map: catalog };
}

function outboundAllowList(env: NodeJS.ProcessEnv): AllowList {
  try {
    return parseAllowList(env.OUTBOUND_ALLOWED_PRIVATE_NETWORKS);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

function outboundCa(env: NodeJS.ProcessEnv): string[] | null {
  const file = nonEmpty(env.OUTBOUND_CA_FILE);
  try {
    return file === null ? null : readCaFile(file);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

function redisUrl(env: NodeJS.ProcessEnv): string | null {
  const v = nonEmpty(env.REDIS_URL);
  if (!v) return null;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  return v;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer`);
  return n;
}

function adminKeyFrom(env: NodeJS.ProcessEnv): string | null {
  const key = nonEmpty(env.ADMIN_API_KEY);
  const weakness = key === null ? null : adminKeyWeakness(key);
  if (weakness) throw new ConfigError(`ADMIN_API_KEY ${weakness}`);
  return key;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = nonNegativeInt(env, name, fallback);
  if (n === 0) throw new ConfigError(`${name} must be positive`);
  return n;
}

function isoDate(env: NodeJS.ProcessEnv, name: string): Date | null {
  const raw = nonEmpty(env[name]);
  if (raw === null) return null;
  const d = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime())) throw new ConfigError(`${name} must be an ISO-8601 date`);
  return d;
}

function httpUrl(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = nonEmpty(env[name]);
  if (raw === null) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL`);
  return raw;
}

function nonEmpty(v: string | undefined): string | null {
  return v && v.trim() ? v.trim() : null;
}

/**
 * MASTER_KEY (base64, 32 bytes) in production, from a KMS or secret store; required with a server
 * database. With nothing configured on the embedded default, a key is generated once into
 * DATA_DIR/master.key (mode 0600) so that the service starts with no setup; the README says to
 * configure one for anything real.
 */
function masterKeyFrom(env: NodeJS.ProcessEnv, dataDir: string, eventStore: EventStoreKind): { key: Buffer; generated: boolean } {
  const configured = nonEmpty(env.MASTER_KEY);
  if (configured) {
    const key = Buffer.from(configured, 'base64');
    if (key.length !== 32) throw new ConfigError('MASTER_KEY must be 32 bytes, base64-encoded');
    return { key, generated: false };
  }
  // Several processes (api, worker, cli) share a server database: each generating its own key would
  // make the others' data keys unreadable.
  if (eventStore !== 'embedded') throw new ConfigError(`MASTER_KEY is required with EVENT_STORE=${eventStore} (32 random bytes, base64: openssl rand -base64 32)`);
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) return { key: Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'), generated: true };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return { key, generated: true };
}

const masterKeyIdOf = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** `id:base64` or `base64` entries, comma-separated; a message names the entry's position, never its value. */
function previousMasterKeysFrom(env: NodeJS.ProcessEnv, currentId: string): Array<{ id: string; key: Buffer }> {
  const entries = (nonEmpty(env.MASTER_KEYS_PREVIOUS) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const key = Buffer.from(colon >= 0 ? entry.slice(colon + 1) : entry, 'base64');
    if (key.length !== 32) throw new ConfigError(`MASTER_KEYS_PREVIOUS entry ${i + 1} must be 32 bytes, base64-encoded (optionally id:base64)`);
    return { id: colon >= 0 ? entry.slice(0, colon) : masterKeyIdOf(key), key };
  });
  const ids = [currentId, ...keys.map((k) => k.id)];
  if (new Set(ids).size !== ids.length) throw new ConfigError('MASTER_KEYS_PREVIOUS repeats a master key id (or the current MASTER_KEY_ID)');
  return keys;
}

/**
 * The key store apart from the log, so that a backup of the log alone carries no data key (see
 * docs/rights.md, "Erasure and backups"). Server setups run several processes: PostgreSQL only there.
 */
function keyStoreFrom(env: NodeJS.ProcessEnv, dataDir: string, eventStore: EventStoreKind, databaseUrl: string | null): KeyStoreLocation | null {
  const raw = nonEmpty(env.KEYSTORE_DATABASE_URL);
  if (!raw) return null;
  if (/^postgres(ql)?:\/\//.test(raw)) {
    if (databaseUrl && sameDatabase(raw, databaseUrl)) throw new ConfigError('KEYSTORE_DATABASE_URL must name another database than DATABASE_URL (or be unset)');
    return { kind: 'postgres', url: raw };
  }
  if (raw.includes('://')) throw new ConfigError('KEYSTORE_DATABASE_URL must be a postgres:// URL, or a directory with the embedded store');
  if (eventStore !== 'embedded') throw new ConfigError(`KEYSTORE_DATABASE_URL must be a postgres:// URL with EVENT_STORE=${eventStore} (several processes share it)`);
  const dir = resolve(raw);
  // A copy of DATA_DIR (the log's backup on the embedded default) must not carry the keys.
  if (dir === dataDir || dir.startsWith(`${dataDir}/`)) throw new ConfigError('KEYSTORE_DATABASE_URL must be a directory outside DATA_DIR');
  return { kind: 'pglite', dir };
}

function sameDatabase(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return x.hostname === y.hostname && (x.port || '5432') === (y.port || '5432') && x.pathname === y.pathname;
  } catch {
    throw new ConfigError('KEYSTORE_DATABASE_URL and DATABASE_URL must be valid URLs');
  }
}

function positiveBodyLimit(env: NodeJS.ProcessEnv): number {
  const n = nonNegativeInt(env, 'BODY_LIMIT_BYTES', 256 * 1024);
  if (n === 0) throw new ConfigError('BODY_LIMIT_BYTES must be positive');
  return n;
}
