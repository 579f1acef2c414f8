import { action, defineCommand } from '../command';

/**
 * Master-key rotation: set the new key in MASTER_KEY and the old one(s) in MASTER_KEYS_PREVIOUS,
 * then run this. Every subject data key is unwrapped with its recorded master key and wrapped with
 * the new one; no event is touched. Then the previous keys can be retired: removed from the
 * configuration and destroyed, which leaves every key-store backup taken before the rotation unreadable.
 */
export const rewrapKeysCommand = defineCommand({
  name: 'rewrap-keys',
  action: action({
    summary: 're-wrap every subject data key with the current master key (env: MASTER_KEY=<new>, MASTER_KEYS_PREVIOUS=<old>[,<older>]); exit 0 once the previous keys can be retired',
    json: true,
    needsInfra: true,
    async run(_input, io, infra) {
      const n = await infra!.keys.rewrap();
      const left = (await infra!.keys.inventory()).filter((u) => u.status !== 'current' && u.dataKeys > 0);
      for (const u of left) io.err(`master key ${u.masterKeyId} (${u.status}) still wraps ${u.dataKeys} data key(s)`);
      return {
        code: left.length ? 1 : 0,
        json: { rewrapped: n, master_key_id: infra!.config.masterKeyId, still_wrapped_by_previous: left.map((u) => ({ master_key_id: u.masterKeyId, status: u.status, data_keys: u.dataKeys })) },
        text: [
          `re-wrapped ${n} data key(s) with master key ${infra!.config.masterKeyId}`,
          // Retirement: with the old key destroyed, key-store backups taken before now no longer unwrap (docs/rights.md).
          ...(left.length ? [] : ['no data key is wrapped by a previous master key: remove MASTER_KEYS_PREVIOUS from the configuration and destroy those keys']),
        ],
      };
    },
  }),
});
