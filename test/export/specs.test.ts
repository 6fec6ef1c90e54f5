import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { renderFileSet } from '../../app/export/index.js';
import { openSloObjects } from '../../app/export/openslo.js';
import { fixture, fixtures } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'slo-scout-specs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RFC1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PERIOD = 28 * 86400;

interface Obj { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: Record<string, unknown> }

describe('OpenSLO v1', () => {
  for (const { name, report } of fixtures()) {
    for (const proposal of report.proposals) {
      it(`${name}/${proposal.sloId}: objects are openslo/v1 with valid names and every reference resolves`, () => {
        const objects = openSloObjects(report, proposal, { periodSeconds: PERIOD }) as Obj[];
        const names = new Map<string, Set<string>>();
        for (const o of objects) {
          expect(o.apiVersion).toBe('openslo/v1');
          expect(o.metadata.name).toMatch(RFC1123);
          if (!names.has(o.kind)) names.set(o.kind, new Set());
          names.get(o.kind)!.add(o.metadata.name);
        }
        const slo = objects.find((o) => o.kind === 'SLO')!;
        const spec = slo.spec as { service: string; indicatorRef: string; budgetingMethod: string; timeWindow: { duration: string; isRolling: boolean }[]; objectives: { target: number }[]; alertPolicies: { alertPolicyRef: string }[] };
        expect(names.get('Service')).toContain(spec.service);
        expect(names.get('SLI')).toContain(spec.indicatorRef);
        expect(spec.budgetingMethod).toBe('Occurrences');
        expect(spec.timeWindow).toEqual([{ duration: '28d', isRolling: true }]);
        expect(spec.objectives[0]!.target).toBeGreaterThan(0);
        expect(spec.objectives[0]!.target).toBeLessThan(1);
        expect(spec.alertPolicies).toHaveLength(4);
        for (const ref of spec.alertPolicies) expect(names.get('AlertPolicy')).toContain(ref.alertPolicyRef);
        for (const policy of objects.filter((o) => o.kind === 'AlertPolicy')) {
          const p = policy.spec as { conditions: { conditionRef: string }[]; notificationTargets: { targetRef: string }[] };
          expect(p.conditions).toHaveLength(1); // OpenSLO v1 allows one condition per policy
          expect(names.get('AlertCondition')).toContain(p.conditions[0]!.conditionRef);
          expect(names.get('AlertNotificationTarget')).toContain(p.notificationTargets[0]!.targetRef);
        }
        const sli = objects.find((o) => o.kind === 'SLI')!.spec as { ratioMetric: { good: { metricSource: { type: string; spec: { query: string } } }; total: { metricSource: { spec: { query: string } } } } };
        expect(sli.ratioMetric.good.metricSource.type).toBe('Prometheus');
        expect(sli.ratioMetric.good.metricSource.spec.query).not.toContain('{{');
        expect(sli.ratioMetric.total.metricSource.spec.query).toContain('[5m]');
        for (const value of Object.values(slo.metadata.annotations ?? {})) expect(typeof value).toBe('string');
        // OpenSLO v1 metadata rules (spec README "Notes (General Schema)").
        for (const o of objects) {
          for (const [key, value] of Object.entries((o.metadata as { labels?: Record<string, string> }).labels ?? {})) {
            expect(key).toMatch(/^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/);
            expect(value).toMatch(/^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/);
          }
          for (const key of Object.keys(o.metadata.annotations ?? {})) {
            expect(key).toMatch(/^(([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/)?[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/);
          }
        }
      });
    }
  }

  it('keeps its annotations short: the SLO, the variant, the confidence and one evidence link (the rest is in report.json)', () => {
    const report = fixture('fleet');
    const slo = (openSloObjects(report, report.proposals[0]!, { periodSeconds: PERIOD }) as Obj[]).find((o) => o.kind === 'SLO')!;
    const a = slo.metadata.annotations!;
    expect(Object.keys(a).sort()).toEqual(['slo-scout.dev/confidence', 'slo-scout.dev/evidence', 'slo-scout.dev/selected-variant', 'slo-scout.dev/slo-id']);
    expect(a['slo-scout.dev/selected-variant']).toBe('balanced');
    expect(Number(a['slo-scout.dev/confidence'])).toBe(0.78);
    const firstLink = report.proposals[0]!.evidence.find((e) => e.url)?.url;
    expect(a['slo-scout.dev/evidence']).toBe(firstLink && firstLink.length <= 400 ? firstLink : 'report.json');
    expect(JSON.stringify(a).length).toBeLessThan(600);
  });

  it('alert conditions carry the period-scaled burn-rate factors', () => {
    const report = fixture('fleet');
    const conditions = (openSloObjects(report, report.proposals[0]!, { periodSeconds: 30 * 86400 }) as Obj[]).filter((o) => o.kind === 'AlertCondition');
    expect(conditions.map((c) => (c.spec.condition as { threshold: number; lookbackWindow: string }))).toEqual([
      expect.objectContaining({ kind: 'burnrate', threshold: 14.4, lookbackWindow: '1h', alertAfter: '5m' }),
      expect.objectContaining({ threshold: 6, lookbackWindow: '6h', alertAfter: '30m' }),
      expect.objectContaining({ threshold: 3, lookbackWindow: '1d', alertAfter: '2h' }),
      expect.objectContaining({ threshold: 1, lookbackWindow: '3d', alertAfter: '6h' }),
    ]);
  });
});

describe('Sloth and PrometheusRule', () => {
  const report = fixture('fleet');
  const files = (format: 'sloth' | 'prometheus-rule-crd') => new Map(renderFileSet(report, { format }).map((f) => [f.path, f.content]));

  it('the Sloth spec is prometheus/v1 with the objective in percent and Sloth window placeholders kept', () => {
    const spec = parse(files('sloth').get('slos/checkout-api/checkout-api-orders-latency.sloth.yaml')!) as {
      version: string; service: string; slos: { objective: number; sli: { events: { error_query: string; total_query: string } }; alerting: { page_alert: object; ticket_alert: object } }[];
    };
    expect(spec.version).toBe('prometheus/v1');
    expect(spec.service).toBe('checkout-api');
    expect(spec.slos[0]!.objective).toBe(99);
    expect(spec.slos[0]!.sli.events.error_query).toContain('[{{.window}}]');
    expect(spec.slos[0]!.sli.events.total_query).toContain('[{{.window}}]');
    expect(spec.slos[0]!.alerting.page_alert).toEqual({ labels: { severity: 'page' } });
  });

  it('the PrometheusRule wraps exactly the groups of the rule file, and they pass promtool', () => {
    const f = files('prometheus-rule-crd');
    const crd = parse(f.get('slos/checkout-api/checkout-api-orders-latency.prometheusrule.yaml')!) as { apiVersion: string; kind: string; metadata: { name: string }; spec: { groups: unknown[] } };
    const openslo = new Map(renderFileSet(report, { format: 'openslo' }).map((x) => [x.path, x.content]));
    const rules = parse(openslo.get('slos/checkout-api/checkout-api-orders-latency.rules.yaml')!) as { groups: unknown[] };
    expect(crd.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(crd.kind).toBe('PrometheusRule');
    expect(crd.metadata.name).toMatch(RFC1123);
    expect(crd.spec.groups).toEqual(rules.groups);
    writeFileSync(join(dir, 'crd.rules.yaml'), stringify({ groups: crd.spec.groups }));
    expect(execFileSync('promtool', ['check', 'rules', join(dir, 'crd.rules.yaml')], { encoding: 'utf8' })).toMatch(/SUCCESS/);
  });
});

describe('Grafana dashboard', () => {
  const report = fixture('fleet');
  const files = new Map(renderFileSet(report, { format: 'openslo' }).map((f) => [f.path, f.content]));
  const dashboard = JSON.parse(files.get('slos/checkout-api/dashboard.json')!) as {
    uid: string; schemaVersion: number; templating: { list: { name: string; type: string; query: string }[] };
    panels: { id: number; type: string; datasource?: { uid: string }; targets?: { expr: string; datasource: { uid: string } }[] }[];
  };

  it('uses a prometheus data-source variable for every panel and query', () => {
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid).toBe('${datasource}');
      for (const t of panel.targets ?? []) expect(t.datasource.uid).toBe('${datasource}');
    }
  });

  it('has unique panel ids, a uid Grafana accepts and a current schema version', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.uid.length).toBeLessThanOrEqual(40);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('has SLI, budget-remaining and burn-rate panels per SLO, reading only series the rule files record', () => {
    const recorded = new Set<string>();
    for (const [path, content] of files) {
      if (!path.startsWith('slos/checkout-api/') || !path.endsWith('.rules.yaml')) continue;
      for (const g of (parse(content) as { groups: { rules: { record?: string }[] }[] }).groups) for (const r of g.rules) if (r.record) recorded.add(r.record);
    }
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const used = new Set(exprs.flatMap((e) => e.match(/slo:[a-z_:0-9]+/g) ?? []));
    expect(used.size).toBeGreaterThan(3);
    for (const metric of used) expect(recorded, metric).toContain(metric);
    expect(dashboard.panels.filter((p) => p.type === 'row')).toHaveLength(2);
    expect(exprs.some((e) => e.includes('slo:period_error_budget_remaining:ratio'))).toBe(true);
  });

  it('parses as one YAML-free JSON document per service', () => {
    expect(parseAllDocuments(files.get('slos/search/dashboard.json')!)).toHaveLength(1);
  });
});
