import { describe, expect, it } from 'vitest';
import { DEMO_END, FleetHistorySource } from '../../app/cli/demo.js';
import { fixedClock } from '../../app/deps.js';
import { renderPullRequestBody } from '../../app/export/pr-body.js';
import { runAnalysis } from '../../app/pipeline.js';

describe('alert replay in the analysis (demo fleet, checkout incident)', async () => {
  const report = await runAnalysis(
    { source: new FleetHistorySource({ seed: 42, scenario: 'demo' }), clock: fixedClock(new Date(DEMO_END * 1000)) },
    { end: DEMO_END, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed: 42, services: ['checkout'], bootstrapDraws: 200, links: { prometheusUrl: 'http://prometheus:9090' } },
  );
  const availability = report.proposals.find((p) => p.sloId === 'checkout-checkout-availability')!;

  it('replays the selected variant at 5-minute resolution after the 3-day window is full', () => {
    const a = availability.alertReplay!;
    expect(a.variant).toBe(availability.selectedVariant);
    expect(a.stepSeconds).toBe(300);
    expect(Date.parse(a.from) - (DEMO_END - 28 * 86_400) * 1000).toBe(3 * 86_400_000);
  });

  it('pages during the 3-hour incident twelve days before the end, and counts that bad day as caught', () => {
    const a = availability.alertReplay!;
    const incident = (Math.floor(DEMO_END / 86_400) - 12) * 86_400 + 14 * 3600;
    const page = a.page.episodes.find((e) => Date.parse(e.start) / 1000 >= incident && Date.parse(e.start) / 1000 < incident + 3 * 3600);
    expect(page).toBeDefined();
    expect(page!.url).toMatch(/^http:\/\/prometheus:9090\/graph\?g0\.expr=/);
    const day = a.badWindows.find((w) => Date.parse(w.start) / 1000 <= incident && Date.parse(w.end) / 1000 > incident);
    expect(day?.caughtBy).toContain('page');
  });

  it('never pages on the steady status endpoint', () => {
    expect(report.proposals.find((p) => p.sloId === 'checkout-checkout-id-status-availability')!.alertReplay!.page.fired).toBe(0);
  });

  it('says it in the PR body with links', () => {
    const body = renderPullRequestBody(report);
    expect(body).toMatch(/\*\*Alert replay\*\* \(balanced, every 5 min over 25 days\): page fired 1 time \([\d.]+\/week, [\d.]+ h in all; \[\d{4}-\d\d-\d\d \d\d:\d\d\]\(http:\/\/prometheus:9090\/graph\?/);
  });
});
