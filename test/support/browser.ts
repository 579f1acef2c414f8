import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * What every console browser suite shares: the console built from source into a scratch directory,
 * Debian's Chromium (/usr/bin/chromium, installed by .ci/run; playwright-core never downloads a
 * browser), sign-in, axe-core and keyboard-only focus moves. A suite starts its own app with
 * `startTestApp({ env: { CONSOLE_DIR: console.dir } })`, so each suite's data is its own.
 */
const ROOT = join(__dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of each screen (not committed; some are copied to docs/console/ for the README). */
export const SHOTS = join(ROOT, 'test-results', 'console');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface BuiltConsole {
  readonly dir: string;
  remove(): void;
}

/** Builds the console with Vite into a fresh directory (the real build, as `npm run build` makes it). */
export function buildConsole(): BuiltConsole {
  const dir = mkdtempSync(join(tmpdir(), 'pl-console-build-'));
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/console/vite.config.mts', '--logLevel', 'error'], {
    // a production build, as `npm run build` makes it (jest sets NODE_ENV=test, which would give React's development build)
    cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', CONSOLE_OUT_DIR: dir }, encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`console build failed: ${build.stderr}`);
  mkdirSync(SHOTS, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface SignedIn {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Content-Security-Policy reports seen on the console (a suite expects none). */
  readonly cspViolations: string[];
}

/** A fresh context (no cookie), in a time zone other than the deadlines' own, signed in with an API key. */
export async function signInWithKey(browser: Browser, baseUrl: string, key: string, watch?: (page: Page) => void): Promise<SignedIn> {
  const context = await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  watch?.(page);
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  return { context, page, cspViolations };
}

/** axe-core on the page as it stands: no serious or critical violation. */
export async function expectNoSeriousViolations(page: Page, screen: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate<Array<{ id: string; impact: string; nodes: number }>>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })))`,
  );
  expect({ screen, violations: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') }).toEqual({ screen, violations: [] });
}

/** Moves the focus with Tab only until `selector` has it (keyboard-only use). */
export async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate<boolean>(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Saves a full-page screenshot of the screen under test-results/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
