import { ApiKeyStore } from '../../../api/src/platform/auth/api-keys';
import { SCOPES } from '../../../api/src/platform/auth/scopes';
import { closeSharedRedis, connectSharedRedis } from '../../../api/src/platform/shared/redis';
import { parseArgs, type CliCommand } from '../command';

export const keysCommand: CliCommand = {
  name: 'keys',
  summary: 'create, list and revoke API keys',
  usage: 'keys create --name <name> --scopes <scope,scope> | keys list | keys revoke <key-id> | keys scopes',
  needsInfra: (args) => args[0] !== 'scopes',
  async run(args, io, infra) {
    const { positional, flags } = parseArgs(args);
    if (positional[0] === 'scopes') {
      for (const [scope, what] of Object.entries(SCOPES)) io.out(`${scope.padEnd(18)} ${what}`);
      return 0;
    }
    const store = new ApiKeyStore(infra!.db);
    await store.init();
    switch (positional[0]) {
      case 'create': {
        const name = typeof flags.name === 'string' ? flags.name : null;
        const scopes = typeof flags.scopes === 'string' ? flags.scopes.split(',').map((s) => s.trim()).filter(Boolean) : [];
        if (!name || !scopes.length) {
          io.err(`usage: ${this.usage}`);
          return 2;
        }
        try {
          const { key, record } = await store.create(name, scopes);
          io.out(`created key ${record.id} (${record.scopes.join(', ')})`);
          io.out('the key is shown only now; store it safely:');
          io.out(key);
          return 0;
        } catch (e) {
          io.err((e as Error).message);
          return 2;
        }
      }
      case 'list':
        for (const k of await store.list()) io.out(`${k.id}  ${k.revokedAt ? 'REVOKED' : 'active '}  ${k.scopes.join(',')}  ${k.name}  created ${k.createdAt}`);
        return 0;
      case 'revoke': {
        if (!positional[1]) {
          io.err(`usage: ${this.usage}`);
          return 2;
        }
        // With REDIS_URL the API instances' shared key cache entry is deleted too: refused at once.
        const redis = await connectSharedRedis(infra!.config.redisUrl);
        try {
          if (redis && !redis.isReady) io.err('REDIS_URL unreachable: API instances refuse the key within API_KEY_CACHE_TTL_MS');
          const ok = await new ApiKeyStore(infra!.db, undefined, redis).revoke(positional[1]);
          io.out(ok ? `revoked ${positional[1]}` : `no active key ${positional[1]}`);
          return ok ? 0 : 1;
        } finally {
          if (redis) await closeSharedRedis(redis);
        }
      }
      default:
        io.err(`usage: ${this.usage}`);
        return 2;
    }
  },
};
