import type { Logger } from 'pino';
import type { Infrastructure } from './infrastructure';

export interface KeyStoreNotice {
  readonly level: 'warn' | 'info';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/**
 * What an operator must know at start-up about where the data keys live and which master keys wrap
 * them: an erasure reaches a backup only once no copy of the subject's key can be unwrapped
 * (docs/rights.md, "Erasure and backups"). Ids and counts only, never a key.
 */
export async function keyStoreNotices(infra: Infrastructure): Promise<KeyStoreNotice[]> {
  const notices: KeyStoreNotice[] = [];
  if (infra.keysDb === infra.db && infra.config.eventStore !== 'eventstoredb') {
    notices.push({
      level: 'warn',
      message:
        'the subject data keys are kept in the log database (KEYSTORE_DATABASE_URL unset): every backup of that database carries the keys, so an erasure reaches a backup only when the backup is destroyed',
      fields: { key_store: 'log database' },
    });
  }
  for (const use of await infra.keys.inventory()) {
    const fields = { master_key_id: use.masterKeyId, data_keys: use.dataKeys };
    if (use.status === 'unknown') {
      notices.push({ level: 'warn', message: 'data keys are wrapped by a master key that is not configured: their subjects cannot be read (add it to MASTER_KEYS_PREVIOUS and run `cli rewrap-keys`)', fields });
    } else if (use.status === 'previous' && use.dataKeys > 0) {
      notices.push({ level: 'warn', message: 'data keys are still wrapped by a previous master key: run `cli rewrap-keys`', fields });
    } else if (use.status === 'previous') {
      notices.push({ level: 'info', message: 'a previous master key wraps no data key any more: remove it from MASTER_KEYS_PREVIOUS and destroy it', fields });
    }
  }
  return notices;
}

export async function logKeyStoreNotices(infra: Infrastructure, logger: Logger): Promise<void> {
  for (const n of await keyStoreNotices(infra)) logger[n.level](n.fields, n.message);
}
