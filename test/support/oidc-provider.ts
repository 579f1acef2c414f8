import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person the test provider knows: their password and the groups its ID tokens carry. */
export interface TestUser {
  readonly password: string;
  readonly groups: readonly string[];
}

export interface TestIdpOptions {
  /** The console's callback, the one redirect URI the client is registered with. */
  readonly redirectUri: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** By login name (the subject is `sub-<login>`). */
  readonly users: Readonly<Record<string, TestUser>>;
}

export interface TestIdp {
  /** http://localhost:<a port the OS chose> (another site than the API on 127.0.0.1). */
  readonly issuer: string;
  /** The subject the provider gives a login name. */
  subjectOf(login: string): string;
  close(): Promise<void>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A real OpenID provider (oidc-provider, the certified Node implementation) on loopback: the
 * console's client registered with its one redirect URI, PKCE required for every client, ID tokens
 * signed with a fresh RSA key and carrying the `groups` claim, and a login page of its own (user name
 * and password checked against `users`). Consent is granted on the person's behalf (a first-party
 * client), so a sign-in is: the login page, then back to the console.
 */
export async function startTestIdp(options: TestIdpOptions): Promise<TestIdp> {
  // the issuer names the port: listen on one the OS picks first, then make the provider
  let handle = (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(503).end();
  const server: Server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const subjectOf = (login: string) => `sub-${login}`;
  const loginOf = (sub: string) => (sub.startsWith('sub-') ? sub.slice(4) : null);
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [{
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [{ ...signingKey, kid: 'test-idp', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['test-idp-cookie-key-0123456789abcdef'] },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    claims: { openid: ['sub', 'groups'] },
    // the groups go into the ID token itself (the console reads the ID token's claims)
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => {
      const login = loginOf(sub);
      const user = login === null ? undefined : options.users[login];
      if (!user) return undefined;
      return { accountId: sub, claims: async () => ({ sub, groups: [...user.groups] }) };
    },
    loadExistingGrant: async (ctx: any) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid');
      await grant.save();
      return grant;
    },
  } as never);

  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'POST') {
      const form = new URLSearchParams(await body(req));
      const login = form.get('login') ?? '';
      const user = Object.prototype.hasOwnProperty.call(options.users, login) ? options.users[login] : undefined;
      if (!user || user.password !== form.get('password')) return page(res, 401, details.uid, 'Wrong user name or password.');
      await provider.interactionFinished(req, res, { login: { accountId: subjectOf(login) } }, { mergeWithLastSubmission: false });
      return;
    }
    return page(res, 200, details.uid, null);
  };

  const callback = provider.callback();
  handle = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((e: Error) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${e.message}`);
      });
      return;
    }
    void callback(req, res);
  };
  return {
    issuer,
    subjectOf,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function page(res: ServerResponse, status: number, uid: string, error: string | null): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head><body><main>
<h1>Test identity provider: sign in</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">User name</label> <input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></main></body></html>`);
}
