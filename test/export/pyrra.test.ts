import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runValidate } from '../../app/cli/validate.js';
import { ExportError, pyrraObject, renderFileSet } from '../../app/export/index.js';
import { grammarChecker } from '../../app/validate/promql.js';
import { fixture, fixtures } from './fixtures.js';

const PERIOD = 28 * 86400;

describe('Pyrra ServiceLevelObjective export', () => {
  it('every golden Pyrra file passes the schema written from Pyrra\'s CRD and its webhook rules (plain selectors, float le)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pyrra-'));
    let n = 0;
    for (const { name, report } of fixtures()) {
      for (const f of renderFileSet(report, { format: 'pyrra' }).filter((x) => x.path.endsWith('.pyrra.yaml'))) {
        await writeFile(join(dir, `${name}-${n++}.yaml`), f.content);
      }
    }
    const { results } = await runValidate([dir], grammarChecker);
    expect(results).toHaveLength(n);
    expect(results.flatMap((r) => r.kinds)).toEqual(Array(n).fill('pyrra'));
    expect(results.flatMap((r) => r.errors)).toEqual([]);
  });

  it('a latency SLO counts requests under the bucket bound, as Pyrra\'s latency indicator does', () => {
    const report = fixture('fleet');
    const p = report.proposals.find((x) => x.sloId === 'checkout-api-orders-latency')!;
    const o = pyrraObject(report, p, { periodSeconds: PERIOD }) as { spec: { target: string; window: string; indicator: { latency: { success: { metric: string }; total: { metric: string } } } } };
    const balanced = p.variants.find((v) => v.type === 'balanced')!;
    expect(o.spec.target).toBe(String(balanced.target));
    expect(o.spec.window).toBe('28d');
    expect(o.spec.indicator.latency.success.metric).toMatch(/^http_server_request_duration_seconds_bucket\{.*le="0\.5"\}$/);
    expect(o.spec.indicator.latency.total.metric).toMatch(/^http_server_request_duration_seconds_count\{[^}]*\}$/);
    // The variant override moves the bound.
    const conservative = pyrraObject(report, p, { periodSeconds: PERIOD, variant: { [p.sloId]: 'conservative' } }) as typeof o;
    const bound = p.variants.find((v) => v.type === 'conservative')!.thresholdSeconds!;
    expect(conservative.spec.indicator.latency.success.metric).toContain(`le="${Number.isInteger(bound) ? `${bound}.0` : bound}"`);
  });

  it('an availability SLO becomes a ratio of error and total selectors', () => {
    const report = fixture('fleet');
    const p = report.proposals.find((x) => x.sli === 'availability')!;
    const o = pyrraObject(report, p, { periodSeconds: PERIOD }) as { spec: { indicator: { ratio: { errors: { metric: string }; total: { metric: string } } } } };
    expect(o.spec.indicator.ratio.errors.metric).toMatch(/=~"5\.\."\}$/);
    expect(o.spec.indicator.ratio.total.metric).not.toContain('rate(');
  });

  it('a hand-edited query that is not sum(rate(selector[window])) is refused with the SLO named', () => {
    const report = fixture('fleet');
    const p = report.proposals.find((x) => x.sli === 'availability')!;
    const odd = { ...p, queries: { ...p.queries!, bad: 'sum(rate(a[{{.window}}])) + sum(rate(b[{{.window}}]))' } };
    expect(() => pyrraObject(report, odd, { periodSeconds: PERIOD })).toThrow(ExportError);
    expect(() => pyrraObject(report, odd, { periodSeconds: PERIOD })).toThrow(new RegExp(`${p.sloId}.*use format openslo or sloth`));
  });

  it('the file is a single YAML document', () => {
    const report = fixture('minimal');
    const f = renderFileSet(report, { format: 'pyrra' }).find((x) => x.path.endsWith('.pyrra.yaml'))!;
    expect(parse(f.content).kind).toBe('ServiceLevelObjective');
  });
});
