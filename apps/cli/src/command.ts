import { parseArgs as parseNodeArgs } from 'node:util';
import { DomainError } from '@pl/domain';
import type { Infrastructure } from '../../common/infrastructure';
import { validationDetails } from '../../api/src/platform/http/validation-details';

export const PROGRAM = 'privacy-ledger';

// Loaded with the first DTO check (the DTO modules load them anyway): a command that checks nothing starts without them.
const validator = () => require('class-validator') as typeof import('class-validator');
const transformer = () => require('class-transformer') as typeof import('class-transformer');

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the current terminal line (progress displays); a plain line when not a TTY. */
  progress(line: string): void;
}

/** One option of a command, declared once: the parser, the usage line and the help text come from it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** The value's placeholder in usage and help (`<file>`); a field's choices in the DTO are shown instead when it has any. */
  readonly value?: string;
  readonly required?: boolean;
  /** Repeatable, and each value may list several, comma-separated: the handler gets an array. */
  readonly multiple?: boolean;
  /** The values allowed (for options no HTTP route takes; the others are checked by the route's DTO). */
  readonly choices?: readonly string[];
  /** The field of the action's `validate` class (the HTTP route's DTO) this value is checked as; default: the name with `_` for `-`. */
  readonly field?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** Takes every remaining argument (the last positional only). */
  readonly variadic?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['multiple'] extends true ? string[] : string;
export type OptionValues<O extends OptionSpecs> = { readonly [K in keyof O]?: ValueOf<O[K]> };

export interface CliInput<O extends OptionSpecs = OptionSpecs> {
  readonly values: OptionValues<O>;
  readonly positionals: readonly string[];
  /** --json was given: the result's `json` is printed as one document, and nothing else reaches stdout. */
  readonly json: boolean;
}

/** A result that is data: printed as one JSON document under --json, else as its text lines. */
export interface Printed {
  readonly code?: number;
  readonly json: unknown;
  readonly text: readonly string[];
}

/** What a command (or a subcommand) takes and does. */
export interface CliAction<O extends OptionSpecs = OptionSpecs> {
  readonly summary: string;
  readonly options?: O;
  readonly positionals?: readonly PositionalSpec[];
  /** It prints data: it offers --json and returns a `Printed`. */
  readonly json?: boolean;
  /**
   * The HTTP route's DTO: option values are checked by the same class-validator rules, with the same
   * reasons. Loaded when a value is checked (a DTO module loads @nestjs/swagger: seconds at start).
   */
  readonly validate?: () => new () => object;
  /** False: runs with no database (evaluate, `keys scopes`). */
  readonly needsInfra: boolean;
  /** Opens even while the data keys still sit in the main database (KEYSTORE_DATABASE_URL migration). */
  readonly allowLegacyKeyTable?: boolean;
  /** The process exit code, or data to print (exit `code`, default 0). */
  run(input: CliInput<O>, io: CliIo, infra: Infrastructure | null): Promise<number | Printed>;
}

/** Keeps the literal types of an action's options for its `run` (and erases them for the registry). */
export const action = <const O extends OptionSpecs = Record<never, OptionSpec>>(a: CliAction<O>): CliAction => a as unknown as CliAction;

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** A command runs one action or dispatches to one of its subcommands. */
  readonly action?: CliAction;
  readonly subcommands?: Readonly<Record<string, CliAction>>;
  /** Generated from the declaration. */
  readonly usage: string;
  /** Parses, validates and runs `args` (runtime errors are thrown); the exit code. */
  run(args: readonly string[], io: CliIo, infra: Infrastructure | null): Promise<number>;
}

type CommandDef = { readonly name: string } & ({ readonly action: CliAction } | { readonly summary: string; readonly subcommands: Readonly<Record<string, CliAction>> });

export function defineCommand(def: CommandDef): CliCommand {
  const command: CliCommand = {
    name: def.name,
    summary: 'action' in def ? def.action.summary : def.summary,
    action: 'action' in def ? def.action : undefined,
    subcommands: 'subcommands' in def ? def.subcommands : undefined,
    get usage() {
      return commandUsage(command);
    },
    run: (args, io, infra) => invoke(command, args, io, async () => infra),
  };
  return command;
}

const HELP: OptionSpec = { type: 'boolean', description: 'show this help' };
const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print one JSON document on stdout (and nothing else there)' };

/** Every option an action accepts: its own, --json when it prints data, and --help. */
function allOptions(a: CliAction): Array<[string, OptionSpec]> {
  return [...Object.entries(a.options ?? {}), ...(a.json ? [['json', JSON_OPTION] as [string, OptionSpec]] : []), ['help', HELP]];
}

const fieldOf = (name: string, o: OptionSpec) => o.field ?? name.replace(/-/g, '_');

/** The values an `@IsIn` rule of the DTO allows for a field, if any. */
function choicesOf(dto: (() => new () => object) | undefined, field: string): readonly string[] | null {
  if (!dto) return null;
  const rule = validator()
    .getMetadataStorage()
    .getTargetValidationMetadatas(dto(), '', true, false)
    .find((m) => m.propertyName === field && m.name === 'isIn');
  return rule ? (rule.constraints[0] as string[]) : null;
}

const allowed = (a: CliAction, name: string, o: OptionSpec) => o.choices ?? choicesOf(a.validate, fieldOf(name, o));

function placeholder(a: CliAction, name: string, o: OptionSpec): string {
  const choices = allowed(a, name, o);
  const v = o.value ?? (choices ? choices.join('|') : name);
  return `<${v}>${o.multiple ? '[,...]' : ''}`;
}

function optionUsage(a: CliAction, name: string, o: OptionSpec): string {
  const flag = o.type === 'boolean' ? `--${name}` : `--${name} ${placeholder(a, name, o)}`;
  return o.required ? flag : `[${flag}]`;
}

function positionalUsage(p: PositionalSpec): string {
  const one = `<${p.name}>${p.variadic ? '...' : ''}`;
  return p.required ? one : `[${one}]`;
}

/** `ropa [--view <controller|processor>] ...`: the path, then required options, positionals, optional ones. */
export function actionUsage(path: string, a: CliAction): string {
  const opts = Object.entries(a.options ?? {});
  return [
    path,
    ...opts.filter(([, o]) => o.required).map(([n, o]) => optionUsage(a, n, o)),
    ...(a.positionals ?? []).map(positionalUsage),
    ...opts.filter(([, o]) => !o.required).map(([n, o]) => optionUsage(a, n, o)),
    ...(a.json ? ['[--json]'] : []),
  ].join(' ');
}

function commandUsage(c: CliCommand): string {
  return c.action ? actionUsage(c.name, c.action) : `${c.name} <${Object.keys(c.subcommands!).join('|')}> ...`;
}

/** Every runnable path of a command (`keys create`, `keys list`, ... or `ropa`) with its action. */
export function actionsOf(c: CliCommand): Array<{ path: string; action: CliAction }> {
  return c.action ? [{ path: c.name, action: c.action }] : Object.entries(c.subcommands!).map(([sub, a]) => ({ path: `${c.name} ${sub}`, action: a }));
}

function actionHelp(path: string, a: CliAction): string {
  const rows: Array<[string, string]> = [
    ...(a.positionals ?? []).map((p): [string, string] => [positionalUsage(p), p.description]),
    ...allOptions(a).map(([n, o]): [string, string] => [
      `${n === 'help' ? '-h, ' : ''}--${n}${o.type === 'string' ? ` ${placeholder(a, n, o)}` : ''}`,
      `${o.description}${o.required ? ' (required)' : ''}${o.value && allowed(a, n, o) ? `; one of ${allowed(a, n, o)!.join(', ')}` : ''}`,
    ]),
  ];
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return [`usage: ${PROGRAM} ${actionUsage(path, a)}`, '', a.summary, '', ...rows.map(([l, d]) => `  ${l.padEnd(width)}${d}`)].join('\n');
}

function commandHelp(c: CliCommand): string {
  if (c.action) return actionHelp(c.name, c.action);
  const subs = Object.entries(c.subcommands!);
  const width = Math.max(...subs.map(([s]) => s.length)) + 2;
  return [
    `usage: ${PROGRAM} ${commandUsage(c)}`,
    '',
    c.summary,
    '',
    'subcommands:',
    ...subs.map(([s, a]) => `  ${s.padEnd(width)}${a.summary}\n  ${''.padEnd(width)}${actionUsage(`${c.name} ${s}`, a)}`),
    '',
    `${PROGRAM} ${c.name} <subcommand> --help shows a subcommand's options`,
  ].join('\n');
}

/** The CLI's own help: every command with its summary and usage. */
export function programHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `usage: ${PROGRAM} <command> [options]`,
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}\n  ${''.padEnd(width)}${c.usage}`),
    '',
    `${PROGRAM} <command> --help shows a command's options. Exit codes: 0 done, 1 failed, 2 bad usage or input.`,
  ].join('\n');
}

export type ParsedLine =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage_error'; readonly message: string }
  | { readonly kind: 'run'; readonly path: string; readonly action: CliAction; readonly input: CliInput };

const isHelp = (a: string | undefined) => a === '--help' || a === '-h';
/** A flag is named in a message only when it is a plain flag name (never a value typed by mistake). */
const flagName = (s: string) => (/^--?[A-Za-z0-9][A-Za-z0-9-]{0,40}$/.test(s) ? s : 'an option');
const usageError = (path: string, usage: string, reason: string): ParsedLine => ({ kind: 'usage_error', message: `${path}: ${reason}; usage: ${usage} (--help for more)` });

/** Why node's strict parser refused, in our words: the flag named, never a value. */
function parseRefusal(e: Error & { code?: string }): string {
  const flag = flagName(/'(-[^' ]+)/.exec(e.message)?.[1] ?? '');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return / does not take an argument/.test(e.message) ? `${flag} takes no value` : `${flag} needs a value`;
    default:
      return 'unexpected arguments';
  }
}

/** Parses a command's arguments against its declaration: help, a usage error (exit 2) or what to run. */
export function parseCommandLine(c: CliCommand, args: readonly string[]): ParsedLine {
  let path = c.name;
  let a = c.action;
  let rest = args;
  if (!a) {
    if (isHelp(args[0])) return { kind: 'help', text: commandHelp(c) };
    const sub = args[0];
    if (sub === undefined || !Object.hasOwn(c.subcommands!, sub)) {
      const what = sub === undefined ? 'a subcommand is needed' : sub.startsWith('-') ? `${flagName(sub)} before the subcommand` : `unknown subcommand${/^[a-z][a-z-]{0,40}$/.test(sub) ? ` ${sub}` : ''}`;
      return usageError(c.name, commandUsage(c), what);
    }
    a = c.subcommands![sub];
    path = `${c.name} ${sub}`;
    rest = args.slice(1);
  }
  const usage = actionUsage(path, a);
  if (rest.some(isHelp)) return { kind: 'help', text: actionHelp(path, a) };
  const specs = allOptions(a);
  let parsed: { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] };
  try {
    parsed = parseNodeArgs({
      args: [...rest],
      options: Object.fromEntries(specs.map(([n, o]) => [n, { type: o.type, multiple: !!o.multiple }])),
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    return usageError(path, usage, parseRefusal(e as Error));
  }
  const positionals = a.positionals ?? [];
  const variadic = positionals.at(-1)?.variadic;
  if (!variadic && parsed.positionals.length > positionals.length) {
    return usageError(path, usage, positionals.length ? `unexpected argument ${positionals.length + 1} (takes ${positionals.length})` : 'takes no arguments');
  }
  const missingPositional = positionals.find((p, i) => p.required && parsed.positionals[i] === undefined);
  if (missingPositional) return usageError(path, usage, `<${missingPositional.name}> is required`);
  const values: Record<string, string | boolean | string[]> = {};
  for (const [n, o] of specs) {
    const v = parsed.values[n];
    if (v === undefined) {
      if (o.required) return usageError(path, usage, `--${n} is required`);
      continue;
    }
    if (o.type === 'string') {
      const list = o.multiple ? (v as string[]).flatMap((s) => s.split(',')).map((s) => s.trim()) : [v as string];
      if (list.some((s) => s === '')) return usageError(path, usage, `--${n} needs a value`);
      if (o.choices && list.some((s) => !o.choices!.includes(s))) return usageError(path, usage, `--${n} must be one of ${o.choices.join(', ')}`);
      values[n] = o.multiple ? list : list[0];
    } else values[n] = v as boolean;
  }
  const refused = a.validate ? dtoRefusal(a, values) : null;
  if (refused) return usageError(path, usage, refused);
  return { kind: 'run', path, action: a, input: { values: values as OptionValues<OptionSpecs>, positionals: parsed.positionals, json: values.json === true } };
}

/** The HTTP route's validation of the same values (its DTO), with its reasons: `--as-of: as_of must be ...`. */
function dtoRefusal(a: CliAction, values: Record<string, unknown>): string | null {
  const flags = new Map<string, string>();
  const plain: Record<string, unknown> = {};
  for (const [n, o] of Object.entries(a.options ?? {})) {
    if (values[n] === undefined || o.type !== 'string') continue;
    flags.set(fieldOf(n, o), n);
    plain[fieldOf(n, o)] = values[n];
  }
  if (!flags.size) return null;
  const errors = validator().validateSync(transformer().plainToInstance(a.validate!(), plain), { validationError: { target: false, value: false } });
  const details = validationDetails(errors);
  if (!details.length) return null;
  return details.map((d) => `--${flags.get(d.field.split('.')[0]) ?? d.field}: ${d.problems.join(', ')}`).join('; ');
}

/** Prints a command's result: its JSON document under --json (stdout holds nothing else), else its lines. */
async function execute(p: Extract<ParsedLine, { kind: 'run' }>, io: CliIo, infra: Infrastructure | null): Promise<number> {
  // under --json every incidental line goes to stderr: stdout is the one document
  const runIo: CliIo = p.input.json ? { out: io.err, err: io.err, progress: io.err } : io;
  const r = await p.action.run(p.input, runIo, infra);
  if (typeof r === 'number') return r;
  if (p.input.json) io.out(JSON.stringify(r.json, null, 2));
  else r.text.forEach((l) => io.out(l));
  return r.code ?? 0;
}

/**
 * Parses, then opens what the action needs (`open`) and runs it. Help exits 0 and a usage error 2, before
 * anything is opened. A refusal of the input by a use case (`DomainError` invalid, the API's 400) exits 2
 * when `refusalsAsExit` is set (the CLI entry point), else it is thrown like any runtime error.
 */
export async function invoke(
  c: CliCommand,
  args: readonly string[],
  io: CliIo,
  open: (a: CliAction) => Promise<Infrastructure | null>,
  options: { refusalsAsExit?: boolean } = {},
): Promise<number> {
  const p = parseCommandLine(c, args);
  if (p.kind === 'help') {
    io.out(p.text);
    return 0;
  }
  if (p.kind === 'usage_error') {
    io.err(p.message);
    return 2;
  }
  try {
    return await execute(p, io, await open(p.action));
  } catch (e) {
    if (!options.refusalsAsExit || !(e instanceof DomainError && e.code === 'invalid')) throw e;
    io.err(`${p.path}: ${e.message}`);
    return 2;
  }
}
