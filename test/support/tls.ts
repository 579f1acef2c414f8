import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  /** PEM of the test CA (what an operator puts in OUTBOUND_CA_FILE). */
  readonly caPem: string;
  readonly caFile: string;
  /** Key and certificate for a host name, signed by the test CA (subjectAltName = that name). */
  issue(hostname: string): { key: string; cert: string };
  /** A self-signed certificate for the name, from no CA anyone trusts. */
  selfSigned(hostname: string): { key: string; cert: string };
  dispose(): void;
}

/** A throw-away CA made with the openssl CLI in a temp directory; certificates live a day. */
export function testPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'pl-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=privacy-ledger test CA');
  let n = 0;
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    caPem: read('ca.pem'),
    caFile: join(dir, 'ca.pem'),
    issue(hostname) {
      const id = `leaf${++n}`;
      writeFileSync(join(dir, `${id}.ext`), `subjectAltName=DNS:${hostname}\n`);
      ssl('req', ...ec, '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', `/CN=${hostname}`);
      ssl('x509', '-req', '-in', `${id}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${id}.pem`, '-days', '1', '-extfile', `${id}.ext`);
      return { key: read(`${id}.key`), cert: read(`${id}.pem`) };
    },
    selfSigned(hostname) {
      const id = `self${++n}`;
      ssl('req', '-x509', ...ec, '-keyout', `${id}.key`, '-out', `${id}.pem`, '-days', '1', '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`);
      return { key: read(`${id}.key`), cert: read(`${id}.pem`) };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
