import type { AppConfig } from '../../common/config';
import type { ApiKeyStore } from './platform/auth/api-keys';

/**
 * ADMIN_API_KEY bootstraps an admin key. With no key at all (fresh embedded default) an admin key
 * is created, its hash stored, and the key returned once for printing.
 */
export async function bootstrapAdminKey(config: AppConfig, keys: ApiKeyStore): Promise<string | null> {
  if (config.adminApiKey) {
    await keys.ensure(config.adminApiKey, 'bootstrap admin (ADMIN_API_KEY)', ['admin']);
    return null;
  }
  if ((await keys.count()) > 0) return null;
  const { key } = await keys.create('bootstrap admin (first start)', ['admin']);
  return key;
}
