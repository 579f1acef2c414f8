import { readFileSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { buildConsole, expectNoSeriousViolations, launchChromium, screenshot, signInWithKey, tabTo, type BuiltConsole } from '../support/browser';

jest.setTimeout(180_000);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RFC 4180 CSV (quoted cells with "" and line breaks), as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

/**
 * Screens 4 (Data map) and 5 (Records of processing) in Debian's Chromium: the catalog made through
 * the API, every system a node of the graph, the date moved back hides what was registered later, a
 * node opens its record, the RoPA downloads as CSV and JSON with the API's rows.
 */
describe('console: data map and records of processing in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let built: BuiltConsole;
  let reader: string;
  /** A second between the first system and everything else (the picker counts in seconds). */
  let beforeFulfilment: string;

  beforeAll(async () => {
    built = buildConsole();
    [t, browser] = await Promise.all([startTestApp({ backend: 'pglite', env: { CONSOLE_DIR: built.dir } }), launchChromium()]);
    reader = await t.createKey('catalog:read');
    const post = async (path: string, body: unknown) => expect([path, (await t.request('POST', path, body)).status]).toEqual([path, 201]);
    await post('/governance/systems', { system_id: 'shop', name: 'Web shop', owner: 'shop team', storage: [{ country: 'DE' }] });
    await post('/governance/systems/shop/elements', { element_id: 'email', name: 'email', category: 'user.contact.email' });
    await pause(1100);
    beforeFulfilment = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    await pause(1100);
    await post('/governance/systems', { system_id: 'fulfilment', name: 'Fulfilment', owner: 'ops', storage: [{ country: 'US' }], role: 'processor' });
    await post('/governance/systems', { system_id: 'crm', name: 'CRM', owner: 'sales', storage: [{ country: 'IE' }] });
    await post('/governance/flows', { flow_id: 'shop-to-fulfilment', source_system: 'shop', target_system: 'fulfilment', categories: ['user.contact.address'], destination_country: 'US', mechanism: { type: 'scc', scc_module: 'C2P', tia_completed: true } });
    await post('/governance/flows', { flow_id: 'shop-to-crm', source_system: 'shop', target_system: 'crm', categories: ['user.contact.email'], destination_country: 'IE' });
    await post('/governance/flows', { flow_id: 'crm-to-ads', source_system: 'crm', recipient: { name: 'Ads Network Inc.', role: 'controller' }, categories: ['user.contact.email'], destination_country: 'US' });
    const activity = (activity_id: string, name: string, systems: string[], risk: Record<string, boolean>) => ({
      activity_id, name, systems, risk,
      controller: { name: 'Shop GmbH', contact: 'privacy@shop.example' },
      purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' }],
      subject_categories: ['customer'],
      data_categories: ['user.contact'],
      retention: [{ period: 'P2Y' }],
    });
    await post('/governance/activities', activity('orders', 'Order handling', ['shop', 'fulfilment'], { large_scale: true, evaluation_scoring: true }));
    await post('/governance/activities', activity('newsletter', 'Newsletter, "weekly"', ['crm'], {}));
    await post('/governance/processor-records', { record_id: 'hosting-for-partners', processor: { name: 'Shop GmbH', contact: 'privacy@shop.example' }, controllers: [{ name: 'Partner AG', contact: 'dpo@partner.example' }], processing_categories: ['essential.service'] });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    built?.remove();
  });

  /** A datetime-local value of `iso` in the page's zone (America/New_York), as the picker takes it. */
  const localInput = (page: Page, iso: string) =>
    page.evaluate<string>(`(() => { const d = new Date(${JSON.stringify(iso)}); const p = (n) => String(n).padStart(2, '0');
      return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()); })()`);

  it('draws every system, activity and recipient as a node; transfers leaving the EEA with mechanism and assessment; the date moved back hides a later system', async () => {
    const { context, page, cspViolations } = await signInWithKey(browser, t.url, reader);
    await page.getByRole('link', { name: 'Data map' }).click();
    await page.getByRole('heading', { level: 1, name: 'Data map' }).waitFor();
    await page.locator('[data-testid="map"][data-as-of="now"] svg a').first().waitFor();
    const systems: Array<{ system_id: string; name: string }> = (await t.request('GET', '/governance/systems', undefined, reader)).body.systems;
    expect(systems.map((s) => s.system_id)).toEqual(['crm', 'fulfilment', 'shop']);
    for (const s of systems) await page.getByRole('link', { name: `System: ${s.name}`, exact: true }).waitFor();
    const api = (await t.request('GET', '/catalog/map', undefined, reader)).body as { nodes: Array<{ id: string }>; edges: Array<{ id: string }> };
    const drawn = await page.locator('svg a[data-node]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    expect(drawn.sort()).toEqual(api.nodes.map((n) => n.id).sort());
    expect(api.nodes.map((n) => n.id)).toEqual(['activity:newsletter', 'activity:orders', 'recipient:Ads Network Inc.', 'system:crm', 'system:fulfilment', 'system:shop']);
    // the table alternative lists the same edges; the transfer without a basis says so
    await expect(page.locator('[data-testid="map-edges"] tbody tr').count()).resolves.toBe(api.edges.length);
    await expect(page.locator('tr[data-edge="flow:crm-to-ads"]').textContent()).resolves.toMatch(/US.*yes.*no mechanism.*no valid basis/);
    await expect(page.locator('tr[data-edge="flow:shop-to-fulfilment"]').textContent()).resolves.toMatch(/US.*yes.*SCC C2P.*art46:scc/);
    await expect(page.locator('tr[data-edge="flow:shop-to-crm"]').textContent()).resolves.toMatch(/IE.*no/);
    await expect(page.getByTestId('map-counts').textContent()).resolves.toContain('2 transfers leave the EEA; 1 without a valid basis');
    await expect(page.locator('svg text.edge-label').allTextContents()).resolves.toEqual(expect.arrayContaining(['US · SCC C2P ✓', 'US · no mechanism ✗']));
    await expectNoSeriousViolations(page, 'data map');
    await screenshot(page, 'datamap');

    // back to a second after the shop was registered: the later systems, flows and activities are gone
    await page.getByLabel(/^As of/).fill(await localInput(page, beforeFulfilment));
    await page.locator(`[data-testid="map"][data-as-of="${beforeFulfilment}"]`).waitFor();
    expect(new URL(page.url()).searchParams.get('as_of')).toBe(beforeFulfilment);
    await expect(page.locator('svg a[data-node]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')))).resolves.toEqual(['system:shop']);
    await expect(page.getByRole('link', { name: 'System: Fulfilment', exact: true }).count()).resolves.toBe(0);
    await expectNoSeriousViolations(page, 'data map (past date)');
    // "Now" brings them back
    await page.getByRole('button', { name: 'Now' }).click();
    await page.getByRole('link', { name: 'System: Fulfilment', exact: true }).waitFor();
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('opens a node\'s catalog record from the graph with the keyboard, as it stood at the map\'s date', async () => {
    const { context, page, cspViolations } = await signInWithKey(browser, t.url, reader);
    await page.goto(`${t.url}/console/datamap`);
    await page.locator('svg a[data-node="system:shop"]').waitFor();
    await tabTo(page, 'a[data-node="system:shop"]');
    await page.keyboard.press('Enter');
    const record = page.getByTestId('record');
    await record.getByRole('heading', { name: 'System: Web shop' }).waitFor();
    expect(new URL(page.url()).searchParams.get('node')).toBe('system:shop');
    const text = await record.textContent();
    expect(text).toContain('shop team');
    expect(text).toContain('user.contact.email');
    expect(text).toMatch(/data flow: Web shop → Fulfilment \(US, leaves the EEA: SCC C2P, allowed \(art46:scc\)\)/);
    // the focus moved to the record
    await expect(page.evaluate<string>('document.activeElement?.id ?? ""')).resolves.toBe('record-heading');
    await expectNoSeriousViolations(page, 'data map record');
    await screenshot(page, 'datamap-record');
    // an activity's record carries its DPIA screening
    await page.locator('svg a[data-node="activity:orders"]').click();
    await record.getByRole('heading', { name: 'Activity: Order handling' }).waitFor();
    await expect(record.textContent()).resolves.toContain('likely required');
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('shows the Art. 30 records with the DPIA level per activity; the CSV downloads and parses with the rows the API gives, as of a date too', async () => {
    const { context, page, cspViolations } = await signInWithKey(browser, t.url, reader);
    await page.getByRole('link', { name: 'Records of processing' }).click();
    await page.getByRole('heading', { level: 1, name: 'Records of processing' }).waitFor();
    await page.locator('[data-testid="ropa"][data-view="controller"]').waitFor();
    const api = (await t.request('GET', '/governance/ropa?view=controller', undefined, reader)).body as { records: Array<{ activity_id: string; dpia: { outcome: string } }> };
    expect(api.records.map((r) => [r.activity_id, r.dpia.outcome])).toEqual([['newsletter', 'not_indicated'], ['orders', 'likely_required']]);
    const rows = page.locator('[data-testid="ropa-controller"] tbody tr');
    await expect(rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-activity'), tr.querySelector('[data-testid="dpia"] strong')?.textContent]))).resolves.toEqual(
      api.records.map((r) => [r.activity_id, r.dpia.outcome.replace(/_/g, ' ')]),
    );
    await expectNoSeriousViolations(page, 'records of processing');
    await screenshot(page, 'ropa');

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^ropa-controller-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await csv.path())!, 'utf8');
    const table = parseCsv(text);
    const header = table[0];
    expect(header.slice(0, 2)).toEqual(['activity_id', 'name']);
    expect(header.at(-1)).toBe('dpia');
    expect(table.slice(1).map((r) => [r[0], r[header.indexOf('dpia')]])).toEqual(api.records.map((r) => [r.activity_id, r.dpia.outcome]));
    // a cell with a comma and quotes survives the round trip
    expect(table[1][1]).toBe('Newsletter, "weekly"');
    expect(text).toBe((await t.request('GET', '/governance/ropa?view=controller&format=csv', undefined, reader)).body);

    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download JSON' }).click()]);
    expect(json.suggestedFilename()).toMatch(/^ropa-controller-\d{4}-\d{2}-\d{2}\.json$/);
    const downloaded = JSON.parse(readFileSync((await json.path())!, 'utf8'));
    expect(downloaded.records.map((r: { activity_id: string }) => r.activity_id)).toEqual(['newsletter', 'orders']);

    // as of a date before the activities: no record, and the CSV of that date has only its header
    await page.getByLabel(/^As of/).fill(await localInput(page, beforeFulfilment));
    await page.locator(`[data-testid="ropa"][data-as-of="${beforeFulfilment}"]`).getByText('No record at this date.').waitFor();
    const [past] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    expect(parseCsv(readFileSync((await past.path())!, 'utf8'))).toEqual([header]);

    // the processor view (Art. 30(2))
    await page.getByRole('button', { name: 'Now' }).click();
    await page.getByLabel('As processor (Art. 30(2))').check();
    await page.locator('[data-testid="ropa"][data-view="processor"]').waitFor();
    await expect(page.locator('[data-testid="ropa-processor"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-record')))).resolves.toEqual(['hosting-for-partners']);
    await expect(page.locator('[data-testid="ropa-processor"]').textContent()).resolves.toContain('Partner AG');
    await expectNoSeriousViolations(page, 'records of processing (processor)');
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('shows a key without catalog:read neither screen, and the API refuses its session anyway', async () => {
    const other = await t.createKey('rights:manage');
    const { context, page } = await signInWithKey(browser, t.url, other);
    for (const [path, title] of [['datamap', 'Data map'], ['ropa', 'Records of processing']]) {
      await page.goto(`${t.url}/console/${path}`);
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      await page.getByText('Your scopes do not include catalog:read').waitFor();
      await expect(page.locator('svg a[data-node], a[download]').count()).resolves.toBe(0);
    }
    await expectNoSeriousViolations(page, 'records of processing (no catalog:read)');
    const statuses = await page.evaluate<number[]>(`Promise.all(['/catalog/map', '/governance/ropa?format=csv'].map((u) => fetch(u).then((r) => r.status)))`);
    expect(statuses).toEqual([403, 403]);
    await context.close();
  });
});
