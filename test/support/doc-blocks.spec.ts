import { commandBlocks, fencedBlocks, linePattern, matchOutput } from './doc-blocks';

const page = [
  '# A page',
  '```bash',
  'c GET /health',
  '```',
  '```json',
  '{"status":"ok",…}',
  '```',
  '',
  '<!-- not run: needs a container engine -->',
  '```bash',
  'docker compose up',
  '```',
  '```',
  'npm test',
  '```',
].join('\n');

describe('doc blocks', () => {
  it('reads fenced blocks with their language, line and not-run reason', () => {
    const blocks = fencedBlocks(page);
    expect(blocks.map((b) => [b.lang, b.line, b.notRun, b.runBy])).toEqual([
      ['bash', 2, null, null],
      ['json', 5, null, null],
      ['bash', 10, 'needs a container engine', null],
      ['', 13, null, null],
    ]);
    expect(fencedBlocks('<!-- run by test/e2e/docs.e2e.ts (quick start) -->\n```bash\nnpm start\n```')[0].runBy).toBe('test/e2e/docs.e2e.ts');
  });

  it('pairs each command block with the output block after it', () => {
    const cmds = commandBlocks(page);
    expect(cmds).toHaveLength(2);
    expect(cmds[0].expected?.text).toBe('{"status":"ok",…}');
    expect(cmds[1].expected?.text).toBe('npm test');
  });
});

describe('matching a shown output', () => {
  it('treats … as anything within a line', () => {
    expect(linePattern('{"status":"ok",…}').test('{"status":"ok","live":true}')).toBe(true);
    expect(linePattern('{"status":"ok",…}').test('{"status":"degraded","live":true}')).toBe(false);
  });

  it('matches ids, times, dates, pseudonyms and hashes by shape, not value', () => {
    const shown = '{"request_id":"39905780-afe3-40f8-a6ab-d4e407ee22ee","subject_key":"sub_poptw6-42Xwq3Eyn7qX8QENnEuj8v-lR","received_at":"2026-11-27T00:21:23.522+00:00","until":"2033-11-27","link":"3c4984c66bc95d948515ed2e34061371c45161c56d467eb12b19f1626016b249"}';
    const real = '{"request_id":"0b2c1e55-1111-4222-8333-944455556666","subject_key":"sub_ABCdef-123_xyz789","received_at":"2026-12-02T11:00:00.000Z","until":"2033-12-02","link":"0000000000000000000000000000000000000000000000000000000000000000"}';
    expect(matchOutput(shown, real)).toBeNull();
    expect(matchOutput(shown, real.replace('"until"', '"till"'))).not.toBeNull();
    expect(matchOutput(shown, real.replace('0b2c1e55-1111', 'not-a-uuid'))).not.toBeNull();
  });

  it('matches line by line; a line of … absorbs any number of lines', () => {
    expect(matchOutput('a\n…\nz', 'a\nb\nc\nz')).toBeNull();
    expect(matchOutput('a\n…\nz', 'a\nz')).toBeNull();
    expect(matchOutput('a\nz', 'a\nb\nz')).toMatchObject({ shown: 'z', actual: 'b' });
    expect(matchOutput('a\nb', 'a\nb\nc')).toMatchObject({ actual: 'c' });
    expect(matchOutput('a\nb\nc', 'a\nb')).toMatchObject({ shown: 'c', actual: null });
  });

  it('keeps regular expression characters literal', () => {
    expect(matchOutput('GDPR Art. 17(3)(b) [x]', 'GDPR Art. 17(3)(b) [x]')).toBeNull();
    expect(matchOutput('GDPR Art. 17(3)(b)', 'GDPR Art_ 17(3)(b)')).not.toBeNull();
  });
});
