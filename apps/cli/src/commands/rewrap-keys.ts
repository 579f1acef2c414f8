import type { CliCommand } from '../command';

/**
 * Master-key rotation: set the new key in MASTER_KEY and the old one(s) in MASTER_KEYS_PREVIOUS,
 * then run this. Every subject data key is unwrapped with its recorded master key and wrapped with
 * the new one; no event is touched.
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
      return 0;
    } catch (e) {
      io.err((e as Error).message);
      return 1;
    }
  },
};
