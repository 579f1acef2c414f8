import type { Infrastructure } from '../../../common/infrastructure';
import { ApiKeyStore } from '../../../api/src/platform/auth/api-keys';
import { SCOPES } from '../../../api/src/platform/auth/scopes';
import { closeSharedRedis, connectSharedRedis } from '../../../api/src/platform/shared/redis';
import { action, defineCommand } from '../command';

async function keyStore(infra: Infrastructure | null): Promise<ApiKeyStore> {
  const store = new ApiKeyStore(infra!.db);
  await store.init();
  return store;
}

export const keysCommand = defineCommand({
  name: 'keys',
  summary: 'create, list and revoke API keys',
  subcommands: {
    create: action({
      summary: 'create an API key; prints it once',
      options: {
        name: { type: 'string', required: true, description: 'what the key is for (shown by keys list)' },
        scopes: { type: 'string', value: 'scope', multiple: true, required: true, description: 'its scopes (keys scopes lists them)' },
      },
      json: true,
      needsInfra: true,
      async run({ values }, io, infra) {
        const store = await keyStore(infra);
        try {
          const { key, record } = await store.create(values.name!, values.scopes!.filter(Boolean));
          return {
            json: { id: record.id, name: record.name, scopes: record.scopes, created_at: record.createdAt, key },
            text: [`created key ${record.id} (${record.scopes.join(', ')})`, 'the key is shown only now; store it safely:', key],
          };
        } catch (e) {
          // the one scope check (ApiKeyStore.create): "unknown scopes: ..."
          io.err(`keys create: ${(e as Error).message}`);
          return 2;
        }
      },
    }),
    list: action({
      summary: 'id, active/REVOKED, scopes, name, created',
      json: true,
      needsInfra: true,
      async run(_input, _io, infra) {
        const keys = await (await keyStore(infra)).list();
        return {
          json: { keys: keys.map((k) => ({ id: k.id, name: k.name, scopes: k.scopes, created_at: k.createdAt, revoked_at: k.revokedAt })) },
          text: keys.map((k) => `${k.id}  ${k.revokedAt ? 'REVOKED' : 'active '}  ${k.scopes.join(',')}  ${k.name}  created ${k.createdAt}`),
        };
      },
    }),
    revoke: action({
      summary: 'revoke an API key (exit 1 when no active key has that id)',
      positionals: [{ name: 'key-id', description: 'the id keys list shows', required: true }],
      json: true,
      needsInfra: true,
      async run({ positionals: [id] }, io, infra) {
        await keyStore(infra);
        // With REDIS_URL the API instances' shared key cache entry is deleted too: refused at once.
        const redis = await connectSharedRedis(infra!.config.redisUrl);
        try {
          if (redis && !redis.isReady) io.err('REDIS_URL unreachable: API instances refuse the key within API_KEY_CACHE_TTL_MS');
          const ok = await new ApiKeyStore(infra!.db, undefined, redis).revoke(id);
          return { code: ok ? 0 : 1, json: { id, revoked: ok }, text: [ok ? `revoked ${id}` : `no active key ${id}`] };
        } finally {
          if (redis) await closeSharedRedis(redis);
        }
      },
    }),
    scopes: action({
      summary: 'the scope table (no database needed)',
      json: true,
      needsInfra: false,
      async run() {
        return { json: { scopes: SCOPES }, text: Object.entries(SCOPES).map(([scope, what]) => `${scope.padEnd(18)} ${what}`) };
      },
    }),
  },
});
