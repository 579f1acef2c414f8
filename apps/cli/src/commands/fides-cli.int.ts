import { join } from 'node:path';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { storedEventCount } from '@pl/projections/catalog/int-helpers';
import { captureCliIo as capture, cliInfraPerSuite } from '../../../../test/support/cli-io';
import { applyCommand } from './apply';
import { evaluateCommand } from './evaluate';
import { exportFidesCommand, importFidesCommand } from './fides';

const root = join(__dirname, '../../../..');


describe('import-fides (no server, no database)', () => {
  it('writes a manifest evaluate reads, reports lossy and missing facts with file and line, and exits 2 on usage errors', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pl-fides-')), 'clinic.yaml');
    const dir = join(root, 'test/fixtures/fides/clinic');
    const io = capture();
    expect(await importFidesCommand.run([dir, '--out', out, '--storage-country', 'DE', '--owner', 'records team'], io, null)).toBe(0);
    expect(io.stderr).toContainEqual(`${join(dir, 'systems.yml')}:53: lossy: system records.system: fides_key is not a catalog id; imported as records-system`);
    expect(io.stderr[io.stderr.length - 1]).toMatch(/2 system\(s\), 5 activit\(y\/ies\), 1 flow\(s\); 3 missing, 7 lossy; written to/);
    expect(readFileSync(out, 'utf8')).toMatch(/^# Imported from the Fides manifests in .* \(taxonomy 2026-12-02\.2, fideslang 3\.1\.2\)/);
    const ev = capture();
    expect(await evaluateCommand.run([out, '--at', '2026-12-01'], ev, null)).toBe(1);
    expect(ev.stderr.map((l) => l.replace(/^.*?: error /, ''))).toEqual([
      expect.stringMatching(/^purpose_without_lawful_basis: purpose train_ai_system/),
      expect.stringMatching(/^no_retention_limit: activity clinic-newsletter/),
      expect.stringMatching(/^consent_without_consent_check: activity clinic-newsletter/),
    ]);
    expect(await importFidesCommand.run([], capture(), null)).toBe(2);
    expect(await importFidesCommand.run(['/nonexistent/dir'], capture(), null)).toBe(2);
  });
});

describe('export-fides then import-fides against a database', () => {
  const suite = cliInfraPerSuite();

  it('gives the same catalog: applying the re-imported manifest appends nothing', async () => {
    expect(await applyCommand.run([join(root, 'examples/manifests/online-shop.yaml')], capture(), suite.infra)).toBe(0);
    const before = await storedEventCount(suite.infra.db);
    const dir = mkdtempSync(join(tmpdir(), 'pl-fides-out-'));
    const io = capture();
    expect(await exportFidesCommand.run(['--out-dir', dir], io, suite.infra)).toBe(0);
    expect(io.stdout[0]).toMatch(/^5 system\(s\), 5 dataset\(s\) as of .* written to/);
    expect(readdirSync(dir).sort()).toEqual(['dataset.yml', 'system.yml']);
    const datasets = parse(readFileSync(join(dir, 'dataset.yml'), 'utf8')).dataset as Array<Record<string, any>>;
    // fideslang keys: the manifest's older keys were stored as the fideslang keys they alias
    const accounts = datasets.find((d) => d.fides_key === 'accounts-db_elements')!.collections[0].fields;
    expect(accounts).toContainEqual({ name: 'password_hash', data_categories: ['user.authorization.credentials'] });
    expect(accounts).toContainEqual({ name: 'phone_number', data_categories: ['user.contact.phone_number'] });

    const manifest = join(dir, 'reimported.yaml');
    const imp = capture();
    expect(await importFidesCommand.run([dir, '--out', manifest], imp, null)).toBe(0);
    expect(imp.stderr.filter((l) => / (missing|lossy): /.test(l))).toEqual([]);
    expect(await evaluateCommand.run([manifest, '--at', '2026-11-26'], capture(), null)).toBe(0);
    const again = capture();
    expect(await applyCommand.run([manifest], again, suite.infra)).toBe(0);
    expect(again.stdout[again.stdout.length - 1]).toMatch(/0 event\(s\) appended/);
    expect(await storedEventCount(suite.infra.db)).toBe(before);
    expect(await exportFidesCommand.run(['--out-dir', dir, '--as-of'], capture(), suite.infra)).toBe(2);
  });
});
