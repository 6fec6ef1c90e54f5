import { describe, expect, it } from 'vitest';
import type { Report } from '../../app/core/report.js';
import { GITHUB_BODY_LIMIT, renderPullRequestBody } from '../../app/export/pr-body.js';
import { fixture } from './fixtures.js';

/** A fleet of n copies of the fixture's proposals, each with its own id and service. */
function bigReport(n: number): Report {
  const base = fixture('fleet');
  const proposals = Array.from({ length: n }, (_, i) => {
    const p = base.proposals[i % base.proposals.length]!;
    return { ...p, sloId: `${p.sloId}-${String(i).padStart(4, '0')}`, service: `svc-${String(Math.floor(i / 4)).padStart(3, '0')}` };
  });
  return { ...base, proposals };
}

describe('PULL_REQUEST.md', () => {
  const report = fixture('fleet');
  const body = renderPullRequestBody(report);

  it.each([
    ['a summary row per SLO, budget burn first', /\| checkout-api \| `checkout-api-orders-latency` \| latency \| balanced \| \*\*64%\*\* \[48%, 90%\] \| 99% \| 500 ms \| 7\.1% \[0–5 of 28 days\]/],
    ['the breach-rate interval as breached days of the next period, explained in the legend', /\*\*breach rate\*\* = probability that the SLI over one 1d window falls below the target \(two significant digits\); its interval is how many of the next 28d period's 1d windows may fall below it\./],
    ['the selected variant in bold in the variants table, with its burn and the past periods', /\| \*\*balanced\*\* \(selected\) \| \*\*64%\*\* \[48%, 90%\] \| 57\.6% \| 99% \| 500 ms \|/],
    ['a variant expected to burn more than its budget, flagged', /\| aggressive \| \*\*135%\*\* :fire: \[95%, 190%\]/],
    ['how well the intervals held in replays of this history', /held in 90% and breach-rate intervals in 90% of 120 replays \(before calibration: 70% and 97%; breach rates by randomized coverage: a breached-day count at an interval's end counts in part/],
    ['the error budget in requests and minutes', /1%: 880 req \/ 14\.4 min per 1d; 24,640 req \/ 403 min per 28d/],
    ['confidence with its components', /\*\*Confidence 0\.78\*\*: traffic volume 0\.95 · data coverage 0\.93 · stability 0\.71 · interval width 0\.62/],
    ['the interval method', /Interval method: moving-block bootstrap/],
    ['evidence with a link and a trace id', /trace `4bf92f3577b34da6a3ce929d0e0e4736` · \[open\]\(http:\/\/tempo:3200/],
    ['warnings', /:warning: Low traffic/],
    ['a What if row per scenario for the enforced variant', /\| replicas=5 traffic=1\.2 \| 7\.1% → 12% \[7%, 18%\] at 90% \| 88% \| 24\.5 days \| conservative 6%, aggressive 20% \|/],
    ['skipped endpoints', /\| checkout-api \| GET \/healthz \| health check/],
    ['the variant steering command', /`\/slo-scout variant <conservative\\\|balanced\\\|aggressive> \[slo-id\]`/],
  ])('shows %s', (_name, pattern) => {
    expect(body).toMatch(pattern);
  });

  it('lists every slash-command', () => {
    for (const cmd of ['help', 'rerun', 'variant', 'simulate replicas=5 traffic=1.2', 'explain <slo-id>', 'approve', 'reject']) {
      expect(body).toContain(`/slo-scout ${cmd}`);
    }
  });

  it('has a What if section only for proposals that carry one', () => {
    expect(body.match(/\*\*What if\*\*/g)).toHaveLength(1);
    expect(renderPullRequestBody(fixture('minimal'))).not.toContain('**What if**');
  });

  it('escapes report text so it cannot inject HTML or break tables', () => {
    expect(body).toContain('incident &lt;backend&gt; &amp; "db"');
    const evil = { ...report, proposals: [{ ...report.proposals[0]!, warnings: ['a | b <img src=x onerror=alert(1)>\nnext'] }] };
    const out = renderPullRequestBody(evil);
    expect(out).toContain('a \\| b &lt;img src=x onerror=alert(1)&gt; next');
    expect(out).not.toContain('<img');
  });

  it('links only http(s) evidence URLs', () => {
    const evil = { ...report, proposals: [{ ...report.proposals[2]!, evidence: [{ kind: 'alert' as const, description: 'x', url: 'javascript:alert(1)' }] }] };
    expect(renderPullRequestBody(evil)).not.toContain('javascript:');
  });

  it('embeds chart links when given and none otherwise', () => {
    expect(body).not.toContain('![');
    const withCharts = renderPullRequestBody(report, { chartLinks: { 'search-root-latency': 'https://example.test/a (1).svg' } });
    expect(withCharts).toContain('![SLI history of search-root-latency](https://example.test/a%20%281%29.svg)');
  });

  it('collapses services into <details> when there are many, and not for a few', () => {
    expect(body).not.toContain('<details open>');
    expect(renderPullRequestBody(bigReport(20))).toContain('<details open>');
  });

  it('groups a caveat shared by several what-if scenarios into one line', () => {
    const p = report.proposals[0]!;
    const w = p.whatIf![0]!;
    const twice = { ...report, proposals: [{ ...p, whatIf: [w, { ...w, scenario: 'traffic x2' }] }] };
    const out = renderPullRequestBody(twice);
    expect(out).toContain(`replicas=5 traffic=1.2, traffic x2: ${w.warnings[0]}`);
    expect(out.split(w.warnings[0]!).length - 1).toBe(1);
  });

  it.each([
    ['GitHub\'s limit for a 1000-SLO fleet, listing fewer SLOs in the table', 1000, undefined, /The table lists \d{2,3} of 1000 SLOs and details follow for 0/],
    ['GitHub\'s limit for a 120-SLO fleet, keeping every SLO in the table', 120, undefined, /The table lists 120 of 120 SLOs and details follow for \d+/],
    ['a small custom limit', 12, 12_000, /The table lists 12 of 12 SLOs and details follow for [1-9]/],
  ])('stays within %s and says where the rest is', (_name, n, maxLength, note) => {
    const big = bigReport(n);
    const full = renderPullRequestBody(big, { maxLength: Number.MAX_SAFE_INTEGER });
    const limit = maxLength ?? GITHUB_BODY_LIMIT;
    expect(full.length).toBeGreaterThan(limit);
    const out = renderPullRequestBody(big, maxLength ? { maxLength } : {});
    expect(out.length).toBeLessThanOrEqual(limit);
    expect(out).toMatch(note);
    expect(out).toContain('report.json');
    expect(out).toContain('### How to steer this PR');
  });

  it('shortens details before dropping any SLO when that is enough', () => {
    const big = bigReport(12);
    const full = renderPullRequestBody(big, { maxLength: Number.MAX_SAFE_INTEGER });
    const out = renderPullRequestBody(big, { maxLength: full.length - 200 });
    expect(out).toContain('Details are shortened');
    expect(out.match(/^#### /gm)).toHaveLength(12);
  });
});
