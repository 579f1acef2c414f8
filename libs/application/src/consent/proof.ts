import { createHash } from 'node:crypto';
import { invalid, consent } from '@pl/domain';
import { CONSENT_METADATA_MAX_BYTES } from '@pl/domain/law/consent';

const PROOF_KEYS = ['notice_id', 'notice_version', 'notice_text', 'notice_hash', 'privacy_policy_version', 'method', 'channel', 'page', 'language', 'collected_by', 'collecting_service', 'ip_address', 'user_agent'] as const;

const str = (v: unknown, field: string, max = 512): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > max) throw invalid(`consent_metadata.${field} must be a string of at most ${max} characters`, { field: `consent_metadata.${field}` });
  return v;
};

/**
 * Proof of consent (Art. 7(1)) from `consent_metadata`: the notice text is hashed (SHA-256) and not
 * stored; the page keeps its path only (query strings can carry identifiers); the IP address, user
 * agent and every other key (free text) are personal and get encrypted by the store.
 */
export function proofFrom(metadata: Record<string, unknown> | undefined, fallback: { collected_by: string }): { proof: consent.ConsentProof; extra: Record<string, unknown> | null } {
  const m = metadata ?? {};
  const size = Buffer.byteLength(JSON.stringify(m), 'utf8');
  if (size > CONSENT_METADATA_MAX_BYTES) throw invalid(`consent_metadata is ${size} bytes; at most ${CONSENT_METADATA_MAX_BYTES} are accepted`, { field: 'consent_metadata' });
  const noticeText = str(m.notice_text, 'notice_text', CONSENT_METADATA_MAX_BYTES);
  const givenHash = str(m.notice_hash, 'notice_hash', 128);
  if (givenHash && !/^[a-f0-9]{64}$/i.test(givenHash)) throw invalid('consent_metadata.notice_hash must be a SHA-256 hex digest', { field: 'consent_metadata.notice_hash' });
  const computed = noticeText !== null ? createHash('sha256').update(noticeText, 'utf8').digest('hex') : null;
  if (computed && givenHash && computed !== givenHash.toLowerCase()) throw invalid('consent_metadata.notice_hash does not match notice_text', { field: 'consent_metadata.notice_hash' });
  const page = str(m.page, 'page', 2048);
  const ip = str(m.ip_address, 'ip_address', 64);
  if (ip && !/^[0-9a-fA-F:.]{2,64}$/.test(ip)) throw invalid('consent_metadata.ip_address is not an IP address', { field: 'consent_metadata.ip_address' });
  const proof: consent.ConsentProof = {
    notice_id: str(m.notice_id, 'notice_id', 128),
    notice_version: str(m.notice_version, 'notice_version', 64),
    notice_hash: computed ?? givenHash?.toLowerCase() ?? null,
    privacy_policy_version: str(m.privacy_policy_version, 'privacy_policy_version', 64),
    method: str(m.method, 'method', 64),
    channel: str(m.channel, 'channel', 64),
    page: page ? page.replace(/[?#].*$/, '') : null,
    language: str(m.language, 'language', 35),
    collected_by: str(m.collected_by, 'collected_by', 128) ?? str(m.collecting_service, 'collecting_service', 128) ?? fallback.collected_by,
    ip_address: ip,
    user_agent: str(m.user_agent, 'user_agent', 1024),
  };
  const rest = Object.fromEntries(Object.entries(m).filter(([k]) => !(PROOF_KEYS as readonly string[]).includes(k)));
  return { proof, extra: Object.keys(rest).length ? rest : null };
}
