/**
 * Issue 13 gap: `/slo-scout simulate` without `capacity=` uses the repository config's
 * `simulation.capacityPerReplica` for the service, else the capacity fitted from history, and the
 * answer names the source. Real engine and simulator; only the platform is a stub.
 */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { configEnvPolicyFromEnv } from '../../app/config/env-policy.js';
import { Report } from '../../app/core/report.js';
import { simulationBasisFromHistory } from '../../app/core/simulate/index.js';
import { fixedClock } from '../../app/deps.js';
import { createEngine } from '../../app/engine.js';
import { silentLogger } from '../../app/logger.js';
import type { WorkerDeps } from '../../app/ports.js';
import type { ReportStore } from '../../app/store/reports.js';
import { parseAllowedHosts } from '../../app/telemetry/outbound.js';
import type { Platform } from '../../app/vcs/platform.js';
import { processSimulateJob } from '../../workers/simulate.js';
import { END, mmcHistory, proposal } from '../core/simulate/fixtures.js';

const VARIANTS = [['conservative', 99, 0.5], ['balanced', 98.5, 0.25], ['aggressive', 95, 0.1]] as const;
const report = Report.parse(JSON.parse(JSON.stringify({
  generatedAt: new Date(END * 1000).toISOString(), window: '28d', breachWindow: '1d', end: new Date(END * 1000).toISOString(),
  proposals: ['checkout', 'payments'].map((service) => ({
    ...proposal({ service, sloId: `${service}-latency`, variants: VARIANTS.map((v) => [...v]) as Parameters<typeof proposal>[0]['variants'] }),
    simulationBasis: simulationBasisFromHistory(mmcHistory({ service, replicas: 4 })),
  })),
  timings: { totalSeconds: 1, prometheusSeconds: 0, queries: 0 },
})));
const trust = { env: configEnvPolicyFromEnv(undefined), outbound: parseAllowedHosts(undefined) };

/** Runs one simulate job against a repository whose default branch holds `files`; returns the answer. */
async function answer(params: Record<string, string>, files: Record<string, string>, service?: string): Promise<{ body: string; reads: string[] }> {
  const bodies: string[] = [];
  const reads: string[] = [];
  const platform = {
    kind: 'github', botLogin: 'slo-scout[bot]',
    readFile: (_r: unknown, path: string) => { reads.push(path); return Promise.resolve(files[path] ?? null); },
    listComments: () => Promise.resolve([]),
    createComment: (_r: unknown, _n: number, body: string) => { bodies.push(body); return Promise.resolve({ id: bodies.length, body, authorLogin: 'slo-scout[bot]' }); },
    updateComment: () => Promise.resolve(),
  } as unknown as Platform;
  const deps = {
    logger: silentLogger, clock: fixedClock('2026-01-01T00:00:00Z'), platformFor: () => Promise.resolve(platform),
    reports: { latest: () => Promise.resolve(report) } as unknown as ReportStore,
    engine: createEngine({ logger: silentLogger, clock: fixedClock('2026-01-01T00:00:00Z'), env: {}, trust }),
  } as unknown as WorkerDeps;
  await processSimulateJob({ owner: 'o', repo: 'r', platform: 'github', installationId: 1, prNumber: 1, params, ...(service ? { service } : {}) }, deps).catch((err: unknown) => {
    if (!(err instanceof UnrecoverableError)) throw err;
  });
  return { body: bodies.at(-1) ?? '', reads };
}

/** The capacity line of one service's table: "capacity 120 req/s per replica (… , <source>)". */
const capacityLine = (body: string, service: string) => new RegExp(`#### ${service}-latency[\\s\\S]*?<sub>capacity ([\\d.]+) req/s per replica \\([^)]*, ([^)]*)\\)`).exec(body)?.slice(1);

describe('/slo-scout simulate capacity: given, else configured per service, else from history', () => {
  const config = { '.slo-scout.yml': 'version: 1\nsimulation:\n  capacityPerReplica:\n    checkout: 120\n' };

  it('without capacity= the config\'s value for the service is used and named; a service without one keeps history\'s', async () => {
    const { body } = await answer({ traffic: '1.2' }, config);
    expect(capacityLine(body, 'checkout')).toEqual(['120', 'configured by simulation.capacityPerReplica.checkout in .slo-scout.yml']);
    expect(capacityLine(body, 'payments')?.[1]).toMatch(/^(fitted from history|assumed: history cannot identify it)$/);
  });

  it('capacity= wins over the config, and the config is then not even read', async () => {
    const { body, reads } = await answer({ traffic: '1.2', capacity: '80' }, config, 'checkout');
    expect(capacityLine(body, 'checkout')).toEqual(['80.0', 'configured by capacity=']);
    expect(reads).toEqual([]);
  });

  it('without a config (or an entry for the service) the fitted capacity is used and says so', async () => {
    const { body, reads } = await answer({ traffic: '1.2' }, {}, 'checkout');
    expect(reads).toContain('.slo-scout.yml');
    expect(capacityLine(body, 'checkout')?.[1]).toMatch(/^(fitted from history|assumed: history cannot identify it)$/);
  });

  it('an invalid config does not block the what-if; the answer says its capacities were not used', async () => {
    const { body } = await answer({ traffic: '1.2' }, { '.slo-scout.yml': 'version: 1\nsimulation:\n  capacityPerReplica:\n    checkout: -3\n' }, 'checkout');
    expect(capacityLine(body, 'checkout')?.[1]).not.toMatch(/configured/);
    expect(body).toMatch(/`\.slo-scout\.yml` on the default branch is invalid, so its `simulation\.capacityPerReplica` was not used/);
  });
});
