import { createServer, type Server } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CA_SETTING, OutboundPolicy, readCaFile, sendOutbound, type OutboundResult } from '@pl/outbound';
import { answers } from '../../../test/support/outbound';
import { testPki, type TestPki } from '../../../test/support/tls';

// HTTPS through the pinned connection (ARCHITECTURE invariant 14). Every receiver listens on 127.0.0.1;
// `hooks.test` reaches it only through an injected resolver and an allow-list naming it.
describe('sendOutbound over HTTPS (loopback TLS receivers, certificates from a test CA)', () => {
  let pki: TestPki;
  const servers: Server[] = [];
  beforeAll(() => (pki = testPki()));
  afterAll(() => (servers.forEach((s) => (s.closeAllConnections(), s.close())), pki.dispose()));

  interface Hit { servername: string | false | null; host: string | undefined }

  async function tlsReceiver(credentials: { key: string; cert: string }): Promise<{ port: number; hits: Hit[] }> {
    const hits: Hit[] = [];
    const server = createServer(credentials, (req, res) => {
      hits.push({ servername: (req.socket as TLSSocket).servername, host: req.headers.host });
      res.writeHead(200).end('ok');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as AddressInfo).port, hits };
  }

  const get = { method: 'GET' as const, timeoutMs: 3000 };
  const byName = (extraCa?: string[]) => OutboundPolicy.fromSetting('hooks.test', answers(['127.0.0.1']), extraCa);

  /** What a caller may see of a failure: the class only, no certificate, name or TLS message. */
  function expectGenericFailure(r: OutboundResult, code: string): void {
    expect(r).toEqual({ outcome: 'connection_failed', ok: false, status: null, body: null, remoteAddress: null, errorCode: code });
    const shown = JSON.stringify({ ...r, errorCode: undefined });
    expect(shown).not.toMatch(/other\.test|altname|certificate|self.signed|issuer|127\.0\.0\.1/i);
  }

  it('reaches the receiver by its name through the vetted address: SNI and Host are the name, the certificate is checked against it', async () => {
    const got = await tlsReceiver(pki.issue('hooks.test'));
    const r = await sendOutbound(byName([pki.caPem]), `https://hooks.test:${got.port}/in`, get);
    expect(r).toMatchObject({ outcome: 'http_200', ok: true, status: 200, remoteAddress: '127.0.0.1' });
    expect(r.body?.toString()).toBe('ok');
    expect(got.hits).toEqual([{ servername: 'hooks.test', host: `hooks.test:${got.port}` }]);
  });

  it('a certificate for another name fails as connection_failed before any request is sent', async () => {
    const got = await tlsReceiver(pki.issue('other.test'));
    expectGenericFailure(await sendOutbound(byName([pki.caPem]), `https://hooks.test:${got.port}/in`, get), 'ERR_TLS_CERT_ALTNAME_INVALID');
    expect(got.hits).toEqual([]);
  });

  it("a caller's Host header changes neither the name sent in SNI nor the name the certificate is checked against", async () => {
    const other = await tlsReceiver(pki.issue('other.test'));
    const asOther = { ...get, headers: { Host: 'other.test' } };
    expectGenericFailure(await sendOutbound(byName([pki.caPem]), `https://hooks.test:${other.port}/in`, asOther), 'ERR_TLS_CERT_ALTNAME_INVALID');
    expect(other.hits).toEqual([]);

    const hooks = await tlsReceiver(pki.issue('hooks.test'));
    expect(await sendOutbound(byName([pki.caPem]), `https://hooks.test:${hooks.port}/in`, asOther)).toMatchObject({ outcome: 'http_200' });
    expect(hooks.hits).toEqual([{ servername: 'hooks.test', host: `hooks.test:${hooks.port}` }]);
  });

  it('trusts a CA only when the operator configures it; a self-signed certificate is never trusted', async () => {
    const got = await tlsReceiver(pki.issue('hooks.test'));
    expectGenericFailure(await sendOutbound(byName(), `https://hooks.test:${got.port}/in`, get), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const self = await tlsReceiver(pki.selfSigned('hooks.test'));
    expectGenericFailure(await sendOutbound(byName([pki.caPem]), `https://hooks.test:${self.port}/in`, get), 'DEPTH_ZERO_SELF_SIGNED_CERT');
    expect([...got.hits, ...self.hits]).toEqual([]);
  });

  it('the operator CA is added to the public roots, not in place of them', () => {
    const policy = byName([pki.caPem]);
    expect(policy.ca).toContain(pki.caPem);
    expect(policy.ca!.length).toBeGreaterThan(100);
    expect(byName().ca).toBeUndefined();
  });

  it('an address URL is checked against the address: a certificate naming only hooks.test fails for https://127.0.0.1', async () => {
    const got = await tlsReceiver(pki.issue('hooks.test'));
    const r = await sendOutbound(OutboundPolicy.fromSetting('127.0.0.1/32', answers([]), [pki.caPem]), `https://127.0.0.1:${got.port}/in`, get);
    expectGenericFailure(r, 'ERR_TLS_CERT_ALTNAME_INVALID');
    expect(got.hits).toEqual([]);
  });

  it(`${CA_SETTING}: reads every certificate of the file; an unreadable, empty or corrupt file is refused without quoting it`, () => {
    expect(readCaFile(pki.caFile)).toEqual([pki.caPem.trim()]);
    const bundle = join(pki.caFile, '..', 'bundle.pem');
    writeFileSync(bundle, `# internal roots\n${pki.caPem}\n${pki.issue('intermediate.test').cert}`);
    expect(readCaFile(bundle)).toHaveLength(2);
    const bad = join(pki.caFile, '..', 'bad.pem');
    writeFileSync(bad, 'secret_value');
    expect(() => readCaFile(bad)).toThrow(`${CA_SETTING}: the file holds no PEM certificate`);
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nc2VjcmV0X3ZhbHVl\n-----END CERTIFICATE-----\n');
    expect(() => readCaFile(bad)).toThrow(`${CA_SETTING}: certificate 1 of the file does not parse`);
    expect(() => readCaFile(join(pki.caFile, '..', 'missing.pem'))).toThrow(`${CA_SETTING}: the file cannot be read`);
  });
});
