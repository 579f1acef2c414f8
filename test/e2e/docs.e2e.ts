import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandBlocks, matchOutput, type CommandBlock } from '../support/doc-blocks';
import { cleanEnv as withoutServiceVariables, freePort, responseCheck } from '../support/processes';

/**
 * The commands in README.md and docs/*.md are run, so the pages cannot drift from the code:
 * docs/walkthrough.md and docs/migration.md each run top to bottom in one bash session against the built service on the
 * embedded default (needs `npm run build` first: the test command builds before this tier), and
 * every shown output is matched against the real one (test/support/doc-blocks.ts says how).
 * Every other command block in the docs is marked `<!-- not run: reason -->`, and this test checks
 * that none is left unmarked. Set DOCS_PRINT=<file> to write the real outputs, block by block, when
 * updating a page.
 */
jest.setTimeout(420_000);

const root = join(__dirname, '../..');
const pages = (): string[] => ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
/** Pages run top to bottom, each in one bash session against the built service (they start it themselves). */
const RUN_PAGES = new Set(['docs/walkthrough.md', 'docs/migration.md']);
const THIS_TEST = 'test/e2e/docs.e2e.ts';

// Every response the pages' services send (curl's included) is checked against the document they serve (issue 17 item 1).
const check = responseCheck();
afterAll(() => {
  const found = check.found();
  check.remove();
  expect(found.mismatches).toBe('');
  expect(found.apps).toBeGreaterThanOrEqual(RUN_PAGES.size + 1); // each run page starts the service, and the quick start
});
const cleanEnv = (extra: Record<string, string>) => withoutServiceVariables({ ...check.env, ...extra }, ['DATA_DIR', 'PORT', 'K', 'B']);

/** The page's blocks as one script; each block's output is framed by markers carrying its exit status. */
function script(blocks: readonly CommandBlock[], port: number): string {
  const body = blocks.map((b, i) => {
    const text = b.text
      .split('\n')
      .filter((l) => l.trim() !== 'npm run build') // built once by the test command before this tier
      .join('\n')
      .replace(/\bPORT=3000\b/g, `PORT=${port}`)
      .replace(/127\.0\.0\.1:3000\b/g, `127.0.0.1:${port}`);
    return `printf '\\n@@@begin ${i}@@@\\n'\n{\n${text}\n} 2>&1\nprintf '\\n@@@end ${i} %d@@@\\n' $?`;
  });
  return ['trap \'[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null\' EXIT', `cd ${JSON.stringify(root)}`, ...body].join('\n');
}

function run(src: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', src], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d.toString()));
    child.stderr!.on('data', (d) => (out += d.toString()));
    const timer = setTimeout(() => {
      out += `\n(timed out after ${timeoutMs} ms)`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL'); // anything the page left running
      } catch {
        /* nothing left */
      }
      resolve({ out, code });
    });
  });
}

function outputs(out: string): Map<number, { text: string; status: number }> {
  const found = new Map<number, { text: string; status: number }>();
  const re = /@@@begin (\d+)@@@\n([\s\S]*?)\n@@@end \1 (\d+)@@@/g;
  for (let m = re.exec(out); m; m = re.exec(out)) found.set(Number(m[1]), { text: m[2], status: Number(m[3]) });
  return found;
}

describe('docs: every command is run by a test or says why not', () => {
  it.each(pages())('%s', (page) => {
    const unmarked = commandBlocks(readFileSync(join(root, page), 'utf8'))
      .filter((b) => !RUN_PAGES.has(page) && b.notRun === null && b.runBy !== THIS_TEST)
      .map((b) => `${page}:${b.line}: ${b.text.split('\n')[0]}`);
    expect(unmarked).toEqual([]);
  });
});

describe.each([...RUN_PAGES])('%s, run as written on the embedded default', (page) => {
  let dataDir: string;
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/apps/main.js'))) throw new Error('dist/apps/main.js is missing: run `npm run build` first');
    dataDir = mkdtempSync(join(tmpdir(), 'pl-docs-page-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true })); // the page's mktemp dirs are in it (TMPDIR)

  it('every block exits 0 and prints what the page shows', async () => {
    const blocks = commandBlocks(readFileSync(join(root, page), 'utf8')).filter((b) => b.notRun === null);
    expect(blocks.length).toBeGreaterThan(5);
    const port = await freePort();
    const { out } = await run(script(blocks, port), cleanEnv({ TMPDIR: dataDir, LOG_LEVEL: 'info' }), 360_000);
    const got = outputs(out);
    if (process.env.DOCS_PRINT) {
      writeFileSync(process.env.DOCS_PRINT, blocks.map((b, i) => `### block ${i} (line ${b.line})\n${got.get(i)?.text ?? '(no output)'}\n`).join('\n'));
    }
    const failures: string[] = [];
    blocks.forEach((b, i) => {
      const o = got.get(i);
      if (!o) return failures.push(`line ${b.line}: the block did not run to its end\n${out.slice(-2000)}`);
      if (o.status !== 0) failures.push(`line ${b.line}: exit status ${o.status}\n${o.text.slice(-2000)}`);
      if (!b.expected) return;
      const miss = matchOutput(b.expected.text, o.text);
      if (miss) failures.push(`line ${b.line}: shown output (line ${b.expected.line + 1 + miss.shownLine}) does not match\n  shown:  ${miss.shown}\n  actual: ${miss.actual ?? '(no more output)'}`);
    });
    expect(failures).toEqual([]);
  });
});

describe('README quick start, run as written', () => {
  it('`npm start` builds, starts on the embedded default, prints an admin key once and serves with it', async () => {
    const block = commandBlocks(readFileSync(join(root, 'README.md'), 'utf8')).find((b) => b.runBy === THIS_TEST);
    expect(block?.text.trim()).toBe('npm ci && npm start'); // npm ci: the CI run has done it
    const dataDir = mkdtempSync(join(tmpdir(), 'pl-quickstart-'));
    const port = await freePort();
    const child: ChildProcess = spawn('npm', ['start'], { cwd: root, env: cleanEnv({ DATA_DIR: dataDir, PORT: String(port) }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d.toString()));
    child.stderr!.on('data', (d) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 300_000;
      let key: RegExpExecArray | null = null;
      while (!(key = /^ {4}(pl_[a-f0-9]{16}\.[A-Za-z0-9_-]+)$/m.exec(out)) || !out.includes('listening')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not serve:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/consent/declared-bases`)).status).toBe(401);
      expect((await fetch(`${base}/consent/declared-bases`, { headers: { authorization: `Bearer ${key[1]}` } })).status).toBe(200);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
