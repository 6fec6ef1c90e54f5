import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../app/cli.js';
import { runValidate } from '../../app/cli/validate.js';
import { renderValidateReport } from '../../app/validate/format.js';
import { kindOfDocument, validateText } from '../../app/validate/index.js';
import { defaultChecker, grammarChecker, type PromqlChecker } from '../../app/validate/promql.js';

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'validate-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function errorsOf(name: string, text: string, checker: PromqlChecker = grammarChecker): Promise<string[]> {
  const file = await tempFile(name, text);
  const { results } = await runValidate([file], checker);
  return results.flatMap((r) => r.errors.map((e) => `${e.line}:${e.col} ${e.message}`));
}

describe('slo-scout validate on what slo-scout writes', () => {
  it('the whole demo output (OpenSLO, rule files, dashboards, report.json) validates with no errors', async () => {
    const out = await mkdtemp(join(tmpdir(), 'validate-demo-'));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'slo-scout', 'demo', '--out', out])).toBe(0);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const { results } = await runValidate([out], await defaultChecker());
    const kinds = new Set(results.flatMap((r) => r.kinds));
    expect([...kinds].sort()).toEqual(['grafana-dashboard', 'openslo', 'report', 'rules']);
    expect(results.length).toBeGreaterThan(20);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(results.reduce((n, r) => n + r.exprs.length, 0)).toBeGreaterThan(100);
  }, 120_000);
});

describe('recognising a file by its content', () => {
  it.each([
    ['OpenSLO', { apiVersion: 'openslo/v1', kind: 'SLO' }, 'openslo'],
    ['a Sloth spec', { version: 'prometheus/v1', service: 'x', slos: [] }, 'sloth'],
    ['a PrometheusRule', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' }, 'prometheus-rule'],
    ['a plain rule file', { groups: [] }, 'rules'],
    ['a Pyrra SLO', { apiVersion: 'pyrra.dev/v1alpha1', kind: 'ServiceLevelObjective' }, 'pyrra'],
    ['a policy file', { policies: [] }, 'policy'],
    ['a config under another name', { analysis: { window: '28d' } }, 'config'],
  ] as const)('%s', (_name, data, kind) => {
    expect(kindOfDocument(data, 'x.yaml')).toBe(kind);
  });

  it('an unrecognised file says which kinds exist instead of guessing', async () => {
    expect(await errorsOf('x.yaml', 'foo: 1\n')).toEqual([expect.stringMatching(/^1:1 cannot tell what this file is: expected a \.slo-scout\.yml, .*Pyrra/)]);
  });
});

describe('per-kind schemas, positioned', () => {
  it('a Sloth query without {{.window}} is an error at that query', async () => {
    const text = [
      'version: prometheus/v1', 'service: checkout', 'slos:', '  - name: latency', '    objective: 99.9', '    sli:', '      events:',
      '        error_query: sum(rate(errors[5m]))', '        total_query: sum(rate(total[{{.window}}]))', '    alerting:', '      name: CheckoutBurn', '',
    ].join('\n');
    expect(await errorsOf('x.sloth.yaml', text)).toEqual([expect.stringMatching(/^8:22 slos\[0\]\.sli\.events\.error_query: Sloth queries need the \{\{\.window\}\} placeholder/)]);
  });

  it('a rule with both record and alert, and a for on a recording rule, are named', async () => {
    const text = 'groups:\n  - name: g\n    rules:\n      - record: a:b\n        alert: X\n        expr: up\n      - record: c:d\n        expr: up\n        for: 5m\n';
    const errors = await errorsOf('x.rules.yaml', text);
    expect(errors).toEqual([
      expect.stringMatching(/^4:9 .*exactly one of record .* or alert/),
      expect.stringMatching(/^9:14 .*for applies to alerting rules only/),
    ]);
  });

  it('a broken expression in a rule file is reported at the expression by promtool or, without it, by the grammar', async () => {
    const text = 'groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: sum(rate(x[5m])\n';
    const byGrammar = await errorsOf('x.rules.yaml', text, grammarChecker);
    expect(byGrammar).toEqual([expect.stringMatching(/^5:15 groups\[0\]\.rules\[0\]\.expr: PromQL syntax error at character 16/)]);
    const checker = await defaultChecker();
    if (checker.name === 'promtool') {
      expect(await errorsOf('x.rules.yaml', text, checker)).toEqual([expect.stringMatching(/^5:15 groups\[0\]\.rules\[0\]\.expr: promtool: .*unclosed left parenthesis/)]);
      // A type error the grammar cannot see.
      const typed = await errorsOf('x.rules.yaml', 'groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: rate(x)\n', checker);
      expect(typed).toEqual([expect.stringMatching(/expected type range vector/)]);
    }
  });

  it('a PrometheusRule object is checked as Kubernetes sees it (name, namespace) and its groups as Prometheus does', async () => {
    const text = 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: Checkout_SLO\n  namespace: monitoring\nspec:\n  groups:\n    - name: g\n      rules: []\n    - name: g\n      rules: []\n';
    expect(await errorsOf('x.yaml', text)).toEqual([
      expect.stringMatching(/^4:9 metadata\.name: a Kubernetes object name/),
      expect.stringMatching(/^10:13 spec\.groups\[1\]\.name: group name "g" is used twice/),
    ]);
  });

  it('a Pyrra SLO needs a string target, one indicator and plain selectors', async () => {
    const text = [
      'apiVersion: pyrra.dev/v1alpha1', 'kind: ServiceLevelObjective', 'metadata:', '  name: checkout', 'spec:', '  target: "99.5"', '  window: 4w', '  indicator:', '    ratio:',
      '      errors:', '        metric: sum(rate(http_requests_total{code=~"5.."}[5m]))', '      total:', '        metric: http_requests_total', '',
    ].join('\n');
    expect(await errorsOf('x.yaml', text)).toEqual([expect.stringMatching(/^11:17 spec\.indicator\.ratio\.errors\.metric: Pyrra needs a plain vector selector/)]);
    const numeric = await errorsOf('x.yaml', text.replace('"99.5"', '99.5').replace('sum(rate(http_requests_total{code=~"5.."}[5m]))', 'http_requests_total{code=~"5.."}'));
    expect(numeric).toEqual([expect.stringMatching(/^6:11 spec\.target: expected string/)]);
  });

  it('a policy file is checked against the Policy Guard schema', async () => {
    const errors = await errorsOf('policy.yaml', 'policies:\n  - policy_id: p\n    max_services: lots\n');
    expect(errors).toEqual([expect.stringMatching(/^3:19 policies\[0\]\.max_services: .*"10%"/)]);
  });

  it('cron is parsed for real and time zones must exist', () => {
    const r = validateText('.slo-scout.yml', 'schedule:\n  cron: "99 6 * * 1"\n  timezone: Mars/Olympus\n');
    expect(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`)).toEqual([
      expect.stringMatching(/^2:9 schedule\.cron: not a valid cron expression \(.*99.*\)/),
      expect.stringMatching(/^3:13 schedule\.timezone: an IANA time zone/),
    ]);
    expect(validateText('.slo-scout.yml', 'schedule:\n  cron: "a b c d e"\n').errors).toHaveLength(1);
    expect(validateText('.slo-scout.yml', 'schedule:\n  cron: "30 6 * * MON-FRI"\n  timezone: Europe/Berlin\n').errors).toEqual([]);
  });

  it('an OpenSLO calendar window may omit isRolling; a window with neither is an error', () => {
    const slo = (window: string) => [
      'apiVersion: openslo/v1', 'kind: SLO', 'metadata:', '  name: s', 'spec:', '  service: x', '  indicatorRef: i', '  timeWindow:', window,
      '  budgetingMethod: Occurrences', '  objectives:', '    - target: 0.99', '',
    ].join('\n');
    expect(validateText('s.yaml', slo('    - duration: 1M\n      calendar: { startTime: "2026-01-01 00:00:00", timeZone: Europe/Berlin }')).errors).toEqual([]);
    expect(validateText('s.yaml', slo('    - duration: 1M')).errors.map((e) => e.message)).toEqual([expect.stringMatching(/set isRolling: true for a rolling window, or give calendar/)]);
  });
});

describe('output formats', () => {
  const report = {
    files: [
      { file: 'slos/a,b.yaml', kinds: ['rules' as const], objects: 1, errors: [{ file: 'slos/a,b.yaml', line: 3, col: 5, path: 'groups[0].name', message: '100% broken\nsecond line' }] },
      { file: 'ok.yaml', kinds: ['openslo' as const], objects: 2, errors: [] },
    ],
    promql: { checker: 'parser' as const, note: 'syntax only' },
  };

  it('github: one ::error annotation per problem with escaped properties and message', () => {
    const { stdout } = renderValidateReport(report, 'github');
    expect(stdout.split('\n')[0]).toBe('::error file=slos/a%2Cb.yaml,line=3,col=5,title=slo-scout validate%3A groups[0].name::100%25 broken%0Asecond line');
    expect(stdout).toContain('::notice title=slo-scout validate::syntax only');
  });

  it('json: one object with ok, the checker and every file', () => {
    const parsed = JSON.parse(renderValidateReport(report, 'json').stdout) as { ok: boolean; files: Array<{ ok: boolean }> };
    expect(parsed.ok).toBe(false);
    expect(parsed.files.map((f) => f.ok)).toEqual([false, true]);
  });

  it('the CLI exits 2 and prints JSON with --json', async () => {
    const file = await tempFile('bad.yaml', 'groups:\n  - rules: []\n');
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out += String(c); return true; });
    process.exitCode = undefined;
    try {
      expect(await main(['node', 'slo-scout', 'validate', '--json', file])).toBe(2);
    } finally {
      spy.mockRestore();
      process.exitCode = undefined;
    }
    expect(JSON.parse(out).files[0].errors[0]).toMatchObject({ line: 2, col: 5, path: 'groups[0].name' });
  });
});

it('directories are searched for YAML and JSON files only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'validate-walk-'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'a.rules.yaml'), 'groups: []\n');
  await writeFile(join(dir, 'chart.svg'), '<svg/>');
  const { results } = await runValidate([dir], grammarChecker);
  expect(results.map((r) => r.file)).toEqual([join(dir, 'sub', 'a.rules.yaml')]);
});

describe('every export format validates', () => {
  it.each(['openslo', 'sloth', 'prometheus-rule-crd', 'pyrra'] as const)('%s: the whole file set of the fleet fixture passes', async (format) => {
    const { renderFileSet } = await import('../../app/export/index.js');
    const { writeFileSet } = await import('../../app/export/write.js');
    const { fixture } = await import('../export/fixtures.js');
    const out = await mkdtemp(join(tmpdir(), `validate-${format}-`));
    await writeFileSet(out, renderFileSet(fixture('fleet'), { format }));
    const { results } = await runValidate([out], grammarChecker);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(results.some((r) => r.kinds.includes(({ openslo: 'openslo', sloth: 'sloth', 'prometheus-rule-crd': 'prometheus-rule', pyrra: 'pyrra' } as const)[format]))).toBe(true);
  });
});
