import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startTestApp, type TestApp } from '../support/app';

/**
 * deploy/: the Prometheus alerting rules and the Grafana dashboard. promtool (Debian package
 * `prometheus`; .ci/run installs it) checks the rules and runs their unit tests; with promtool absent
 * this fails rather than skips. Every metric either names must be one the service's GET /metrics exports.
 */
const ROOT = join(__dirname, '..', '..');
const RULES = join(ROOT, 'deploy/prometheus/alerts.yml');
const RULE_TESTS = join(ROOT, 'deploy/prometheus/alerts.test.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/privacy-ledger.json');

// PromQL words that are not metric names: functions, aggregations, keywords.
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'abs', 'clamp_min', 'clamp_max',
  'time', 'timestamp', 'vector', 'scalar', 'absent', 'changes', 'resets', 'max_over_time', 'min_over_time', 'avg_over_time', 'label_replace',
]);

/** Metric names an expression reads: identifiers left once label matchers, groupings, ranges, strings and variables are gone. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\$\{?\w+\}?/g, '')
    .replace(/\b\d+(\.\d+)?(e\d+)?\b/g, '');
  return [...new Set((bare.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? []).filter((w) => !PROMQL_WORDS.has(w)))];
}

/** Series names the exposition text declares (`# TYPE`), histograms with their _bucket, _sum and _count. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]);
    if (m[2] === 'histogram' || m[2] === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
  }
  return names;
}

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is not installed (Debian: apt-get install prometheus; .ci/run installs it): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('deploy/: alerting rules and dashboard', () => {
  let t: TestApp;
  let exported: Set<string>;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite' });
    const metrics = await t.request('GET', '/metrics', undefined, null);
    expect(metrics.status).toBe(200);
    exported = exportedNames(metrics.body as string);
  }, 120_000);
  afterAll(() => t?.close(), 60_000);

  it('promtool is installed (a missing promtool fails the run, it does not skip it)', () => {
    expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toMatch(/promtool, version/);
  });

  it('the rules pass `promtool check rules` and their unit tests (`promtool test rules`)', () => {
    const check = promtool('check', 'rules', RULES);
    expect(check.out).toContain('SUCCESS');
    expect(check.status).toBe(0);
    const tests = promtool('test', 'rules', RULE_TESTS);
    expect(tests.out).toContain('SUCCESS');
    expect(tests.status).toBe(0);
  });

  it('every alert has a unit test, a severity and a summary', () => {
    const rules = parseYaml(readFileSync(RULES, 'utf8')).groups.flatMap((g: any) => g.rules);
    const tested = new Set(parseYaml(readFileSync(RULE_TESTS, 'utf8')).tests.flatMap((x: any) => x.alert_rule_test.filter((a: any) => a.exp_alerts.length).map((a: any) => a.alertname)));
    for (const r of rules) {
      expect([r.alert, tested.has(r.alert)]).toEqual([r.alert, true]);
      expect(['page', 'ticket']).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
    }
  });

  it('every metric the rules and the dashboard name is exported by the service', () => {
    const rules = parseYaml(readFileSync(RULES, 'utf8')).groups.flatMap((g: any) => g.rules);
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    const panels = dashboard.panels.filter((p: any) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    const exprs: Array<[string, string]> = [
      ...rules.map((r: any): [string, string] => [`alert ${r.alert}`, r.expr]),
      ...panels.flatMap((p: any) => p.targets.map((x: any): [string, string] => [`panel ${p.title}`, x.expr])),
    ];
    const unknown = exprs.flatMap(([where, expr]) => {
      const names = metricNames(expr);
      expect([where, names.length > 0]).toEqual([where, true]);
      return names.filter((n) => !exported.has(n)).map((n) => `${where}: ${n}`);
    });
    expect(unknown).toEqual([]);
  });

  it('reads metric names out of PromQL (and would catch a name the service does not export)', () => {
    expect(metricNames('max by (projection) (pl_projection_stuck{projection=~"relay.*"}) == 1 or max(pl_x) > 300')).toEqual(['pl_projection_stuck', 'pl_x']);
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(pl_http_request_duration_seconds_bucket[$__rate_interval])))')).toEqual(['pl_http_request_duration_seconds_bucket']);
    expect(exported.has('pl_x')).toBe(false);
    expect(exported.has('pl_webhook_dead_letters')).toBe(true);
  });
});
