/** A small Engine for worker tests: deterministic report and files, records what it was asked. */
import { Report } from '../../app/core/report.js';
import { UserInputError, type Engine } from '../../app/ports.js';

export function fakeReport(services: string[] = ['checkout']): Report {
  return Report.parse({
    generatedAt: '2026-11-01T00:00:00Z', window: '28d', breachWindow: '1d', end: '2026-11-01T00:00:00Z',
    proposals: services.map((service) => ({
      sloId: `${service}-latency`, service, endpoint: 'POST /pay', sli: 'latency', selectedVariant: 'balanced', confidence: 0.8,
      confidenceComponents: { trafficVolume: 1, dataCoverage: 1, stability: 0.8, intervalWidth: 0.5 }, warnings: [], variants: [], evidence: [],
    })),
    timings: { totalSeconds: 1, prometheusSeconds: 1, queries: 1 },
  });
}

export function fakeEngine(): Engine & { calls: { analyze: number; simulate: Record<string, string>[] } } {
  const calls = { analyze: 0, simulate: [] as Record<string, string>[] };
  return {
    calls,
    async analyze() {
      calls.analyze++;
      return fakeReport();
    },
    render(report, { variants }) {
      return report.proposals.map((p) => {
        const v = variants[p.sloId] ?? variants['*'] ?? 'balanced';
        return { service: p.service, title: `SLOs for ${p.service}`, body: `variant ${v}`, files: [{ path: `slos/${p.service}.yaml`, content: `variant: ${v}\n` }] };
      });
    },
    simulate(_report, params) {
      calls.simulate.push(params);
      if (params.replicas === '0') throw new UserInputError('replicas must be at least 1');
      return `| variant | projected breach |\n|---|---|\n| balanced | 1.0% (replicas=${params.replicas ?? '-'}) |`;
    },
    explain(report, sloId) {
      return report.proposals.some((p) => p.sloId === sloId) ? `### ${sloId}\n\nthreshold from the 99th percentile` : null;
    },
  };
}
