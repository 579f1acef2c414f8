import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureCliIo } from '../../../test/support/cli-io';
import { runCli } from '../main';
import { actionsOf, actionUsage, type CliAction } from './command';
import { COMMANDS } from './registry';

/**
 * The CLI's contract, for every command and subcommand the registry holds (a new one cannot skip it):
 * --help exits 0, an unknown flag, a missing value, a missing required argument and an extra argument
 * exit 2 with one line naming the problem and the usage, all before anything is opened (the database
 * URL points nowhere: opening it would fail with exit 1).
 */
const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DATA_DIR: '/nonexistent/pl-cli-spec' };
const cli = async (...argv: string[]) => {
  const io = captureCliIo();
  const code = await runCli(argv, { io, env });
  return { code, ...io };
};
const root = join(__dirname, '../../..');

const ACTIONS = COMMANDS.flatMap((c) => actionsOf(c).map((a) => ({ ...a, argv: a.path.split(' ') })));
const GROUPS = COMMANDS.filter((c) => c.subcommands);
const stringOptions = (a: CliAction) => Object.entries(a.options ?? {}).filter(([, o]) => o.type === 'string');
/** The arguments that satisfy an action's required positionals and options (the values need not be valid). */
const requiredArgs = (a: CliAction) => [
  ...(a.positionals ?? []).filter((p) => p.required).map(() => 'x'),
  ...Object.entries(a.options ?? {}).filter(([, o]) => o.required).flatMap(([n, o]) => (o.type === 'string' ? [`--${n}`, 'x'] : [`--${n}`])),
];

/** A usage error: exit 2, one line on stderr naming `what` and the action's usage, nothing on stdout. */
function expectUsageError(r: Awaited<ReturnType<typeof cli>>, path: string, what: string, usage: string) {
  expect(r.code).toBe(2);
  expect(r.stdout).toEqual([]);
  expect(r.stderr).toHaveLength(1);
  expect(r.stderr[0]).not.toContain('\n');
  expect(r.stderr[0]).toContain(`${path}: `);
  expect(r.stderr[0]).toContain(what);
  expect(r.stderr[0]).toContain(`usage: ${usage}`);
}

describe('every command and subcommand of the registry', () => {
  it('the registry holds every command once, each with at least one action', () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    expect(ACTIONS.length).toBeGreaterThan(COMMANDS.length);
  });

  it.each(ACTIONS.map((a) => [a.path, a]))('%s: --help and -h print its generated help and exit 0', async (_path, { path, action, argv }) => {
    for (const flag of ['--help', '-h']) {
      const r = await cli(...argv, flag);
      expect(r).toMatchObject({ code: 0, stderr: [] });
      const help = r.stdout.join('\n');
      expect(help).toContain(`usage: privacy-ledger ${actionUsage(path, action)}`);
      expect(help).toContain(action.summary);
      for (const name of Object.keys(action.options ?? {})) expect(help).toContain(`--${name}`);
      for (const p of action.positionals ?? []) expect(help).toContain(`<${p.name}>`);
      if (action.json) expect(help).toContain('--json');
    }
  });

  it.each(ACTIONS.map((a) => [a.path, a]))('%s: an unknown flag exits 2 naming it', async (_path, { path, action, argv }) => {
    const r = await cli(...argv, ...requiredArgs(action), '--fromat', 'csv');
    expectUsageError(r, path, 'unknown option --fromat', actionUsage(path, action));
  });

  it.each(ACTIONS.map((a) => [a.path, a]))('%s: a missing value exits 2 naming the flag', async (_path, { path, action, argv }) => {
    const strings = stringOptions(action);
    for (const [name] of strings) {
      const others = requiredArgs(action).filter((_, i, all) => all[i] !== `--${name}` && all[i - 1] !== `--${name}`);
      expectUsageError(await cli(...argv, ...others, `--${name}`), path, `--${name} needs a value`, actionUsage(path, action));
      expectUsageError(await cli(...argv, ...others, `--${name}=`), path, `--${name} needs a value`, actionUsage(path, action));
    }
    // a flag that takes no value given one
    expectUsageError(await cli(...argv, ...requiredArgs(action), '--help=yes'), path, '--help takes no value', actionUsage(path, action));
  });

  it.each(ACTIONS.map((a) => [a.path, a]))('%s: a missing required argument and an extra argument exit 2', async (_path, { path, action, argv }) => {
    const required = requiredArgs(action);
    if (required.length) expectUsageError(await cli(...argv), path, 'is required', actionUsage(path, action));
    const positionals = action.positionals ?? [];
    if (!positionals.at(-1)?.variadic) {
      const extra = [...positionals.map(() => 'x'), 'surplus'];
      const r = await cli(...argv, ...Object.entries(action.options ?? {}).filter(([, o]) => o.required).flatMap(([n, o]) => (o.type === 'string' ? [`--${n}`, 'x'] : [`--${n}`])), ...extra);
      expectUsageError(r, path, positionals.length ? `unexpected argument ${positionals.length + 1}` : 'takes no arguments', actionUsage(path, action));
      expect(r.stderr[0]).not.toContain('surplus'); // an argument's value is never echoed
    }
  });

  it.each(GROUPS.map((c) => [c.name, c]))('%s: --help lists the subcommands (exit 0); none or an unknown one exits 2', async (name, c) => {
    const help = await cli(name, '--help');
    expect(help).toMatchObject({ code: 0, stderr: [] });
    for (const { path, action } of actionsOf(c)) expect(help.stdout.join('\n')).toContain(actionUsage(path, action));
    expectUsageError(await cli(name), name, 'a subcommand is needed', c.usage);
    expectUsageError(await cli(name, 'frobnicate'), name, 'unknown subcommand frobnicate', c.usage);
  });
});

describe('the CLI itself', () => {
  it('--help and -h list every command with its usage (exit 0); no command or an unknown one exits 2', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await cli(flag);
      expect(r).toMatchObject({ code: 0, stderr: [] });
      for (const c of COMMANDS) expect(r.stdout.join('\n')).toContain(c.usage);
    }
    expect(await cli()).toMatchObject({ code: 2, stdout: [], stderr: [expect.stringMatching(/^a command is needed; usage: privacy-ledger <command>/)] });
    expect(await cli('no-such-command')).toMatchObject({ code: 2, stderr: [expect.stringMatching(/^unknown command no-such-command; /)] });
  });

  it('the issue\'s case: ropa --fromat csv exits 2 naming the flag (it printed JSON and exited 0)', async () => {
    const r = await cli('ropa', '--fromat', 'csv');
    expect(r).toMatchObject({ code: 2, stdout: [], stderr: [expect.stringMatching(/^ropa: unknown option --fromat; usage: ropa \[--view <controller\|processor>\] /)] });
  });

  it('a value refused by the HTTP route\'s DTO is refused with the same reason, naming the flag; a typed value is never echoed', async () => {
    expect((await cli('ropa', '--as-of', 'yesterday')).stderr[0]).toMatch(/^ropa: --as-of: as_of must be a valid ISO 8601 date string; usage: /);
    const r = await cli('audit', 'export', '--subject-key', 'alice@example.com', '--from', 'yesterday');
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/^audit export: --subject-key: subject_key must be a pseudonymous key sub_\.\.\.; --from: from must be a valid ISO 8601 date string; usage: /);
    expect(r.stderr[0]).not.toContain('alice');
    expect((await cli('webhooks', 'retry', '--ids', '12,x')).stderr[0]).toMatch(/^webhooks retry: --ids: each value in delivery_ids must match/);
  });

  it('--json prints one JSON document on stdout and nothing else (commands that need no database)', async () => {
    const scopes = await cli('keys', 'scopes', '--json');
    expect(scopes.code).toBe(0);
    expect(JSON.parse(scopes.stdout.join('\n')).scopes).toMatchObject({ admin: expect.any(String), 'catalog:read': expect.any(String) });
    expect(scopes.stdout).toHaveLength(1);
    const bad = await cli('evaluate', join(root, 'examples/manifests/bad/non-compliant.yaml'), '--json');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toHaveLength(1);
    const doc = JSON.parse(bad.stdout[0]);
    expect(doc).toMatchObject({ ok: false, findings: expect.arrayContaining([expect.objectContaining({ code: 'purpose_without_lawful_basis', line: 14 })]) });
    expect(bad.stderr).toEqual([]);
  });

  it('the README\'s CLI block lists exactly the usage the declarations generate', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## CLI\n'));
    const block = /```text\n([\s\S]*?)\n```/.exec(section)![1];
    const listed = block.split('\n').filter((l) => l.trim()).map((l) => l.replace(/\s+#.*$/, ''));
    expect(listed).toEqual(ACTIONS.map(({ path, action }) => actionUsage(path, action)));
  });
});
