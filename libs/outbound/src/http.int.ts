import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeRequest, OutboundPolicy, sendOutbound, type RequestFn } from '@pl/outbound';
import { answers as sequence } from '../../../test/support/outbound';

// Every request here goes to 127.0.0.1 (allow-listed explicitly). Private and link-local answers come
// from injected resolvers, and the recording RequestFn proves no socket was opened for them.
describe('sendOutbound: pinned, vetted HTTP calls (loopback only)', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));

  async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void, host = '127.0.0.1'): Promise<{ port: number; hits: IncomingMessage[] }> {
    const hits: IncomingMessage[] = [];
    const server = createServer((req, res) => (hits.push(req), handle(req, res)));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, host, r));
    return { port: (server.address() as AddressInfo).port, hits };
  }

  function recording(): { open: RequestFn; opened: Array<{ hostname?: string | null; port?: unknown }> } {
    const opened: Array<{ hostname?: string | null; port?: unknown }> = [];
    return { opened, open: (o) => (opened.push({ hostname: o.hostname, port: o.port }), nodeRequest(o)) };
  }

  const post = { method: 'POST' as const, body: '{}', headers: { 'content-type': 'application/json' }, timeoutMs: 2000 };

  it('refuses names resolving to link-local, private or ULA addresses before any socket is opened', async () => {
    for (const answer of ['169.254.169.254', '10.0.0.5', 'fd00::1', '100.64.1.1']) {
      const { open, opened } = recording();
      const r = await sendOutbound(OutboundPolicy.fromSetting('127.0.0.1/32', sequence([answer])), 'http://hooks.test/x', post, open);
      expect(r).toMatchObject({ outcome: 'refused_destination', ok: false, status: null, remoteAddress: null });
      expect(opened).toEqual([]);
    }
    const { open, opened } = recording();
    expect((await sendOutbound(OutboundPolicy.fromSetting(null), 'http://169.254.169.254/latest/meta-data/', post, open)).outcome).toBe('refused_destination');
    expect(opened).toEqual([]);
  });

  it('connects only to the address it vetted: a second, rebinding DNS answer is never used', async () => {
    const got = await receiver((_req, res) => res.writeHead(204).end());
    // first answer loopback (allow-listed), every later one the metadata address
    const resolver = sequence(['127.0.0.1'], ['169.254.169.254']);
    const { open, opened } = recording();
    const r = await sendOutbound(OutboundPolicy.fromSetting('127.0.0.1/32', resolver), `http://hooks.test:${got.port}/in`, post, open);
    expect(r).toMatchObject({ outcome: 'http_204', ok: true, status: 204, remoteAddress: '127.0.0.1' });
    expect(resolver.calls).toBe(1);
    expect(opened).toEqual([{ hostname: 'hooks.test', port: String(got.port) }]);
    expect(got.hits.map((h) => h.headers.host)).toEqual([`hooks.test:${got.port}`]);

    // the next call resolves again and is refused: nothing reaches the receiver
    const again = await sendOutbound(OutboundPolicy.fromSetting('127.0.0.1/32', resolver), `http://hooks.test:${got.port}/in`, post, open);
    expect(again.outcome).toBe('refused_destination');
    expect(opened).toHaveLength(1);
    expect(got.hits).toHaveLength(1);
  });

  it('does not follow a redirect to the metadata address', async () => {
    const got = await receiver((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    const { open, opened } = recording();
    const r = await sendOutbound(OutboundPolicy.fromSetting('127.0.0.1/32'), `http://127.0.0.1:${got.port}/in`, post, open);
    expect(r).toMatchObject({ outcome: 'http_302', ok: false, status: 302 });
    expect(opened).toEqual([{ hostname: '127.0.0.1', port: String(got.port) }]);
    expect(got.hits).toHaveLength(1);
  });

  it('reports connection failures and timeouts as classes; the low-level code stays in errorCode', async () => {
    const closed = await receiver(() => undefined);
    const s = servers.pop()!;
    await new Promise((r) => s.close(r));
    const policy = OutboundPolicy.fromSetting('127.0.0.1/32');
    const refused = await sendOutbound(policy, `http://127.0.0.1:${closed.port}/`, post);
    expect(refused).toMatchObject({ outcome: 'connection_failed', ok: false, errorCode: 'ECONNREFUSED' });

    const hanging = await receiver(() => undefined);
    const t0 = Date.now();
    expect(await sendOutbound(policy, `http://127.0.0.1:${hanging.port}/`, { ...post, timeoutMs: 300 })).toMatchObject({ outcome: 'timeout', ok: false });
    expect(Date.now() - t0).toBeLessThan(2000);

    const big = await receiver((_req, res) => res.writeHead(200).end(Buffer.alloc(4096)));
    expect((await sendOutbound(policy, `http://127.0.0.1:${big.port}/`, { ...post, maxResponseBytes: 1024 })).outcome).toBe('response_too_large');
    const fine = await sendOutbound(policy, `http://127.0.0.1:${big.port}/`, post);
    expect(fine).toMatchObject({ outcome: 'http_200', ok: true });
    expect(fine.body).toHaveLength(4096);
  });

  it('pins IPv6 answers too: a name resolving to ::1 (allow-listed) reaches the receiver; ::1 alone is not enough for ::ffff:127.0.0.1', async () => {
    const got = await receiver((_req, res) => res.writeHead(200).end(), '::1');
    const policy = OutboundPolicy.fromSetting('::1', sequence(['::1']));
    expect(await sendOutbound(policy, `http://hooks6.test:${got.port}/`, post)).toMatchObject({ outcome: 'http_200', remoteAddress: '::1' });
    expect(await sendOutbound(policy, `http://[::1]:${got.port}/`, post)).toMatchObject({ outcome: 'http_200', remoteAddress: '::1' });
    const { open, opened } = recording();
    expect((await sendOutbound(policy, `http://[::ffff:127.0.0.1]:${got.port}/`, post, open)).outcome).toBe('refused_destination');
    expect(opened).toEqual([]);
    expect(got.hits.map((h) => h.headers.host)).toEqual([`hooks6.test:${got.port}`, `[::1]:${got.port}`]);
  });

  it('refuses loopback without the allow-list', async () => {
    const got = await receiver((_req, res) => res.writeHead(200).end());
    const { open, opened } = recording();
    expect((await sendOutbound(OutboundPolicy.fromSetting(null), `http://127.0.0.1:${got.port}/`, post, open)).outcome).toBe('refused_destination');
    expect((await sendOutbound(OutboundPolicy.fromSetting(null, sequence(['127.0.0.1'])), `http://localhost:${got.port}/`, post, open)).outcome).toBe('refused_destination');
    expect(opened).toEqual([]);
    expect(got.hits).toEqual([]);
  });
});
