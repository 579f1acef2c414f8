import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalTsa {
  readonly url: string;
  /** PEM of the throwaway CA that issued the TSA certificate. */
  readonly caCertPem: string;
  /** Requests answered so far. */
  requests(): number;
  /** While true, answers 503 (a TSA outage). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * A real RFC 3161 authority for tests: `openssl ts -reply` behind a tiny HTTP server on 127.0.0.1,
 * with a throwaway CA and a TSA certificate (extendedKeyUsage critical,timeStamping) made with the
 * openssl CLI in a temporary directory.
 */
export async function startLocalTsa(port = 0): Promise<LocalTsa> {
  const dir = mkdtempSync(join(tmpdir(), 'pl-tsa-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=privacy-ledger test CA', '-days', '2');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=privacy-ledger test TSA');
  writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=critical,timeStamping\n');
  ssl('x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tsa.crt', '-days', '2', '-extfile', 'ext.cnf');
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.crt',
      'certs = $dir/ca.crt',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.99999.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  let count = 0;
  let down = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (down || req.method !== 'POST') return void res.writeHead(down ? 503 : 405).end();
      const id = randomUUID();
      const [q, r] = [join(dir, `${id}.tsq`), join(dir, `${id}.tsr`)];
      writeFileSync(q, Buffer.concat(chunks));
      run('openssl', ['ts', '-reply', '-config', join(dir, 'tsa.cnf'), '-queryfile', q, '-out', r], { cwd: dir })
        .then(() => {
          count++;
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(r));
        })
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}/tsa`,
    caCertPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    requests: () => count,
    setDown: (d) => void (down = d),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
