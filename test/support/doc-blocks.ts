/**
 * The commands in README.md and docs/*.md are run by a test so they cannot drift. This module reads
 * a Markdown file into its fenced blocks and matches a command's real output against the output the
 * page shows.
 *
 * Conventions a page follows:
 * - a ```bash (or sh/shell) block is a command block; the next fenced block, when it is not itself a
 *   command block, is the output it shows (```json, ```text or a bare ```);
 * - a command block that the docs test does not run is preceded, within the three lines above it, by
 *   `<!-- not run: <reason> -->`; the reason says what runs it instead or why nothing can; one that a
 *   test runs on its own (not as part of a page run top to bottom) by `<!-- run by <test file> -->`;
 * - in a shown output, `…` stands for anything on that line, a line holding only `…` for any number of
 *   lines; ids, keys, pseudonyms, hashes, dates and times are matched by their shape, not their value
 *   (they differ on every run).
 */
export interface DocBlock {
  readonly lang: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The reason from a `<!-- not run: … -->` comment just above the block, if any. */
  readonly notRun: string | null;
  /** The test named by a `<!-- run by <test file> … -->` comment just above the block, if any. */
  readonly runBy: string | null;
}

export interface CommandBlock extends DocBlock {
  readonly expected: DocBlock | null;
}

const COMMAND_LANGS = new Set(['bash', 'sh', 'shell']);

export function fencedBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const above = lines.slice(Math.max(0, start - 3), start).join('\n');
    const notRun = /<!--\s*not run:\s*([\s\S]+?)\s*-->/.exec(above);
    const runBy = /<!--\s*run by (\S+)[\s\S]*?-->/.exec(above);
    blocks.push({ lang: open[1].toLowerCase(), text: body.join('\n'), line: start + 1, notRun: notRun ? notRun[1] : null, runBy: runBy ? runBy[1] : null });
  }
  return blocks;
}

export const isCommand = (b: DocBlock): boolean => COMMAND_LANGS.has(b.lang);

/** Command blocks in page order, each with the output block that follows it (if any). */
export function commandBlocks(markdown: string): CommandBlock[] {
  const blocks = fencedBlocks(markdown);
  const out: CommandBlock[] = [];
  blocks.forEach((b, i) => {
    if (!isCommand(b)) return;
    const next = blocks[i + 1];
    out.push({ ...b, expected: next && !isCommand(next) ? next : null });
  });
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Values that differ on every run, matched by shape. Order matters: longer shapes first. */
const VOLATILE: ReadonlyArray<readonly [RegExp, string]> = [
  [/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g, '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})'],
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'],
  [/\b[0-9a-f]{64}\b/g, '[0-9a-f]{64}'],
  [/\bsub_[A-Za-z0-9_-]+/g, 'sub_[A-Za-z0-9_-]+'],
  [/\b[0-9a-f]{4,}-?(?=\u0000)/g, '[0-9a-f-]*'], // an id cut short before …: "39905780-…"

  [/\bpl_[a-f0-9]{16}\.[A-Za-z0-9_-]+/g, 'pl_[a-f0-9]{16}\\.[A-Za-z0-9_-]+'],
  [/\bapikey:[A-Za-z0-9]+/g, 'apikey:[A-Za-z0-9]+'],
  [/\b\d{4}-\d{2}-\d{2}\b/g, '\\d{4}-\\d{2}-\\d{2}'],
  [/"position":"\d+[:/]\d+"/g, '"position":"\\d+[:/]\\d+"'],
  [/"(seq|tx|pos|revision)":"\d+"/g, '"$1":"\\d+"'],
  [/"(elapsed_ms|events_per_second|behind|time_left_hours)":[\d.]+/g, '"$1":[\\d.]+'],
  [/\b\d+(?:\.\d+)? hours\b/g, '[\\d.]+ hours'],
];

/** A shown output line as a regular expression over a real output line. */
export function linePattern(shown: string): RegExp {
  const marks: string[] = [];
  const mark = (pattern: string) => `\u0000${marks.push(pattern) - 1}\u0000`;
  let marked = shown.replace(/…/g, () => mark('.*?'));
  for (const [shape, pattern] of VOLATILE) {
    marked = marked.replace(shape, (...m) => {
      const groups = m.slice(1).filter((g): g is string => typeof g === 'string' && !/^\u0000/.test(g));
      return mark(groups.reduce((p, g, k) => p.replace(`$${k + 1}`, g), pattern));
    });
  }
  const src = marked
    .split(/\u0000(\d+)\u0000/)
    .map((part, i) => (i % 2 === 1 ? marks[Number(part)] : escape(part)))
    .join('');
  return new RegExp(`^${src}$`);
}

export interface Mismatch {
  readonly shownLine: number;
  readonly shown: string;
  readonly actual: string | null;
}

/**
 * Matches real output lines against a shown output: line by line, `…` lines absorbing any number of
 * real lines. Returns null on a match, else the first shown line that found no real line.
 */
export function matchOutput(shown: string, actual: string): Mismatch | null {
  const want = shown.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const got = actual.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  let best: Mismatch | null = null;
  const memo = new Set<string>();
  const go = (w: number, g: number): boolean => {
    if (w === want.length) {
      if (g === got.length) return true;
      best = best ?? { shownLine: w, shown: '(end of the shown output)', actual: got[g] };
      return false;
    }
    const key = `${w}:${g}`;
    if (memo.has(key)) return false;
    memo.add(key);
    if (want[w].trim() === '…') return go(w + 1, g) || (g < got.length && go(w, g + 1));
    if (g < got.length && linePattern(want[w]).test(got[g])) return go(w + 1, g + 1);
    if (!best || w >= best.shownLine) best = { shownLine: w, shown: want[w], actual: got[g] ?? null };
    return false;
  };
  return go(0, 0) ? null : best;
}
