import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { committedReport, renderFileSet, ExportError, OUTPUT_FORMATS, type OutputFile } from '../../app/export/index.js';
import { Report } from '../../app/core/report.js';
import { expectGolden, fixture, fixtures } from './fixtures.js';

const goldenName = (fixtureName: string, path: string) => `out-${fixtureName}-${path.replaceAll('/', '_')}`;
const byPath = (files: OutputFile[]) => new Map(files.map((f) => [f.path, f.content]));

describe('renderFileSet golden files', () => {
  for (const { name, report } of fixtures()) {
    it(`${name}: every OpenSLO-format artefact matches its golden file`, () => {
      const files = renderFileSet(report, { format: 'openslo' });
      for (const file of files) expectGolden(goldenName(name, file.path), file.content);
    });
    for (const format of OUTPUT_FORMATS.filter((f) => f !== 'openslo')) {
      it(`${name}: the ${format} specs match their golden files`, () => {
        const files = renderFileSet(report, { format }).filter((f) => !/\.(rules\.yaml|svg|json|md)$/.test(f.path));
        expect(files.length).toBe(report.proposals.length);
        for (const file of files) expectGolden(goldenName(name, file.path), file.content);
      });
    }
  }
});

describe('renderFileSet layout and contract', () => {
  const report = fixture('fleet');

  it('writes the documented paths for each SLO, a dashboard per service, the PR body and report.json', () => {
    const paths = renderFileSet(report, { format: 'openslo' }).map((f) => f.path);
    const expected = ['PULL_REQUEST.md', 'report.json', 'budget-burn.svg'];
    for (const p of report.proposals) {
      for (const ext of ['openslo.yaml', 'rules.yaml', 'svg']) expected.push(`slos/${p.service}/${p.sloId}.${ext}`);
    }
    for (const service of new Set(report.proposals.map((p) => p.service))) expected.push(`slos/${service}/dashboard.json`);
    expect([...paths].sort()).toEqual([...expected].sort());
  });

  it.each([
    ['openslo', '.openslo.yaml', true],
    ['sloth', '.sloth.yaml', false],
    ['prometheus-rule-crd', '.prometheusrule.yaml', false],
    ['pyrra', '.pyrra.yaml', false],
  ] as const)('the %s format names its spec files *%s and writes no other spec (rule files: %s)', (format, suffix, withRules) => {
    const files = renderFileSet(report, { format });
    expect(files.filter((f) => f.path.endsWith(suffix))).toHaveLength(report.proposals.length);
    // One format, one set of files: Sloth, Pyrra and PrometheusRule carry or generate their own rules.
    expect(files.filter((f) => f.path.endsWith('.rules.yaml'))).toHaveLength(withRules ? report.proposals.length : 0);
    const otherSpecs = ['.openslo.yaml', '.sloth.yaml', '.prometheusrule.yaml', '.pyrra.yaml'].filter((s) => s !== suffix);
    expect(files.filter((f) => otherSpecs.some((s) => f.path.endsWith(s)))).toEqual([]);
  });

  it('report.json is the report itself, indented with short arrays on one line, and parses back to an equal Report', () => {
    const json = byPath(renderFileSet(report, { format: 'openslo' })).get('report.json')!;
    expect(Report.parse(JSON.parse(json))).toEqual(committedReport(report));
    expect(json).not.toMatch(/generatedAt|totalSeconds/);
    expect(json.endsWith('}\n')).toBe(true);
    expect(json.split('\n').every((line) => line.length <= 120 || !line.trimStart().startsWith('['))).toBe(true);
    expect(json.length).toBeLessThan(JSON.stringify(report, null, 2).length);
  });

  it('is deterministic: two renders are identical', () => {
    expect(renderFileSet(report, { format: 'sloth' })).toEqual(renderFileSet(report, { format: 'sloth' }));
  });

  it('a per-SLO variant override changes what that SLO enforces and nothing else', () => {
    const base = byPath(renderFileSet(report, { format: 'openslo' }));
    const over = byPath(renderFileSet(report, { format: 'openslo', variant: { 'checkout-api-orders-latency': 'conservative' } }));
    const slo = (text: string) => parseAllDocuments(text).map((d) => d.toJS()).find((o) => o.kind === 'SLO');
    expect(slo(base.get('slos/checkout-api/checkout-api-orders-latency.openslo.yaml')!).spec.objectives[0].target).toBe(0.99);
    expect(slo(over.get('slos/checkout-api/checkout-api-orders-latency.openslo.yaml')!).spec.objectives[0].target).toBe(0.999);
    expect(over.get('slos/checkout-api/checkout-api-orders-availability.openslo.yaml')).toBe(base.get('slos/checkout-api/checkout-api-orders-availability.openslo.yaml'));
    expect(over.get('PULL_REQUEST.md')).toMatch(/\| `checkout-api-orders-latency` \| latency \| conservative \|/);
  });

  it.each([
    ['an override for an unknown SLO', { format: 'openslo' as const, variant: { 'no-such-slo': 'balanced' as const } }, /no-such-slo.*no such SLO/],
    ['an unknown format', { format: 'nagios' as never }, /unknown format "nagios"/],
    ['a non-positive period', { format: 'openslo' as const, periodSeconds: 0 }, /periodSeconds must be positive/],
  ])('rejects %s with an error that names it', (_name, options, message) => {
    expect(() => renderFileSet(report, options)).toThrow(ExportError);
    expect(() => renderFileSet(report, options)).toThrow(message);
  });

  it('rejects a report that does not match the Report schema, naming the field', () => {
    const broken = { ...report, proposals: [{ ...report.proposals[0]!, confidence: 'high' }] } as unknown as Report;
    expect(() => renderFileSet(broken, { format: 'openslo' })).toThrow(/proposals\.0\.confidence/);
  });

  it('a proposal without queries cannot be exported, and the error says why', () => {
    const broken: Report = { ...report, proposals: [{ ...report.proposals[0]!, queries: undefined }] };
    expect(() => renderFileSet(broken, { format: 'openslo' })).toThrow(/checkout-api-orders-latency has no "queries"/);
  });

  it('the period comes from report.period, else the window, else the option', () => {
    const rules = (r: Report, periodSeconds?: number) => parse(byPath(renderFileSet(r, { format: 'openslo', ...(periodSeconds ? { periodSeconds } : {}) }))
      .get('slos/checkout-api/checkout-api-orders-availability.rules.yaml')!).groups[1].rules.find((x: { record: string }) => x.record === 'slo:time_period:days').expr;
    expect(rules(report)).toBe('vector(28)');
    expect(rules({ ...report, period: undefined })).toBe('vector(14)');
    expect(rules(report, 30 * 86400)).toBe('vector(30)');
  });
});

describe('idempotent content (issue 10, item 5)', () => {
  it('two runs on identical data (other generatedAt and timings) render byte-identical files', () => {
    const a = renderFileSet({ ...fixture('fleet'), generatedAt: '2026-03-01T06:00:00Z', timings: { totalSeconds: 1.5, prometheusSeconds: 1, queries: 40 } }, { format: 'openslo' });
    const b = renderFileSet({ ...fixture('fleet'), generatedAt: '2026-03-08T06:00:07Z', timings: { totalSeconds: 9.25, prometheusSeconds: 8, queries: 41 } }, { format: 'openslo' });
    expect(b.map((f) => f.path)).toEqual(a.map((f) => f.path));
    for (const [i, f] of a.entries()) expect(b[i]!.content, f.path).toBe(f.content);
    expect(a.map((f) => f.content).join('\n')).not.toContain('2026-03-01T06:00:00Z');
  });

  it('changed data changes the files', () => {
    const r = fixture('fleet');
    const moved = { ...r, proposals: r.proposals.map((p, i) => (i === 0 ? { ...p, confidence: p.confidence / 2 } : p)) };
    expect(renderFileSet(moved, { format: 'openslo' }).find((f) => f.path === 'report.json')!.content).not.toBe(renderFileSet(r, { format: 'openslo' }).find((f) => f.path === 'report.json')!.content);
  });
});

describe('a report read back from PostgreSQL renders the same bytes', () => {
  it('map-like fields in another key order (jsonb sorts keys by length) change no file', () => {
    const r = fixture('fleet');
    const reversed = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).reverse());
    const shuffled = { ...r, proposals: r.proposals.map((p) => ({ ...p, ...(p.whatIf ? { whatIf: p.whatIf.map((w) => ({ ...w, parameters: reversed(w.parameters) })) } : {}), ...(p.history ? { history: p.history.map((h) => ({ ...h, sli: reversed(h.sli) as typeof h.sli })) } : {}) })) };
    expect(r.proposals.some((p) => p.whatIf?.some((w) => Object.keys(w.parameters).length > 1))).toBe(true);
    const a = renderFileSet(r, { format: 'openslo' });
    const b = renderFileSet(shuffled, { format: 'openslo' });
    for (const [i, f] of a.entries()) expect(b[i]!.content, f.path).toBe(f.content);
  });
});
