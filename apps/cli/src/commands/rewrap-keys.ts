import type { CliCommand } from '../command';

/**
 * Master-key rotation: set the new key in MASTER_KEY and the old one(s) in MASTER_KEYS_PREVIOUS,
 * then run this. Every subject data key is unwrapped with its recorded master key and wrapped with
 * the new one; no event is touched. Then the previous keys can be retired: removed from the
 * configuration and destroyed, which leaves every key-store backup taken before the rotation unreadable.
 */
export const rewrapKeysCommand: CliCommand = {
  name: 'rewrap-keys',
  summary: 're-wrap every subject data key with the current master key (after rotating MASTER_KEY)',
  usage: 'rewrap-keys   (env: MASTER_KEY=<new>, MASTER_KEYS_PREVIOUS=<old>[,<older>])',
  needsInfra: true,
  async run(_args, io, infra) {
    try {
      const n = await infra!.keys.rewrap();
      io.out(`re-wrapped ${n} data key(s) with master key ${infra!.config.masterKeyId}`);
      const left = (await infra!.keys.inventory()).filter((u) => u.status !== 'current' && u.dataKeys > 0);
      for (const u of left) io.err(`master key ${u.masterKeyId} (${u.status}) still wraps ${u.dataKeys} data key(s)`);
      if (left.length) return 1;
      // Retirement: with the old key destroyed, key-store backups taken before now no longer unwrap (docs/rights.md).
      io.out('no data key is wrapped by a previous master key: remove MASTER_KEYS_PREVIOUS from the configuration and destroy those keys');
      return 0;
    } catch (e) {
      io.err((e as Error).message);
      return 1;
    }
  },
};
