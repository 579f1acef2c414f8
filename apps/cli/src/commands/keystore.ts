import { copySubjectKeys, dropSourceKeys, hasSubjectKeysTable, reapplyErasures } from '@pl/crypto';
import { keyStoreNotices } from '../../../common/key-store-notices';
import { action, defineCommand, type Printed } from '../command';

const said = (code: number, message: string, json: Record<string, unknown> = {}): Printed => ({ code, json: { ...json, message }, text: [message] });

/**
 * Where the data keys live and which master keys wrap them (`status`), the move of the keys out
 * of the log's database once KEYSTORE_DATABASE_URL is set (`migrate`), and the erasures the log
 * records applied again after a key-store restore (`reapply-erasures`). docs/rights.md, "Erasure
 * and backups", gives the operator's procedure.
 */
export const keystoreCommand = defineCommand({
  name: 'keystore',
  summary: 'data-key store: status (location, master keys in use), migrate to KEYSTORE_DATABASE_URL, re-apply erasures after a restore',
  subcommands: {
    status: action({
      summary: 'where the data keys live, data keys per master key (current/previous/unknown)',
      json: true,
      needsInfra: true,
      allowLegacyKeyTable: true,
      async run(_input, _io, infra) {
        const { db, keysDb } = infra!;
        const separate = keysDb !== db;
        const legacyTable = separate && (await hasSubjectKeysTable(db));
        const inventory = await infra!.keys.inventory();
        const notices = await keyStoreNotices(infra!);
        return {
          json: {
            key_store: separate ? 'own database' : 'main database',
            kind: keysDb.kind,
            main_database_holds_keys_table: separate ? legacyTable : true,
            master_keys: inventory.map((u) => ({ master_key_id: u.masterKeyId, status: u.status, data_keys: u.dataKeys })),
            notices: notices.map((n) => ({ level: n.level, message: n.message })),
          },
          text: [
            `key store: ${separate ? `own database (KEYSTORE_DATABASE_URL, ${keysDb.kind})` : `the main database (${db.kind}), KEYSTORE_DATABASE_URL unset`}`,
            ...(legacyTable ? ['the main database still holds a subject_keys table: run `keystore migrate --drop-source`'] : []),
            ...inventory.map((u) => `master key ${u.masterKeyId}  ${u.status.padEnd(8)}  ${u.dataKeys} data key(s)`),
            ...notices.map((n) => `${n.level}: ${n.message}`),
          ],
        };
      },
    }),
    migrate: action({
      summary: 'copy the keys to KEYSTORE_DATABASE_URL (idempotent); stop api and worker first',
      options: { 'drop-source': { type: 'boolean', description: 'then drop the old table if both stores are identical' } },
      json: true,
      needsInfra: true,
      allowLegacyKeyTable: true,
      async run({ values }, io, infra) {
        const { db, keysDb, config } = infra!;
        if (keysDb === db || !config.keyStore) {
          io.err('keystore migrate: set KEYSTORE_DATABASE_URL to the new key store first');
          return 2;
        }
        if (!(await hasSubjectKeysTable(db))) return said(0, 'the main database holds no subject_keys table: nothing to migrate', { copied: 0, dropped: false });
        const r = await copySubjectKeys(db, keysDb);
        const copied = { copied: r.sourceKeys, inserted: r.inserted, replaced: r.replaced, deleted: r.deleted };
        const lines = [`copied ${r.sourceKeys} data key(s): ${r.inserted} inserted, ${r.replaced} replaced, ${r.deleted} deleted from the new store`];
        const done = (code: number, message: string, dropped: boolean): Printed => {
          if (code) io.err(message);
          return { code, json: { ...copied, dropped, message }, text: code ? lines : [...lines, message] };
        };
        if (!r.inSync) return done(1, 'the stores differ after the copy: a process still writes the old table; stop api and worker and run again', false);
        if (values['drop-source'] !== true) return done(0, 'the key store holds every key; run `keystore migrate --drop-source` to drop the old table (its backups still carry the keys)', false);
        if (!(await dropSourceKeys(db, keysDb))) return done(1, 'keys changed in the old table since the copy: stop api and worker and run again; nothing was dropped', false);
        return done(0, 'dropped subject_keys from the main database; backups of it taken before now still carry the keys (docs/rights.md)', true);
      },
    }),
    'reapply-erasures': action({
      summary: 'after restoring a key-store backup: shred again the keys of subjects the log says were erased',
      json: true,
      needsInfra: true,
      allowLegacyKeyTable: true,
      async run(_input, _io, infra) {
        // After restoring a key-store backup: the keys of subjects erased since the backup come back with it.
        const r = await reapplyErasures(infra!.store, infra!.keys);
        return said(0, `${r.erasedSubjects} erased subject(s) in the log; ${r.shredded} restored key(s) shredded again`, { erased_subjects: r.erasedSubjects, shredded: r.shredded });
      },
    }),
  },
});
