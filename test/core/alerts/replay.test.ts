import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { episodes, promRate, replayAlerts, type CounterSeries } from '../../../app/core/alerts/replay.js';
import { burnWindows } from '../../../app/export/burnrate.js';
import { ALERT_NAME, prometheusRuleGroups, type AlertingRule } from '../../../app/export/prometheus-rules.js';
import { parseDuration } from '../../../app/core/time.js';
import { fixture } from '../../export/fixtures.js';
import { promtool } from '../../helpers/promtool.js';

const dir = mkdtempSync(join(tmpdir(), 'slo-scout-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Per-minute increments as promtool's `a+bxn` counter notation (first sample 0 at t = 0). */
function notation(values: Float64Array): string {
  const parts: string[] = [String(values[0])];
  let i = 1;
  while (i < values.length) {
    const step = values[i]! - values[i - 1]!;
    let n = 1;
    while (i + n < values.length && values[i + n]! - values[i + n - 1]! === step) n++;
    parts.push(`${values[i]}+${step}x${n - 1}`);
    i += n;
  }
  return parts.join(' ');
}

function counter(increments: number[]): CounterSeries {
  const values = new Float64Array(increments.length + 1);
  for (let i = 0; i < increments.length; i++) values[i + 1] = values[i]! + increments[i]!;
  return { t0: 0, step: 60, values };
}

describe('promRate follows Prometheus 2.x extrapolatedRate', () => {
  it('a steady counter gives its slope; fewer than two samples give nothing', () => {
    const c = counter(new Array(30).fill(120));
    expect(promRate(c, 600, 300)).toBeCloseTo(2, 10);
    expect(promRate(c, 0, 300)).toBeNull();
  });

  it('counts through a counter reset', () => {
    const c: CounterSeries = { t0: 0, step: 60, values: new Float64Array([0, 60, 120, 30, 90]) };
    // increase 90 - 0 + 120 (the reset) = 210 over 4 minutes sampled, extrapolated to the 4-minute range edges.
    expect(promRate(c, 240, 240)).toBeCloseTo(210 / 240, 10);
  });
});

describe('alert replay against promtool test rules on the same series', () => {
  // payments-availability, balanced 99% over 28d: page at 13.44x / 5.6x, ticket at 2.8x / 0.933x the 1% budget.
  const report = fixture('minimal');
  const proposal = report.proposals[0]!;
  const period = 28 * 86400;
  const groups = prometheusRuleGroups(proposal, { periodSeconds: period });
  const alerts = groups[2]!.rules as AlertingRule[];
  const budget = Number((groups[1]!.rules.find((r) => 'record' in r && r.record.includes('error_budget')) as { expr: string }).expr.match(/vector\((.*)\)/)![1]);
  const pairs = burnWindows(period).map((p) => ({ severity: p.severity, longSeconds: parseDuration(p.long), shortSeconds: parseDuration(p.short), factor: p.factor }));

  // Eight hours at 1,000 req/min: quiet, a 25-minute outage at 40% errors, quiet, then 3 h of 5% errors (5x budget).
  const minutes = 480;
  const share = (m: number) => (m >= 60 && m < 85 ? 0.4 : m >= 300 ? 0.05 : 0.002);
  const errors = counter(Array.from({ length: minutes }, (_, m) => Math.round(1000 * share(m))));
  const ok = counter(Array.from({ length: minutes }, (_, m) => 1000 - Math.round(1000 * share(m))));
  const fired = replayAlerts({ bad: { plus: [errors], minus: [] }, total: [ok, errors] }, pairs, budget, 60, minutes * 60, 60);
  const page = new Set(fired.find((f) => f.severity === 'page')!.firing);
  const ticket = new Set(fired.find((f) => f.severity === 'ticket')!.firing);

  it('fires the page during the outage and the ticket during the slow burn (a non-vacuous fixture)', () => {
    const pageEpisodes = episodes([...page], 60);
    expect(pageEpisodes.length).toBeGreaterThanOrEqual(1);
    expect(pageEpisodes[0]!.start).toBeGreaterThan(60 * 60);
    expect(pageEpisodes[0]!.start).toBeLessThan(90 * 60);
    expect([...ticket].some((t) => t > 300 * 60)).toBe(true);
    expect(ticket.size).toBeLessThan(minutes);
  });

  it('fires at exactly the minutes promtool says it fires', async () => {
    writeFileSync(join(dir, 'replay.rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
    const exp = (rule: AlertingRule) => [{ exp_labels: rule.labels, exp_annotations: rule.annotations }];
    const pageRule = alerts.find((a) => a.labels.severity === 'page')!;
    const ticketRule = alerts.find((a) => a.labels.severity === 'ticket')!;
    const checks: object[] = [];
    for (let m = 1; m <= minutes; m++) {
      checks.push({ eval_time: `${m}m`, alertname: ALERT_NAME.page, exp_alerts: page.has(m * 60) ? exp(pageRule) : [] });
      checks.push({ eval_time: `${m}m`, alertname: ALERT_NAME.ticket, exp_alerts: ticket.has(m * 60) ? exp(ticketRule) : [] });
    }
    writeFileSync(join(dir, 'replay.test.yaml'), stringify({
      rule_files: ['replay.rules.yaml'],
      evaluation_interval: '1m',
      // Without this promtool evaluates the groups in Go map order, which changes from run to run:
      // when the alert group ran first it saw the previous minute's recordings and fired a minute
      // off the replay (this test's old flake). The replay models the file's order: recordings,
      // then alerts, in the same minute.
      group_eval_order: groups.map((g) => g.name),
      tests: [{
        interval: '1m',
        input_series: [
          { series: 'http_requests_total{service="payments",code="200"}', values: notation(ok.values) },
          { series: 'http_requests_total{service="payments",code="500"}', values: notation(errors.values) },
        ],
        alert_rule_test: checks,
      }],
    }, { lineWidth: 0 }));
    // Asynchronous, so a slow promtool on a loaded machine does not block the test worker's event loop.
    const { code, out } = await promtool(dir, 'test', 'rules', 'replay.test.yaml');
    expect(code, `promtool disagrees with the replay:\n${out.slice(0, 6000)}`).toBe(0);
    expect(out).toMatch(/SUCCESS/);
  }, 240_000);
});
