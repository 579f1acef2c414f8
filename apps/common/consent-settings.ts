import { catalog } from '@pl/domain';
import { DEFAULT_TCF_PURPOSE_MAP, expiryPolicy, type ExpiryPolicy } from '@pl/domain/law/consent';

/** `CONSENT_EXPIRY_MONTHS=12` and `CONSENT_EXPIRY_MONTHS_BY_PURPOSE=marketing=6,analytics=13`. */
export function expiryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ExpiryPolicy {
  const overrides: Record<string, number> = {};
  for (const pair of (env.CONSENT_EXPIRY_MONTHS_BY_PURPOSE ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = pair.split('=');
    overrides[catalog.resolvePurpose(k.trim())] = Number(v);
  }
  return expiryPolicy(overrides, env.CONSENT_EXPIRY_MONTHS ? Number(env.CONSENT_EXPIRY_MONTHS) : undefined);
}

/**
 * TCF purpose id -> internal purposes: the default map (law/consent.ts) overridden per purpose id by
 * `CONSENT_TCF_PURPOSE_MAP`, JSON like `{"1":["custom.device_storage"],"9":[]}` (keys resolved
 * against the taxonomy at start-up).
 */
export function tcfPurposeMapFromEnv(env: NodeJS.ProcessEnv = process.env): Readonly<Record<number, readonly string[]>> {
  const raw = env.CONSENT_TCF_PURPOSE_MAP?.trim();
  if (!raw) return DEFAULT_TCF_PURPOSE_MAP;
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  const out: Record<number, readonly string[]> = { ...DEFAULT_TCF_PURPOSE_MAP };
  for (const [id, purposes] of Object.entries(parsed)) {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 1 || n > 24 || !Array.isArray(purposes)) throw new Error('CONSENT_TCF_PURPOSE_MAP: keys are TCF purpose ids 1..24, values arrays of purpose keys');
    out[n] = purposes.map((p) => catalog.resolvePurpose(String(p)));
  }
  return out;
}
