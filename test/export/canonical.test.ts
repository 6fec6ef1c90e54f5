/**
 * A report read back from PostgreSQL (jsonb stores object keys ordered by length, then bytes) must
 * render the same committed bytes as the fresh one: `/slo-scout variant` renders from the stored
 * report, a rerun renders a fresh one, and any difference moves the branch and voids approvals.
 * The Report schema rebuilds its objects in declared order on parse; its records (maps) keep the
 * stored order, so canonicalReport must sort every one of them. This test fails for any record it misses.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_END, FleetHistorySource } from '../../app/cli/demo.js';
import { fixedClock } from '../../app/deps.js';
import { Report } from '../../app/core/report.js';
import { canonicalReport, committedReport, formatReportJson } from '../../app/export/index.js';
import { runAnalysis } from '../../app/pipeline.js';

/** PostgreSQL jsonb's key order: shorter keys first, equal lengths bytewise. */
function jsonbOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(jsonbOrder);
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, x]) => [k, jsonbOrder(x)]));
}

describe('canonicalReport', async () => {
  const fresh = await runAnalysis(
    { source: new FleetHistorySource({ seed: 42, scenario: 'demo' }), clock: fixedClock(new Date(DEMO_END * 1000)) },
    { end: DEMO_END, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed: 42, services: ['checkout', 'payments'], bootstrapDraws: 200 },
  );
  const committed = (r: Report) => formatReportJson(committedReport(canonicalReport(r)));

  it('renders a report read back from jsonb byte for byte like the fresh one', () => {
    // Not vacuous: the report carries the records whose order jsonb changes.
    expect(Object.keys(fresh.calibrationByService ?? {}).length).toBeGreaterThan(1);
    expect(Object.keys(fresh.calibration?.breachByVariant ?? {}).length).toBeGreaterThan(1);
    const stored = Report.parse(jsonbOrder(JSON.parse(JSON.stringify(fresh))));
    expect(committed(stored)).toBe(committed(fresh));
  });

  it('changes no value, only key order', () => {
    expect(JSON.parse(committed(fresh))).toEqual(JSON.parse(formatReportJson(committedReport(fresh))));
  });
});
