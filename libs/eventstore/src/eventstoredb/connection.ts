/**
 * Connection strings and the server version check. @eventstore/db-client 6.2.1 parses only
 * `esdb://` and `esdb+discover://`; Kurrent's documentation and its newer clients also accept
 * `kurrentdb`, `kurrent` and `kdb` (each with `+discover`), which name the same gRPC API.
 */
const SCHEMES = /^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\//i;

/** The same connection string in the scheme the 6.2.1 client parses; other strings are left for the client to refuse. */
export function clientConnectionString(connectionString: string): string {
  const m = SCHEMES.exec(connectionString.trim());
  if (!m) return connectionString;
  return `esdb${m[2] ? '+discover' : ''}://${connectionString.trim().slice(m[0].length)}`;
}

/**
 * The oldest server release whose filtered `$all` subscriptions send a checkpoint on reaching the
 * head and whose stream reads report the last stream position (KurrentDB 24.10; EventStoreDB 24.10
 * LTS carries the same fixes).
 */
export const MINIMUM_SERVER_VERSION = { major: 24, minor: 10 } as const;

export class UnsupportedServerError extends Error {
  constructor(readonly serverVersion: string) {
    super(
      `EventStoreDB/KurrentDB server version ${serverVersion} is not supported: this service needs ${MINIMUM_SERVER_VERSION.major}.${MINIMUM_SERVER_VERSION.minor} or newer ` +
        '(checkpoints of filtered $all subscriptions, last stream position on reads); upgrade the server',
    );
    this.name = 'UnsupportedServerError';
  }
}

/** Throws UnsupportedServerError unless `serverVersion` (as the server's ServerFeatures call reports it, `unknown` when it has none) is new enough. */
export function assertSupportedServer(serverVersion: string): void {
  const m = /^(\d+)\.(\d+)/.exec(serverVersion);
  if (!m) throw new UnsupportedServerError(serverVersion);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < MINIMUM_SERVER_VERSION.major || (major === MINIMUM_SERVER_VERSION.major && minor < MINIMUM_SERVER_VERSION.minor)) {
    throw new UnsupportedServerError(serverVersion);
  }
}
