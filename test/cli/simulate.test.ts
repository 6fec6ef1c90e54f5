import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../app/cli/simulate.js';
import { CliError } from '../../app/cli/errors.js';
import { simulationBasisFromHistory } from '../../app/core/simulate/index.js';
import { END, mmcHistory, proposal } from '../core/simulate/fixtures.js';
import { startPrometheus, testFleetBlocks, TEST_END, type RunningPrometheus } from '../helpers/prometheus.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-scout-simulate-'));
  const history = mmcHistory({ deploys: [{ version: 'v1', day: 0 }, { version: 'v2', day: 20 }], serviceMean: { v1: 0.05, v2: 0.06 } });
  const p = proposal({ variants: [['conservative', 99, 0.5], ['balanced', 98.5, 0.25], ['aggressive', 95, 0.1]] });
  const at = new Date(END * 1000).toISOString();
  const report = { generatedAt: at, window: '28d', breachWindow: '1d', end: at, proposals: [{ ...p, simulationBasis: simulationBasisFromHistory(history) }], timings: { totalSeconds: 1, prometheusSeconds: 0, queries: 0 } };
  await writeFile(join(dir, 'report.json'), JSON.stringify(report));
  await writeFile(join(dir, 'old.json'), JSON.stringify({ ...report, proposals: [p] }));
  await writeFile(join(dir, 'broken.json'), '{"generatedAt": 1');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['simulate', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('slo-scout simulate --report', () => {
  it('--capacity replaces the fitted per-replica capacity, and the config\'s simulation.capacityPerReplica does the same', async () => {
    type Out = { slos: Array<{ parameters: Record<string, unknown>; capacity: { perReplica: number; source: string }; variants: Array<{ type: string; projectedBreachRate: number }> }> };
    const base = ['--report', dir, '--service', 'checkout', '--traffic-multiplier', '1.5', '--draws', '200', '--json'];
    const fitted = JSON.parse(await cli(...base)) as Out;
    const measured = JSON.parse(await cli(...base, '--capacity', '40')) as Out;
    expect(fitted.slos[0]!.capacity.source).not.toBe('configured');
    expect(measured.slos[0]!.capacity).toMatchObject({ perReplica: 40, source: 'configured' });
    expect(measured.slos[0]!.parameters).toMatchObject({ capacityPerReplica: 40 });
    await writeFile(join(dir, 'slo-scout.yml'), 'simulation:\n  capacityPerReplica:\n    checkout: 40\n');
    const fromConfig = JSON.parse(await cli(...base, '--config', join(dir, 'slo-scout.yml'))) as Out;
    expect(fromConfig.slos[0]!.capacity).toMatchObject({ perReplica: 40, source: 'configured' });
    expect(fromConfig.slos[0]!.variants).toEqual(measured.slos[0]!.variants);
  });

  it('says which capacity it used: --capacity, else the config\'s value for the service, else history', async () => {
    const base = ['--report', dir, '--service', 'checkout', '--traffic-multiplier', '1.5', '--draws', '200'];
    const config = join(dir, 'capacity.yml');
    await writeFile(config, 'simulation:\n  capacityPerReplica:\n    checkout: 40\n    payments: 7\n');
    type Out = { slos: Array<{ capacity: { perReplica: number; from: string | null } }> };
    // --capacity wins over the config.
    expect((JSON.parse(await cli(...base, '--json', '--capacity', '55', '--config', config)) as Out).slos[0]!.capacity).toMatchObject({ perReplica: 55, from: '--capacity' });
    expect(await cli(...base, '--capacity', '55', '--config', config)).toMatch(/capacity 55\.0 req\/s per replica \(.*configured by --capacity\)/);
    expect(await cli(...base, '--config', config)).toMatch(/capacity 40\.0 req\/s per replica \(.*configured by simulation\.capacityPerReplica\.checkout in capacity\.yml\)/);
    // Another service's value is not this one's: history decides.
    await writeFile(config, 'simulation:\n  capacityPerReplica:\n    payments: 7\n');
    const fitted = await cli(...base, '--config', config);
    expect(fitted).toMatch(/req\/s per replica \(.*(fitted from history|assumed: history cannot identify it)\)/);
    expect(fitted).not.toContain('configured');
  });

  it('prints a table per SLO with every variant, the scenario and the interval level', async () => {
    const out = await cli('--report', dir, '--service', 'checkout', '--traffic-multiplier', '1.05', '--draws', '300');
    expect(out).toContain('checkout-pay-latency (latency) — traffic x1.05');
    for (const v of ['conservative', 'balanced', 'aggressive']) expect(out).toMatch(new RegExp(`│ ${v}\\s+│`));
    expect(out).toContain('interval: 90.0% bootstrap over evaluation windows, 300 draws, seed 1');
  });

  it('prints JSON that matches the API and is repeatable with a seed', async () => {
    const args = ['--report', join(dir, 'report.json'), '--service', 'checkout', '--replicas', '3', '--canary-percentage', '10', '--seed', '5', '--draws', '200', '--json'];
    const first = JSON.parse(await cli(...args)) as { seed: number; slos: Array<{ parameters: Record<string, unknown>; warnings: string[]; variants: unknown[] }> };
    expect(JSON.parse(await cli(...args))).toEqual(first);
    expect(first.seed).toBe(5);
    expect(first.slos[0]!.parameters).toEqual({ replicaCount: 3, deploymentVersion: 'v2', canaryPercentage: 10 });
    expect(first.slos[0]!.variants).toHaveLength(3);
    expect(first.slos[0]!.warnings.join('\n')).toMatch(/unstable/);
  });

  it.each([
    ['neither source', ['--service', 'checkout'], /exactly one of --report FILE .* or --prometheus URL/],
    ['a missing file', ['--report', '/nonexistent/report.json', '--service', 'checkout'], /cannot read \/nonexistent\/report.json: ENOENT/],
    ['a file that is not JSON', ['--report', 'BROKEN', '--service', 'checkout'], /broken.json is not JSON/],
    ['a report written before the simulator', ['--report', 'OLD', '--service', 'checkout'], /no simulation data .* re-run `slo-scout analyze`/],
    ['an unknown service', ['--report', 'DIR', '--service', 'cart'], /no SLO with simulation data for service "cart" \(services with data: checkout\)/],
    ['an unknown version', ['--report', 'DIR', '--service', 'checkout', '--deployment-version', 'v9'], /known versions: v1, v2/],
  ])('refuses %s with a one-line error that says how to fix it', async (_name, args, message) => {
    const resolved = args.map((a) => (a === 'DIR' ? dir : a === 'OLD' ? join(dir, 'old.json') : a === 'BROKEN' ? join(dir, 'broken.json') : a));
    const err = await cli(...resolved).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(message);
  });

  it.each([
    ['--replicas', '2.5', /--replicas must be a whole number >= 1/],
    ['--canary-percentage', '120', /--canary-percentage must be between 0 and 100/],
    ['--traffic-multiplier', '-1', /--traffic-multiplier must be a number in \(0, 1000\]/],
  ])('rejects %s %s', async (flag, value, message) => {
    const err = await cli('--report', dir, '--service', 'checkout', flag, value).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(message);
  });
});

describe('slo-scout simulate --prometheus', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(await testFleetBlocks());
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('analyses one service from a real Prometheus and projects a rollback past the regressing deploy', { timeout: 60_000 }, async () => {
    // payments /charge got 1.8x slower with v2.4.0 nine days before the end (the fleet's regressing deploy).
    const out = await cli('--prometheus', prom.url, '--service', 'payments', '--end', String(TEST_END), '--version-label', 'service_version',
      '--slo', 'payments-charge-latency', '--deployment-version', 'v2.3.4', '--draws', '300', '--json');
    const result = JSON.parse(out) as { slos: Array<{ sloId: string; scenario: string; variants: Array<{ baselineErrorBudgetImpact: { burnRate: number }; errorBudgetImpact: { burnRate: number } }> }> };
    expect(result.slos.map((s) => s.sloId)).toEqual(['payments-charge-latency']);
    expect(result.slos[0]!.scenario).toBe('all traffic on v2.3.4');
    for (const v of result.slos[0]!.variants) expect(v.errorBudgetImpact.burnRate).toBeLessThan(v.baselineErrorBudgetImpact.burnRate);
  });
});
