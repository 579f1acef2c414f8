import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/** The operator's setting: a PEM file of CA certificates trusted for outbound HTTPS beside Node's bundled roots. */
export const CA_SETTING = 'OUTBOUND_CA_FILE';

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads the certificates of an internal CA (receivers or a timestamp authority behind a company CA).
 * Throws naming the setting, never the file's content. Every certificate must parse.
 */
export function readCaFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${CA_SETTING}: the file cannot be read`);
  }
  const pems = text.match(PEM) ?? [];
  if (!pems.length) throw new Error(`${CA_SETTING}: the file holds no PEM certificate`);
  pems.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch {
      throw new Error(`${CA_SETTING}: certificate ${i + 1} of the file does not parse`);
    }
  });
  return pems;
}

/**
 * What `ca` to give an HTTPS request: undefined keeps Node's default store; with extra CAs the bundled
 * roots are listed too, because a `ca` option replaces the default store instead of adding to it.
 */
export function trustStore(extraCa: readonly string[] | null | undefined): string[] | undefined {
  return extraCa?.length ? [...rootCertificates, ...extraCa] : undefined;
}
