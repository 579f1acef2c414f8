import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { buildConsole, expectNoSeriousViolations, launchChromium, screenshot, signInWithKey, tabTo, type BuiltConsole } from '../support/browser';
import { catalogFixtures } from '../support/rights';

jest.setTimeout(180_000);

const ALICE = 'breach-alice@example.com';
const BOB = 'breach-bob@example.com';

/**
 * Screens 6 (Breaches) and 7 (Audit) in Debian's Chromium: the real console build served by the API,
 * data made through the API, actions from the keyboard, scopes followed by the screen and the API.
 */
describe('console: Breaches and Audit in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let built: BuiltConsole;
  let manager: string;
  let auditor: string;
  let breachId: string;
  const dir = mkdtempSync(join(tmpdir(), 'pl-console-breach-'));

  beforeAll(async () => {
    built = buildConsole();
    [t, browser] = await Promise.all([startTestApp({ backend: 'pglite', env: { CONSOLE_DIR: built.dir } }), launchChromium()]);
    manager = await t.createKey('breach:manage');
    auditor = await t.createKey('audit:read');
    await catalogFixtures(t, [
      { user: ALICE, receipts: [['crm', 'user.contact.email', 'marketing']] },
      { user: BOB, receipts: [['crm', 'user.contact.email', 'marketing']] },
    ]);
    const now = Date.now();
    const created = await t.request('POST', '/breaches', {
      aware_at: new Date(now).toISOString(),
      source: 'internal_monitoring',
      description: 'CRM export bucket left public',
      reporter_role: 'security_operations',
      systems: ['crm'],
      window_from: new Date(now - 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    breachId = created.body.breach_id;
    // the scope reads the receipts' read model: wait until both subjects show
    for (let i = 0; i < 300; i++) {
      const scope = await t.request('POST', `/breaches/${breachId}/scope`, {});
      if (scope.body.subjects_count >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const assessed = await t.request('POST', `/breaches/${breachId}/assessment`, {
      factors: {
        confidentiality: true, integrity: false, availability: false, identifiability: 'maximum', encrypted: false, keys_safe: false,
        backup_available: true, vulnerable_subjects: false, likely_consequences: ['phishing'],
      },
      use_scope: true,
      subject_jurisdictions: { DE: 2 },
      main_establishment: null,
      measures_taken: ['bucket made private'],
      measures_proposed: ['bucket policy check in CI'],
      contact_point: 'dpo@example.com',
    });
    expect(assessed.status).toBe(200);
    expect(assessed.body.assessment).toMatchObject({ risk_level: 'high', notify_authority: true, authorities: ['DE'], factors: { subjects_count: 2 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    built?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The register as the API gives it, once it lists the breach (a read model). */
  async function registered() {
    for (let i = 0; i < 200; i++) {
      const r = await t.request('GET', '/breaches?limit=50', undefined, manager);
      const row = r.body.breaches.find((b: any) => b.breach_id === breachId);
      if (row?.risk_level) return row;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('the breach register never listed the breach');
  }

  it('lists a breach made through the API in the register with its 72-hour clock', async () => {
    const row = await registered();
    const { context, page, cspViolations } = await signInWithKey(browser, t.url, manager);
    await page.getByRole('link', { name: 'Breaches' }).click();
    await page.getByRole('heading', { level: 1, name: 'Breaches' }).waitFor();
    const line = page.locator('[data-testid=register] tbody tr').filter({ hasText: breachId.slice(0, 8) });
    await line.waitFor();
    const text = (await line.textContent()) ?? '';
    expect(text).toContain('high');
    expect(text).toContain('crm');
    // the next clock is the authority's, close to 72 hours from awareness, shown as time left and due time
    const clock = row.deadlines.find((d: any) => d.id === 'gdpr_art33_authority');
    expect(clock.time_left_hours).toBeGreaterThan(71);
    expect(await line.getByTestId('clock-gdpr_art33_authority').textContent()).toMatch(/^supervisory authority: (2 d 23 h|3 d 0 h) left, due .+ [EC][SD]T$/);
    await expectNoSeriousViolations(page, 'breaches');
    await screenshot(page, 'breaches');
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it("shows the breach's clocks in both zones, risk, scope and drafts; records the authority notification from the keyboard", async () => {
    await registered();
    const { context, page, cspViolations } = await signInWithKey(browser, t.url, manager);
    await page.goto(`${t.url}/console/breaches/${breachId}`);
    await page.getByRole('heading', { name: 'Actions' }).waitFor();
    await expect(page.getByTestId('risk').textContent()).resolves.toMatch(/^high.*Authority: to be notified \(DE\)/);
    const scope = (await page.getByTestId('scope').textContent()) ?? '';
    expect(scope).toContain('crm');
    expect(scope).toMatch(/Subjects2 \(from the processing receipts\)/);
    expect(scope).toContain('user.contact.email');
    expect(scope).not.toContain(ALICE);
    const clock = (await page.locator('tr[data-testid=clock-gdpr_art33_authority]').textContent()) ?? '';
    // viewer in New York; the 72 hours are a duration: the same instant in UTC
    expect(clock).toMatch(/[EC][SD]T/);
    expect(clock).toMatch(/UTC: 72 hours from awareness/);
    await page.getByTestId('drafts').waitFor();
    await expectNoSeriousViolations(page, 'breach (assessed)');

    await tabTo(page, '#auth-reference');
    await page.keyboard.type('DE-2026-0042');
    await tabTo(page, 'form:has(#auth-reference) button[type=submit]');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Authority notification: recorded.' }).waitFor();
    const after = await t.request('GET', `/breaches/${breachId}`, undefined, manager);
    expect(after.body.authorities_notified.DE).toMatchObject({ phases: 1, late: false });
    expect(after.body.timeline.map((e: any) => e.type)).toContain('breach.authority_notified');
    await page.getByTestId('notifications').getByText(/Supervisory authority DE:/).waitFor();
    await expect(page.locator('tr[data-testid=clock-gdpr_art33_authority]').textContent()).resolves.toMatch(/met /);
    await expect(page.getByTestId('breach-timeline').textContent()).resolves.toContain('breach.authority_notified');
    await expectNoSeriousViolations(page, 'breach (authority notified)');
    await screenshot(page, 'breach');
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('shows a key without breach:manage no breach and no action, and the API refuses them with its session anyway', async () => {
    const { context, page } = await signInWithKey(browser, t.url, auditor);
    await page.goto(`${t.url}/console/breaches/${breachId}`);
    await page.getByText('Your scopes do not include breach:manage').waitFor();
    await expect(page.getByRole('button').filter({ hasText: /Record|Assess|Close/ }).count()).resolves.toBe(0);
    await expectNoSeriousViolations(page, 'breach (no breach:manage)');
    await screenshot(page, 'breach-no-scope');
    const before = (await t.request('GET', `/breaches/${breachId}`, undefined, manager)).body.timeline.length;
    const refused = await page.evaluate<number[]>(`(async () => {
      const s = await (await fetch('/auth/session')).json();
      const post = await fetch('/breaches/${breachId}/close', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf_token }, body: '{"summary":"x"}' });
      const get = await fetch('/breaches/${breachId}');
      return [post.status, get.status];
    })()`);
    expect(refused).toEqual([403, 403]);
    expect((await t.request('GET', `/breaches/${breachId}`, undefined, manager)).body.timeline.length).toBe(before);
    await context.close();
  });

  /** Waits until the audit chain has chained every event of the log. */
  async function chained() {
    for (let i = 0; i < 400; i++) {
      const n = Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
      const h = await t.request('GET', '/audit/head', undefined, auditor);
      if (h.body.head && Number(h.body.head.seq) + 1 >= n) return h.body.head;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the audit chain never caught up');
  }

  it('verifies the chain with its progress shown, the result equal to GET /audit/verify; shows the public key with its fingerprint', async () => {
    const { context, page, cspViolations } = await signInWithKey(browser, t.url, auditor);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    const head = await chained();
    await tabTo(page, '#verify-now');
    await page.keyboard.press('Enter');
    await page.getByTestId('verify-result').waitFor();
    const api = (await t.request('GET', '/audit/verify', undefined, auditor)).body;
    expect(api).toMatchObject({ ok: true, head: { seq: head.seq } });
    await expect(page.getByTestId('verify-result').textContent()).resolves.toBe('Intact');
    await expect(page.getByTestId('verify-head-seq').textContent()).resolves.toBe(api.head.seq);
    await expect(page.getByTestId('verify-report').textContent()).resolves.toContain(`${api.checked.toLocaleString('en-US')} events checked`);
    // the progress shown: events checked so far of the total, ending at the total
    await expect(page.getByTestId('verify-progress').textContent()).resolves.toBe(`${api.checked.toLocaleString('en-US')} of ${api.checked.toLocaleString('en-US')}`);
    await expect(page.locator('#verify-progress').evaluate((p) => [(p as unknown as { value: number; max: number }).value, (p as unknown as { value: number; max: number }).max])).resolves.toEqual([api.checked, api.checked]);

    const key = (await t.request('GET', '/audit/public-key', undefined, null)).body;
    const der = createPublicKey(key.public_key_pem).export({ type: 'spki', format: 'der' });
    const expected = createHash('sha256').update(der).digest('hex').match(/../g)!.join(':');
    await expect(page.getByTestId('key-fingerprint').textContent()).resolves.toBe(expected);
    expect(expected.replace(/:/g, '').startsWith(key.key_id)).toBe(true);
    await expectNoSeriousViolations(page, 'audit (verified)');
    await screenshot(page, 'audit');
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('downloads an export by subject and by time range; each parses and verifies without the service', async () => {
    const { context, page } = await signInWithKey(browser, t.url, auditor);
    await page.goto(`${t.url}/console/audit`);
    await page.getByRole('heading', { name: 'Export' }).waitFor();
    await chained();
    const key = join(dir, 'key.pem');
    writeFileSync(key, (await t.request('GET', '/audit/public-key', undefined, null)).body.public_key_pem);
    const download = async () => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the export' }).click()]);
      const path = join(dir, file.suggestedFilename());
      await file.saveAs(path);
      const text = readFileSync(path, 'utf8');
      const lines = text.trim().split('\n').map((l) => JSON.parse(l));
      const checked = spawnSync(process.execPath, [join(__dirname, '../../scripts/verify-audit-export.js'), path, '--public-key', key], { encoding: 'utf8' });
      return { name: file.suggestedFilename(), text, lines, code: checked.status, report: JSON.parse(checked.stdout) };
    };

    await page.getByLabel('By', { exact: true }).selectOption('subject');
    await page.getByLabel("The subject's user id").fill(ALICE);
    const bySubject = await download();
    expect(bySubject.name).toMatch(/^audit-export-.+\.ndjson$/);
    expect(bySubject.lines[0]).toMatchObject({ kind: 'header', filter: { subject_key: t.infra.pseudonymizer.subject(ALICE) } });
    expect(bySubject.lines[bySubject.lines.length - 1]).toMatchObject({ kind: 'head' });
    expect(bySubject.code).toBe(0);
    expect(bySubject.report).toMatchObject({ ok: true });
    expect(bySubject.report.events).toBeGreaterThanOrEqual(1);
    expect(bySubject.text).not.toContain(ALICE);
    await page.getByRole('status').filter({ hasText: `Downloaded ${bySubject.name}: ${bySubject.lines.length} lines.` }).waitFor();

    await page.getByLabel('By', { exact: true }).selectOption('range');
    await page.getByLabel('From (empty: the start)').fill('2020-01-01T00:00');
    const byRange = await download();
    expect(byRange.lines[0]).toMatchObject({ kind: 'header', filter: { from: new Date('2020-01-01T05:00:00Z').toISOString(), subject_key: null } });
    expect(byRange.code).toBe(0);
    expect(byRange.report).toMatchObject({ ok: true });
    expect(byRange.lines.filter((l) => l.kind === 'event').map((l) => l.type)).toContain('breach.authority_notified');

    // a refusal shows the API's reason and downloads nothing
    await page.getByLabel('To (empty: now)').fill('2019-01-01T00:00');
    await page.getByRole('button', { name: 'Download the export' }).click();
    await page.getByRole('alert').filter({ hasText: 'from must be before to' }).waitFor();
    await expectNoSeriousViolations(page, 'audit (export)');
    await context.close();
  });
});
