import { JSON_MAX_DEPTH, jsonDepthExceeds } from './json-limits';

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('JSON depth limit', () => {
  it('given a body nested exactly to the limit, when checked, then it passes', () => {
    expect(jsonDepthExceeds(nested(JSON_MAX_DEPTH))).toBe(false);
    expect(jsonDepthExceeds(`{"a":${'{"a":'.repeat(JSON_MAX_DEPTH - 1)}1${'}'.repeat(JSON_MAX_DEPTH)}`)).toBe(false);
  });

  it('given a body one level deeper (or 1,500 deep), when checked, then it is refused', () => {
    expect(jsonDepthExceeds(nested(JSON_MAX_DEPTH + 1))).toBe(true);
    expect(jsonDepthExceeds(`{"a":${'{"a":'.repeat(1500)}1${'}'.repeat(1501)}`)).toBe(true);
  });

  it('given brackets inside strings (also after escaped quotes), when checked, then they do not count', () => {
    expect(jsonDepthExceeds(JSON.stringify({ s: '['.repeat(1000), t: '\\"{{{{' + '{'.repeat(500) }))).toBe(false);
  });

  it('given siblings at the same level, when checked, then depth does not add up', () => {
    expect(jsonDepthExceeds(JSON.stringify(Array.from({ length: 1000 }, () => [[1]])))).toBe(false);
  });
});
