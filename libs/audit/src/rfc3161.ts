import { X509Certificate, createHash, verify as verifySignature } from 'node:crypto';
import { children, content, DerError, expectTag, integerMagnitude, oidText, readTlv, sequence, smallInteger, tlv, unsignedInteger, whole, type Tlv } from './der';

/**
 * RFC 3161 time-stamp protocol, the parts a client needs: a TimeStampReq over a SHA-256 digest
 * (with a nonce and certReq so the token carries the TSA certificate), and the checks on the
 * answer: status granted, message imprint and nonce echoed, the CMS signature valid under the
 * TSA certificate, which must be for time stamping (RFC 3161 2.3: extendedKeyUsage timeStamping).
 */
const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
};
const DIGESTS: Record<string, string> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
const SHA256_ALGORITHM = sequence(Buffer.from('0609608648016503040201', 'hex'), Buffer.from('0500', 'hex'));

export class TimestampError extends Error {}

export function timestampRequest(sha256: Buffer, nonce: Buffer): Buffer {
  if (sha256.length !== 32) throw new TimestampError('the message imprint must be a SHA-256 digest');
  return sequence(tlv(0x02, Buffer.from([1])), sequence(SHA256_ALGORITHM, tlv(0x04, sha256)), unsignedInteger(nonce), tlv(0x01, Buffer.from([0xff])));
}

/** The token (a CMS ContentInfo) of a granted response; throws with the PKIStatus otherwise. */
export function tokenOfResponse(der: Buffer): Buffer {
  try {
    const [status, token] = children(expectTag(readTlv(der), 0x30, 'TimeStampResp'));
    const code = smallInteger(children(expectTag(status, 0x30, 'PKIStatusInfo'))[0]);
    // 0 granted, 1 grantedWithMods; anything else is a refusal (RFC 3161 2.4.2)
    if (code > 1) throw new TimestampError(`the TSA refused the request (PKIStatus ${code})`);
    if (!token) throw new TimestampError('the TSA answer carries no token');
    return Buffer.from(whole(token));
  } catch (e) {
    throw e instanceof DerError ? new TimestampError(`not a TimeStampResp: ${e.message}`) : e;
  }
}

export interface TimestampInfo {
  readonly genTime: string;
  readonly serial: string;
  readonly policy: string;
  /** Subject of the TSA certificate that signed the token. */
  readonly tsa: string;
}

export interface TimestampCheck {
  /** SHA-256 the token must cover. */
  readonly sha256: Buffer;
  /** The nonce sent, when known (the service stores it with the token). */
  readonly nonce?: Buffer;
  /** PEM of the CA the TSA certificate must be issued by; without it only the token's own certificate is used. */
  readonly caCertPem?: string;
}

/** Checks a token and returns what it attests; throws TimestampError naming the first failure. */
export function verifyTimestampToken(token: Buffer, check: TimestampCheck): TimestampInfo {
  try {
    return verifyToken(token, check);
  } catch (e) {
    throw e instanceof DerError ? new TimestampError(`malformed token: ${e.message}`) : e;
  }
}

function verifyToken(token: Buffer, check: TimestampCheck): TimestampInfo {
  const [ctype, wrapped] = children(expectTag(readTlv(token), 0x30, 'ContentInfo'));
  if (oidText(ctype) !== OID.signedData) throw new TimestampError('the token is not CMS SignedData');
  const signedData = children(expectTag(children(expectTag(wrapped, 0xa0, 'content'))[0], 0x30, 'SignedData'));
  const encap = children(expectTag(signedData[2], 0x30, 'EncapsulatedContentInfo'));
  if (oidText(encap[0]) !== OID.tstInfo) throw new TimestampError('the token does not hold a TSTInfo');
  const tstInfoDer = content(expectTag(children(expectTag(encap[1], 0xa0, 'eContent'))[0], 0x04, 'eContent'));
  const info = parseTstInfo(readTlv(tstInfoDer));
  if (info.digestOid !== OID.sha256 || !info.hashed.equals(check.sha256)) throw new TimestampError('the token does not cover this head (message imprint differs)');
  if (check.nonce && (!info.nonce || !info.nonce.equals(integerMagnitude(readTlv(unsignedInteger(check.nonce)))))) throw new TimestampError('the token does not echo the nonce sent');
  const certs = signedData.find((t) => t.tag === 0xa0);
  const signerInfos = children(expectTag(signedData[signedData.length - 1], 0x31, 'SignerInfos'));
  if (signerInfos.length !== 1) throw new TimestampError('the token must have exactly one signer');
  const si = children(expectTag(signerInfos[0], 0x30, 'SignerInfo'));
  const cert = signerCertificate(certs ? children(certs) : [], si[1]);
  if (!cert.keyUsage?.includes(OID.timeStamping)) throw new TimestampError('the signing certificate is not for time stamping');
  if (check.caCertPem) {
    const ca = new X509Certificate(check.caCertPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new TimestampError('the TSA certificate is not issued by the given CA');
  }
  const digest = DIGESTS[oidText(children(expectTag(si[2], 0x30, 'digestAlgorithm'))[0])];
  if (!digest) throw new TimestampError('unsupported digest algorithm in the token');
  const attrs = expectTag(si[3], 0xa0, 'signedAttrs');
  const digestAttr = attributeValue(attrs, OID.messageDigest);
  if (!digestAttr || !content(expectTag(digestAttr, 0x04, 'messageDigest')).equals(createHash(digest).update(tstInfoDer).digest())) {
    throw new TimestampError('the signed attributes do not match the TSTInfo');
  }
  const ct = attributeValue(attrs, OID.contentType);
  if (!ct || oidText(ct) !== OID.tstInfo) throw new TimestampError('the signed content type is not TSTInfo');
  // the signature covers the attributes DER-encoded as a SET (RFC 5652 5.4), not with the [0] tag
  const signed = Buffer.from(whole(attrs));
  signed[0] = 0x31;
  const signature = content(expectTag(si[5], 0x04, 'signature'));
  const keyType = cert.publicKey.asymmetricKeyType;
  const ok = verifySignature(keyType === 'ed25519' || keyType === 'ed448' ? null : digest, signed, cert.publicKey, signature);
  if (!ok) throw new TimestampError('the TSA signature does not verify');
  return { genTime: info.genTime, serial: info.serial, policy: info.policy, tsa: cert.subject.replace(/\n/g, ', ') };
}

function parseTstInfo(t: Tlv) {
  const f = children(expectTag(t, 0x30, 'TSTInfo'));
  const imprint = children(expectTag(f[2], 0x30, 'MessageImprint'));
  let nonce: Buffer | null = null;
  for (const x of f.slice(5)) if (x.tag === 0x02) nonce = integerMagnitude(x);
  return {
    policy: oidText(f[1]),
    digestOid: oidText(children(expectTag(imprint[0], 0x30, 'hashAlgorithm'))[0]),
    hashed: content(expectTag(imprint[1], 0x04, 'hashedMessage')),
    serial: integerMagnitude(f[3]).toString('hex'),
    genTime: generalizedTime(content(expectTag(f[4], 0x18, 'genTime')).toString('latin1')),
    nonce,
  };
}

/** `YYYYMMDDHHMMSS[.f]Z` as ISO-8601. */
function generalizedTime(s: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
  if (!m) throw new TimestampError('genTime is not a UTC GeneralizedTime');
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`).toISOString();
}

function attributeValue(attrs: Tlv, oid: string): Tlv | null {
  for (const a of children(attrs)) {
    const [type, values] = children(expectTag(a, 0x30, 'Attribute'));
    if (oidText(type) === oid) return children(expectTag(values, 0x31, 'AttributeValues'))[0] ?? null;
  }
  return null;
}

/** The certificate named by the signer identifier (issuer and serial; a lone certificate otherwise). */
function signerCertificate(certs: Tlv[], sid: Tlv): X509Certificate {
  const all = certs.filter((c) => c.tag === 0x30).map((c) => new X509Certificate(whole(c)));
  if (!all.length) throw new TimestampError('the token carries no TSA certificate (certReq)');
  if (sid.tag === 0x30) {
    const serial = integerMagnitude(children(sid)[1]).toString('hex').toUpperCase();
    const found = all.find((c) => c.serialNumber.toUpperCase().replace(/^0+(?=.)/, '') === serial.replace(/^0+(?=.)/, ''));
    if (found) return found;
  }
  if (all.length === 1) return all[0];
  throw new TimestampError('no certificate in the token matches its signer');
}
