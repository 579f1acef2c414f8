import { copySubjectKeys, dropSourceKeys, hasSubjectKeysTable, reapplyErasures } from '@pl/crypto';
import { keyStoreNotices } from '../../../common/key-store-notices';
import { parseArgs, type CliCommand } from '../command';

/**
 * Where the data keys live and which master keys wrap them (`status`), the move of the keys out
 * of the log's database once KEYSTORE_DATABASE_URL is set (`migrate`), and the erasures the log
 * records applied again after a key-store restore (`reapply-erasures`). docs/rights.md, "Erasure
 * and backups", gives the operator's procedure.
 */
export const keystoreCommand: CliCommand = {
  name: 'keystore',
  summary: 'data-key store: status (location, master keys in use), migrate to KEYSTORE_DATABASE_URL, re-apply erasures after a restore',
  usage: 'keystore status | keystore migrate [--drop-source] | keystore reapply-erasures   (stop api and worker before migrate)',
  needsInfra: true,
  allowLegacyKeyTable: true,
  async run(args, io, infra) {
    const { positional, flags } = parseArgs(args);
    const { db, keysDb, config } = infra!;
    const separate = keysDb !== db;
    switch (positional[0]) {
      case 'status': {
        io.out(`key store: ${separate ? `own database (KEYSTORE_DATABASE_URL, ${keysDb.kind})` : `the main database (${db.kind}), KEYSTORE_DATABASE_URL unset`}`);
        if (separate && (await hasSubjectKeysTable(db))) io.out('the main database still holds a subject_keys table: run `keystore migrate --drop-source`');
        for (const use of await infra!.keys.inventory()) io.out(`master key ${use.masterKeyId}  ${use.status.padEnd(8)}  ${use.dataKeys} data key(s)`);
        for (const n of await keyStoreNotices(infra!)) io.out(`${n.level}: ${n.message}`);
        return 0;
      }
      case 'migrate': {
        if (!separate || !config.keyStore) {
          io.err('set KEYSTORE_DATABASE_URL to the new key store first');
          return 2;
        }
        if (!(await hasSubjectKeysTable(db))) {
          io.out('the main database holds no subject_keys table: nothing to migrate');
          return 0;
        }
        const r = await copySubjectKeys(db, keysDb);
        io.out(`copied ${r.sourceKeys} data key(s): ${r.inserted} inserted, ${r.replaced} replaced, ${r.deleted} deleted from the new store`);
        if (!r.inSync) {
          io.err('the stores differ after the copy: a process still writes the old table; stop api and worker and run again');
          return 1;
        }
        if (flags['drop-source'] !== true) {
          io.out('the key store holds every key; run `keystore migrate --drop-source` to drop the old table (its backups still carry the keys)');
          return 0;
        }
        if (!(await dropSourceKeys(db, keysDb))) {
          io.err('keys changed in the old table since the copy: stop api and worker and run again; nothing was dropped');
          return 1;
        }
        io.out('dropped subject_keys from the main database; backups of it taken before now still carry the keys (docs/rights.md)');
        return 0;
      }
      case 'reapply-erasures': {
        // After restoring a key-store backup: the keys of subjects erased since the backup come back with it.
        const r = await reapplyErasures(infra!.store, infra!.keys);
        io.out(`${r.erasedSubjects} erased subject(s) in the log; ${r.shredded} restored key(s) shredded again`);
        return 0;
      }
      default:
        io.err(`usage: ${this.usage}`);
        return 2;
    }
  },
};
