/** `slo-scout init` against a real Prometheus holding the test fleet (OTel and classic naming). */
import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../app/cli.js';
import { parseConfig } from '../../app/config/schema.js';
import { renderStarterConfig, type Discovery } from '../../app/config/starter.js';
import { CLASSIC_NAMING, startPrometheus, testFleetBlocks, TEST_END, TEST_SERVICES, type RunningPrometheus } from '../helpers/prometheus.js';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { stdout += String(c); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { stderr += String(c); return true; });
  try {
    return { code: await main(['node', 'slo-scout', 'init', ...args]), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

let otel: RunningPrometheus;
let classic: RunningPrometheus;
beforeAll(async () => {
  [otel, classic] = await Promise.all([startPrometheus(await testFleetBlocks()), startPrometheus(await testFleetBlocks(CLASSIC_NAMING))]);
}, 180_000);
afterAll(async () => {
  await otel?.stop();
  await classic?.stop();
});

describe('slo-scout init', () => {
  it('OTel naming: picks the histogram and labels, lists the services with traffic, excludes probes, and the file parses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'init-'));
    const file = join(dir, '.slo-scout.yml');
    const r = await cli('--prometheus', otel.url, '--end', String(TEST_END), '--out', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = await readFile(file, 'utf8');
    const parsed = parseConfig(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.metrics.histogram).toBe('http_server_request_duration_seconds');
    expect(parsed.config.metrics.labels).toEqual({ service: 'service_name', route: 'http_route', status: 'http_response_status_code' });
    expect(parsed.config.metrics.versionLabel).toBe('service_version');
    expect([...parsed.config.services.include!].sort()).toEqual([...TEST_SERVICES].sort());
    expect(parsed.config.datasources.prometheus?.url).toBe(otel.url);
    // Each choice says why.
    expect(text).toMatch(/# .*`service_name` is on http_server_request_duration_seconds's series/);
    expect(text).toMatch(/- checkout # \d+ routes?, ~[\d.]+[kM]? requests\/day/);
    expect(text).toMatch(/# Probes are not user traffic\. Found: \/health/);
    // Refuses to overwrite.
    const again = await cli('--prometheus', otel.url, '--out', file);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists: pass --force');
  }, 120_000);

  it('classic naming: finds service/route/code labels instead', async () => {
    const r = await cli('--prometheus', classic.url, '--end', String(TEST_END), '--stdout');
    expect(r.code).toBe(0);
    const parsed = parseConfig(r.stdout);
    expect(parsed.ok && parsed.config.metrics).toMatchObject({ histogram: 'http_request_duration_seconds', labels: { service: 'service', route: 'route', status: 'code' } });
  }, 120_000);

  it('an empty Prometheus gives a config that still parses and says what to fill in', () => {
    const d: Discovery = { prometheusUrl: 'http://p:9090', at: '2026-11-01T00:00:00.000Z', lookback: '7d', histogram: null, otherHistograms: [], labelNames: [], service: null, route: null, status: null, version: null, services: [], probeRoutes: [] };
    const text = renderStarterConfig(d);
    expect(parseConfig(text).ok).toBe(true);
    expect(text).toContain('No request-duration histogram was found');
  });
});
