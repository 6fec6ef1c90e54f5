import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { burnWindows } from '../../app/export/burnrate.js';
import { ALERT_NAME, prometheusRuleGroups, renderPrometheusRules, type AlertingRule } from '../../app/export/prometheus-rules.js';
import { safeName } from '../../app/export/common.js';
import { promtool as runPromtool, type PromtoolRun } from '../helpers/promtool.js';
import { fixture, fixtures } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'slo-scout-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Output of a promtool run that must succeed; the error carries promtool's own explanation. */
async function promtool(...args: string[]): Promise<string> {
  const { code, out } = await runPromtool(dir, ...args);
  if (code !== 0) throw new Error(`promtool ${args.join(' ')} failed:\n${out}`);
  return out;
}

/**
 * promtool evaluates rule groups in an unspecified order unless told; the exported file's order
 * (SLI recordings, meta recordings, alerts) is the one whose same-minute results the tests expect.
 */
const inFileOrder = (groups: { name: string }[]) => groups.map((g) => g.name);

describe('burn-rate factors', () => {
  it.each([
    ['a 30-day period gives the SRE Workbook factors 14.4 / 6 / 3 / 1', 30, [14.4, 6, 3, 1]],
    ['a 28-day period scales every factor by 28/30', 28, [13.44, 5.6, 2.8, 0.933333]],
    ['a 7-day period pages at 3.36x', 7, [3.36, 1.4, 0.7, 0.233333]],
  ])('%s', (_name, days, expected) => {
    expect(burnWindows(days * 86400).map((p) => p.factor)).toEqual(expected);
  });
});

describe('Prometheus rule files', () => {
  // One `promtool check rules` over every file (a process per file cost a second each under load);
  // each test then reads its own file's section of the output.
  const files = fixtures().flatMap(({ name, report }) => report.proposals.map((proposal) => ({ name, proposal, file: `${name}-${safeName(proposal.sloId)}.rules.yaml` })));
  let check: PromtoolRun;
  beforeAll(async () => {
    for (const { name, proposal, file } of files) writeFileSync(join(dir, file), renderPrometheusRules(fixtures().find((f) => f.name === name)!.report, proposal, { periodSeconds: 28 * 86400 }));
    check = await runPromtool(dir, 'check', 'rules', ...files.map((f) => f.file));
  }, 240_000);
  /** promtool prints "Checking <file>" then that file's verdict; a section ends where the next begins. */
  const sectionOf = (file: string): string => {
    const start = check.out.indexOf(`Checking ${file}\n`);
    if (start < 0) return `(promtool did not check ${file}; exit ${check.code}):\n${check.out.slice(0, 3000)}`;
    const next = check.out.indexOf('Checking ', start + 1);
    return check.out.slice(start, next < 0 ? undefined : next);
  };

  for (const { name, proposal, file } of files) {
    it(`${name}/${proposal.sloId} passes promtool check rules`, () => {
      expect(sectionOf(file)).toMatch(/^Checking \S+\n\s+SUCCESS: \d+ rules found/);
    });
  }

  it('the shared check run covered every file and nothing failed', () => {
    expect(check.code, check.out.slice(0, 3000)).toBe(0);
    expect(check.out.match(/SUCCESS: \d+ rules found/g)).toHaveLength(files.length);
  });

  it('records the error ratio for every recipe window and the period', () => {
    const groups = prometheusRuleGroups(fixture('fleet').proposals[0]!, { periodSeconds: 28 * 86400 });
    const windows = groups[0]!.rules.map((r) => (r as { labels: Record<string, string> }).labels.slo_window);
    expect(windows).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '28d']);
  });

  it('a variant override swaps the latency bucket bound and the objective', () => {
    const proposal = fixture('fleet').proposals[0]!; // balanced: le="0.5", 99%
    const groups = prometheusRuleGroups(proposal, { periodSeconds: 28 * 86400, variant: 'conservative' });
    const text = stringify(groups);
    expect(text).toContain('le=~"1(\\\\.0)?"'); // integer bound: matches "1" and "1.0" like the engine does
    expect(text).not.toContain('le="0.5"');
    expect(text).toContain('vector(0.999)');
  });

  it('an integer bound written as a regex matcher is recognised and swapped back to an exact one', () => {
    const base = fixture('fleet').proposals[0]!;
    const q = (le: string) => `sum(rate(x_bucket{a="b",${le}}[{{.window}}]))`;
    const proposal = { ...base, selectedVariant: 'conservative' as const, queries: { good: q('le=~"1(\\\\.0)?"'), bad: `(sum(rate(x_count[{{.window}}])) - ${q('le=~"1(\\\\.0)?"')})`, total: 'sum(rate(x_count[{{.window}}]))' } };
    const text = stringify(prometheusRuleGroups(proposal, { periodSeconds: 28 * 86400, variant: 'aggressive' }));
    expect(text).toContain('le="0.25"');
    expect(text).not.toContain('le=~');
  });

  it('refuses to switch variants when the queries pin no matching bucket bound', () => {
    const base = fixture('fleet').proposals[0]!;
    const proposal = { ...base, queries: { good: 'sum(rate(custom_good[{{.window}}]))', bad: 'sum(rate(custom_bad[{{.window}}]))', total: 'sum(rate(custom_total[{{.window}}]))' } };
    expect(() => prometheusRuleGroups(proposal, { periodSeconds: 28 * 86400, variant: 'aggressive' })).toThrow(/no le matcher for the selected threshold 0.5/);
  });
});

/** Counter samples (one per minute) from per-minute increments, in promtool's compact `a+bxn` notation. */
function counter(increments: number[]): string {
  const parts: string[] = [];
  let value = 0;
  let i = 0;
  while (i < increments.length) {
    const step = increments[i]!;
    let n = 1;
    while (i + n < increments.length && increments[i + n] === step) n++;
    parts.push(`${value + step}+${step}x${n - 1}`);
    value += step * n;
    i += n;
  }
  return `0 ${parts.join(' ')}`;
}

/** Per-minute traffic: `minutes` of `total` requests with `errorShare` failing, segment by segment. */
function traffic(segments: { minutes: number; total: number; errorShare: number }[]): { ok: number[]; errors: number[] } {
  const ok: number[] = [];
  const errors: number[] = [];
  for (const s of segments) {
    for (let m = 0; m < s.minutes; m++) {
      errors.push(s.total * s.errorShare);
      ok.push(s.total * (1 - s.errorShare));
    }
  }
  return { ok, errors };
}

describe('promtool test rules: the alerts fire when they should', () => {
  // payments-availability, balanced: 99% over 28d, so the budget is a 1% error ratio; page at 13.44x / 5.6x,
  // ticket at 2.8x / 0.933x.
  const report = fixture('minimal');
  const proposal = report.proposals[0]!;
  const groups = prometheusRuleGroups(proposal, { periodSeconds: 28 * 86400 });
  const alerts = groups[2]!.rules as AlertingRule[];
  const page = alerts.find((a) => a.labels.severity === 'page')!;
  const ticket = alerts.find((a) => a.labels.severity === 'ticket')!;
  const fired = (rule: AlertingRule) => [{ exp_labels: rule.labels, exp_annotations: rule.annotations }];

  const scenarios = [
    {
      name: 'a sharp outage (50% errors for 20 minutes) fires the page alert',
      traffic: traffic([{ minutes: 60, total: 1000, errorShare: 0 }, { minutes: 30, total: 1000, errorShare: 0.5 }]),
      checks: [
        { at: '55m', page: false, ticket: false },
        { at: '80m', page: true },
      ],
    },
    {
      name: 'a slow burn (4% errors, 4x the budget) fires the ticket but never pages',
      traffic: traffic([{ minutes: 1500, total: 1000, errorShare: 0.04 }]),
      checks: [
        { at: '6h', page: false, ticket: true },
        { at: '1d', page: false, ticket: true },
      ],
    },
    {
      name: 'steady traffic within budget (0.5% errors) fires nothing for a day',
      traffic: traffic([{ minutes: 1500, total: 1000, errorShare: 0.005 }]),
      checks: ['1h', '6h', '1d', '25h'].map((at) => ({ at, page: false, ticket: false })),
    },
  ];

  /** One test group per scenario, named after it, so promtool's output names any that fails. */
  function scenarioGroup(scenario: (typeof scenarios)[number]) {
    const alertRuleTests = scenario.checks.flatMap((c) => {
      const out: object[] = [];
      if ('page' in c) out.push({ eval_time: c.at, alertname: ALERT_NAME.page, exp_alerts: c.page ? fired(page) : [] });
      if ('ticket' in c) out.push({ eval_time: c.at, alertname: ALERT_NAME.ticket, exp_alerts: c.ticket ? fired(ticket) : [] });
      return out;
    });
    return {
      name: scenario.name,
      interval: '1m',
      input_series: [
        { series: 'http_requests_total{service="payments",code="200"}', values: counter(scenario.traffic.ok) },
        { series: 'http_requests_total{service="payments",code="500"}', values: counter(scenario.traffic.errors) },
      ],
      alert_rule_test: alertRuleTests,
      // Guards against a vacuous pass: the error ratios exist (not NaN or absent) at the last check.
      promql_expr_test: ['5m', '1h', '1d', '3d'].map((w) => ({
        expr: `count(slo:sli_error:ratio_rate${w}{slo_id="payments-availability"} >= 0)`,
        eval_time: scenario.checks.at(-1)!.at,
        exp_samples: [{ labels: '{}', value: 1 }],
      })),
    };
  }

  /** Test groups promtool reports as failed ("name: <group>," under FAILED). */
  const failedGroups = (out: string) => [...out.matchAll(/^\s*name: (.*),$/gm)].map((m) => m[1]!);

  // All scenarios in one promtool run: the rule file is loaded once, and the minutes of each
  // scenario are evaluated in one process instead of three racing for two cores.
  let run: PromtoolRun;
  beforeAll(async () => {
    writeFileSync(join(dir, 'scenarios.rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
    writeFileSync(join(dir, 'scenarios.test.yaml'), stringify({
      rule_files: ['scenarios.rules.yaml'],
      evaluation_interval: '1m',
      group_eval_order: inFileOrder(groups),
      tests: scenarios.map(scenarioGroup),
    }, { lineWidth: 0 }));
    run = await runPromtool(dir, 'test', 'rules', 'scenarios.test.yaml');
  }, 240_000);

  for (const scenario of scenarios) {
    it(scenario.name, () => {
      expect(run.out).toMatch(/Unit Testing: +scenarios\.test\.yaml/);
      if (run.code === 0) {
        expect(run.out).toMatch(/SUCCESS/);
        return;
      }
      // A failure must be attributed to named groups; anything else (a parse error) fails every scenario.
      const failed = failedGroups(run.out);
      expect(failed.length, run.out.slice(0, 3000)).toBeGreaterThan(0);
      expect(failed, run.out.slice(0, 6000)).not.toContain(scenario.name);
    });
  }

  it('the unit-test harness itself can fail: a wrong expectation is reported by promtool, against its group', async () => {
    const rulesFile = 'harness.rules.yaml';
    writeFileSync(join(dir, rulesFile), stringify({ groups }, { lineWidth: 0 }));
    const t = traffic([{ minutes: 120, total: 1000, errorShare: 0.005 }]);
    writeFileSync(join(dir, 'harness.test.yaml'), stringify({
      rule_files: [rulesFile],
      evaluation_interval: '1m',
      group_eval_order: inFileOrder(groups),
      tests: [{
        name: 'quiet traffic wrongly expected to page',
        interval: '1m',
        input_series: [
          { series: 'http_requests_total{service="payments",code="200"}', values: counter(t.ok) },
          { series: 'http_requests_total{service="payments",code="500"}', values: counter(t.errors) },
        ],
        alert_rule_test: [{ eval_time: '1h', alertname: ALERT_NAME.page, exp_alerts: fired(page) }],
      }],
    }, { lineWidth: 0 }));
    const wrong = await runPromtool(dir, 'test', 'rules', 'harness.test.yaml');
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toMatch(/FAILED/);
    expect(failedGroups(wrong.out)).toEqual(['quiet traffic wrongly expected to page']);
  }, 120_000);

  it('records the error ratio the traffic implies', async () => {
    const t = traffic([{ minutes: 120, total: 1000, errorShare: 0.25 }]);
    writeFileSync(join(dir, 'ratio.rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
    writeFileSync(join(dir, 'ratio.test.yaml'), stringify({
      rule_files: ['ratio.rules.yaml'],
      evaluation_interval: '1m',
      group_eval_order: inFileOrder(groups),
      tests: [{
        interval: '1m',
        input_series: [
          { series: 'http_requests_total{service="payments",code="200"}', values: counter(t.ok) },
          { series: 'http_requests_total{service="payments",code="500"}', values: counter(t.errors) },
        ],
        promql_expr_test: [{
          expr: 'slo:sli_error:ratio_rate1h{slo_id="payments-availability"}',
          eval_time: '90m',
          exp_samples: [{ labels: 'slo:sli_error:ratio_rate1h{slo_id="payments-availability",slo_service="payments",slo_window="1h"}', value: 0.25 }],
        }, {
          expr: 'slo:current_burn_rate:ratio{slo_id="payments-availability"}',
          eval_time: '90m',
          exp_samples: [{ labels: 'slo:current_burn_rate:ratio{slo_id="payments-availability",slo_service="payments",slo_sli="availability",slo_variant="balanced",slo_window="5m"}', value: 25 }],
        }],
      }],
    }, { lineWidth: 0 }));
    expect(await promtool('test', 'rules', 'ratio.test.yaml')).toMatch(/SUCCESS/);
    expect(parse(stringify(groups))).toBeTruthy();
  }, 120_000);
});
