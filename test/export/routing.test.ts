import { parse, parseAllDocuments } from 'yaml';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCodeowners } from '../../app/cli/analyze.js';
import { Routing } from '../../app/config/routing.js';
import { parseConfig } from '../../app/config/schema.js';
import { routingOptionsFromConfig } from '../../app/export/from-config.js';
import { renderFileSet, type ExportOptions, type OutputFile } from '../../app/export/index.js';
import { routingFor } from '../../app/export/routing.js';
import { fixture } from './fixtures.js';

const report = fixture('fleet');
const latency = report.proposals.find((p) => p.sloId === 'checkout-api-orders-latency')!;
const byPath = (files: OutputFile[]) => new Map(files.map((f) => [f.path, f.content]));

const CONFIG = `
routing:
  labels: { team: platform, tier: "2" }
  runbook_url: https://runbooks.example.com/{{service}}/{{slo}}
  services:
    checkout-api:
      labels: { tier: "1" }
      annotations: { slack_channel: "#checkout-oncall" }
  slos:
    checkout-api-orders-latency:
      dashboard_url: https://grafana.example.com/d/{{dashboard_uid}}?var-endpoint={{endpoint}}
output:
  prometheusRule:
    namespace: monitoring
    labels: { release: kube-prometheus-stack }
`;

function options(format: ExportOptions['format'], codeowners?: string): ExportOptions {
  const parsed = parseConfig(CONFIG);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return { format, ...routingOptionsFromConfig(parsed.config, report, codeowners) };
}

describe('routing labels and links', () => {
  it('the SLO overrides its service, which overrides the top level, key by key; templates are filled and URL-encoded', () => {
    const r = routingFor(latency, options('openslo'));
    expect(r.labels).toEqual({ team: 'platform', tier: '1' });
    expect(r.annotations).toEqual({
      slack_channel: '#checkout-oncall',
      runbook_url: 'https://runbooks.example.com/checkout-api/checkout-api-orders-latency',
      dashboard_url: `https://grafana.example.com/d/slo-scout-checkout-api?var-endpoint=${encodeURIComponent(latency.endpoint!)}`,
    });
  });

  it('the team label comes from CODEOWNERS when no label sets it, and a label wins over CODEOWNERS', () => {
    const codeowners = '* @acme/everyone\nslo-proposals/slos/checkout-api/ @acme/checkout-team @alice\n';
    const noTeam = Routing.parse({});
    const fromOwners = routingFor(latency, { routing: noTeam, ...routingOptionsFromConfig({ ...parseOk(''), routing: noTeam }, report, codeowners) });
    expect(fromOwners.labels).toEqual({ team: 'checkout-team' });
    expect(routingFor(latency, options('openslo', codeowners)).labels.team).toBe('platform');
  });

  it("a GitLab CODEOWNERS is read in GitLab's dialect: sections add up instead of the last match taking all", () => {
    // GitHub's rule (last match wins) gives the catch-all; GitLab's sections each keep their own owners.
    const codeowners = '[Checkout]\nslo-proposals/slos/checkout-api/ @acme/checkout-team\n\n[Everyone]\n* @acme/everyone\n';
    const noTeam = Routing.parse({});
    const team = (platform?: 'github' | 'gitlab') => routingFor(latency, { routing: noTeam, ...routingOptionsFromConfig({ ...parseOk(''), routing: noTeam }, report, codeowners, platform) }).labels.team;
    expect(team()).toBe('everyone');
    expect(team('gitlab')).toBe('checkout-team');
  });

  it('the CLI reads a checkout\'s CODEOWNERS in the dialect of the host it belongs to', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slo-scout-owners-'));
    try {
      expect(await readCodeowners(root)).toBeUndefined();
      await mkdir(join(root, '.github'));
      await writeFile(join(root, '.github', 'CODEOWNERS'), '* @acme/gh\n');
      expect(await readCodeowners(root)).toEqual({ text: '* @acme/gh\n', platform: 'github' });
      // GitLab never reads .github/; a .gitlab/CODEOWNERS makes the checkout a GitLab one.
      await mkdir(join(root, '.gitlab'));
      await writeFile(join(root, '.gitlab', 'CODEOWNERS'), '[S]\n* @acme/gl\n');
      expect(await readCodeowners(root)).toEqual({ text: '[S]\n* @acme/gl\n', platform: 'gitlab' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('every alert and the SLO recordings carry the labels; alerts carry the annotations; SLI ratios stay unlabelled', () => {
    const rules = parse(byPath(renderFileSet(report, options('openslo'))).get('slos/checkout-api/checkout-api-orders-latency.rules.yaml')!) as { groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; labels: Record<string, string>; annotations?: Record<string, string> }> }> };
    const [sli, meta, alerts] = rules.groups;
    for (const a of alerts!.rules) {
      expect(a.labels).toMatchObject({ team: 'platform', tier: '1', slo_id: 'checkout-api-orders-latency' });
      expect(a.annotations).toMatchObject({ runbook_url: expect.stringContaining('runbooks.example.com'), slack_channel: '#checkout-oncall', summary: expect.any(String) });
    }
    for (const r of meta!.rules) expect(r.labels.team).toBe('platform');
    for (const r of sli!.rules) expect(r.labels.team).toBeUndefined();
  });

  it('OpenSLO, Sloth, PrometheusRule and Pyrra carry the same routing in their own places', () => {
    const openslo = parseAllDocuments(byPath(renderFileSet(report, options('openslo'))).get('slos/checkout-api/checkout-api-orders-latency.openslo.yaml')!).map((d) => d.toJS()).find((o) => o.kind === 'SLO');
    expect(openslo.metadata.labels).toMatchObject({ team: 'platform', tier: '1' });
    expect(openslo.metadata.annotations.runbook_url).toContain('runbooks.example.com');

    const sloth = parse(byPath(renderFileSet(report, options('sloth'))).get('slos/checkout-api/checkout-api-orders-latency.sloth.yaml')!);
    expect(sloth.labels).toMatchObject({ team: 'platform', tier: '1' });
    expect(sloth.slos[0].alerting.annotations).toMatchObject({ runbook_url: expect.any(String), slack_channel: '#checkout-oncall' });

    const crd = parse(byPath(renderFileSet(report, options('prometheus-rule-crd'))).get('slos/checkout-api/checkout-api-orders-latency.prometheusrule.yaml')!);
    expect(crd.metadata.namespace).toBe('monitoring');
    expect(crd.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/managed-by': 'slo-scout' });
    expect(crd.spec.groups[2].rules[0].labels.team).toBe('platform');

    const pyrra = parse(byPath(renderFileSet(report, options('pyrra'))).get('slos/checkout-api/checkout-api-orders-latency.pyrra.yaml')!);
    expect(pyrra.metadata.namespace).toBe('monitoring');
    expect(pyrra.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'pyrra.dev/team': 'platform', 'pyrra.dev/tier': '1' });
    expect(pyrra.metadata.annotations['pyrra.dev/runbook_url']).toContain('runbooks.example.com');
  });

  it('a URL template with an unknown placeholder is a config error at that line', () => {
    const r = parseConfig('routing:\n  runbook_url: https://x/{{owner}}\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ line: 2, path: 'routing.runbook_url', message: expect.stringContaining('unknown placeholder {{owner}}') });
  });
});

function parseOk(text: string) {
  const r = parseConfig(text);
  if (!r.ok) throw new Error('bad config');
  return r.config;
}
