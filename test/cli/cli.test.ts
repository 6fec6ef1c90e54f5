import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEnd } from '../../app/cli/options.js';
import { DEMO_END, FleetHistorySource } from '../../app/cli/demo.js';
import { detectKind } from '../../app/cli/validate.js';
import { main } from '../../app/cli.js';
import { Report } from '../../app/core/report.js';
import { fixedClock } from '../../app/deps.js';
import { runAnalysis } from '../../app/pipeline.js';
import { freePort } from '../helpers/prometheus.js';

/** Runs the CLI in-process and captures what it prints. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'slo-scout', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('parseEnd', () => {
  const cases: Array<[string, string, number]> = [
    ['RFC 3339 with Z', '2026-11-01T00:00:00Z', Date.UTC(2026, 10, 1) / 1000],
    ['RFC 3339 with an offset', '2026-11-01T02:00:00+02:00', Date.UTC(2026, 10, 1) / 1000],
    ['unix seconds', '1793491200', 1793491200],
  ];
  for (const [name, text, want] of cases) it(`accepts ${name}`, () => expect(parseEnd(text)).toBe(want));
  it('refuses a bare date with a message showing both accepted forms', () => {
    expect(() => parseEnd('yesterday')).toThrow(/RFC 3339 .* unix seconds/);
  });
});

describe('slo-scout validate', () => {
  it('a good config prints ok and exits 0; a bad one prints file:line:col and exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'validate-'));
    const good = join(dir, '.slo-scout.yml');
    const bad = join(dir, 'bad', '.slo-scout.yml');
    await writeFile(good, 'analysis:\n  window: 14d\n');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'bad')));
    await writeFile(bad, 'analysis:\n  window: 14d\n  breach: 1d\n');
    const ok = await cli('validate', good);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`${good}: ok (slo-scout config)`);
    const ko = await cli('validate', good, bad);
    expect(ko.code).toBe(2);
    expect(ko.stderr).toBe(`${bad}:3:3 analysis: unknown key "breach": remove it or check the spelling (see schemas/slo-scout-config.schema.json)\n`);
  });

  it('recognises OpenSLO files by content and reports a bad name and a misspelt budgeting method with positions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'validate-'));
    const file = join(dir, 'slo.yaml');
    await writeFile(file, [
      'apiVersion: openslo/v1', 'kind: Service', 'metadata:', '  name: checkout', 'spec:', '  description: shop', '---',
      'apiVersion: openslo/v1', 'kind: SLO', 'metadata:', '  name: Checkout_Latency', 'spec:', '  service: checkout', '  indicatorRef: checkout-latency-sli',
      '  timeWindow:', '    - duration: 28d', '      isRolling: true', '  budgetingMethod: Occurences', '  objectives:', '    - target: 0.99', '',
    ].join('\n'));
    expect(detectKind(file, readFileSync(file, 'utf8'))).toBe('openslo');
    const r = await cli('validate', file);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:11:9 metadata\\.name: lowercase letters`));
    expect(lines[1]).toMatch(/:18:20 spec\.budgetingMethod: expected one of "Occurrences"/);
  });

  it('a dangling indicatorRef is an error at the reference unless another given file defines the SLI', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'validate-'));
    const slo = join(dir, 'slo.yaml');
    const sli = join(dir, 'sli.yaml');
    await writeFile(slo, [
      'apiVersion: openslo/v1', 'kind: SLO', 'metadata:', '  name: checkout-latency', 'spec:', '  service: checkout', '  indicatorRef: checkout-latency-sli',
      '  timeWindow:', '    - duration: 28d', '      isRolling: true', '  budgetingMethod: Occurrences', '  objectives:', '    - target: 0.99', '---',
      'apiVersion: openslo/v1', 'kind: Service', 'metadata:', '  name: checkout', 'spec: {}', '',
    ].join('\n'));
    await writeFile(sli, [
      'apiVersion: openslo/v1', 'kind: SLI', 'metadata:', '  name: checkout-latency-sli', 'spec:', '  ratioMetric:', '    counter: false',
      '    good: { metricSource: { type: Prometheus, spec: { query: "sum(rate(good[5m]))" } } }', '    total: { metricSource: { type: Prometheus, spec: { query: "sum(rate(all[5m]))" } } }', '',
    ].join('\n'));
    const alone = await cli('validate', slo);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe(`${slo}:7:17 spec.indicatorRef: no SLI named "checkout-latency-sli" in the files given: define it, or validate this file together with the file that does\n`);
    const together = await cli('validate', slo, sli);
    expect(together.code).toBe(0);
    expect(together.stdout).toContain(`${slo}: ok (2 OpenSLO objects)`);
  });

  it('an unknown kind lists the OpenSLO v1 kinds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'validate-'));
    const file = join(dir, 'x.yaml');
    await writeFile(file, 'apiVersion: openslo/v1\nkind: Budget\nmetadata:\n  name: x\nspec: {}\n');
    const r = await cli('validate', file);
    expect(r.stderr).toMatch(/:2:7 kind: kind must be one of Service, SLI, SLO/);
  });
});

describe('slo-scout analyze errors', () => {
  it('without a Prometheus URL it exits 2 and names both ways to give one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'analyze-'));
    const r = await cli('analyze', '--config', join(dir, 'missing.yml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read the file (ENOENT)');
    const r2 = await cli('analyze', '--config', await (async () => { const f = join(dir, 'c.yml'); await writeFile(f, 'analysis: { window: 7d }\n'); return f; })());
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('no Prometheus URL: pass --prometheus URL or set datasources.prometheus.url in .slo-scout.yml');
  });

  it('an unreachable Prometheus exits 1 with one line naming the URL', async () => {
    const port = await freePort();
    const r = await cli('analyze', '--prometheus', `http://127.0.0.1:${port}`, '--end', '1793491200', '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^slo-scout: cannot reach Prometheus at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    expect(r.stdout).toBe('');
  }, 20_000);

  it('a window that is not a whole number of breach windows is refused', async () => {
    const r = await cli('analyze', '--prometheus', 'http://127.0.0.1:1', '--window', '36h', '--breach-window', '1d');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a whole number of breach windows');
  });
});

describe('slo-scout demo', () => {
  it('the same seed gives the same proposals; another seed gives different numbers', async () => {
    const analyse = (seed: number) => runAnalysis(
      { source: new FleetHistorySource({ seed, scenario: 'demo' }), clock: fixedClock(new Date(DEMO_END * 1000)) },
      { end: DEMO_END, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed, bootstrapDraws: 300 },
    );
    const [a, b, c] = await Promise.all([analyse(3), analyse(3), analyse(4)]);
    expect(b.proposals).toEqual(a.proposals);
    expect(c.proposals).not.toEqual(a.proposals);
    expect(new Set(a.proposals.map((p) => p.service)).size).toBeGreaterThanOrEqual(12);
  }, 60_000);

  it('writes the file set and prints a table with one row per proposal', async () => {
    const out = await mkdtemp(join(tmpdir(), 'demo-'));
    const r = await cli('demo', '--out', out, '--seed', '5');
    expect(r.code).toBe(0);
    const report = Report.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(existsSync(join(out, 'PULL_REQUEST.md'))).toBe(true);
    expect(existsSync(join(out, 'slos', 'payments', 'payments-charge-latency.openslo.yaml'))).toBe(true);
    const rows = r.stdout.split('\n').filter((l) => /^│ \S/.test(l) && !l.startsWith('│ service'));
    expect(rows).toHaveLength(report.proposals.length);
    expect(r.stdout).toMatch(/payments\s+│ \/charge\s+│ latency/);
  }, 60_000);
});

describe('slo-scout --help', () => {
  it('lists every command of the product and exits 0', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const name of ['analyze', 'demo', 'validate', 'simulate', 'capsules', 'serve', 'worker', 'migrate', 'audit']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    }
  });

  it('answers an unknown command with a non-zero exit and a pointer to --help', async () => {
    const { code, stderr } = await cli('analyse');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/unknown command|--help/);
  });
});
