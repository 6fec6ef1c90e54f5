/**
 * docker-compose.yml without Docker: its structure and every reference it makes — build contexts,
 * mounted files, env vars (each one the app reads, and every one the app needs), the migrate ->
 * serve/worker order, one Prometheus target per worker replica, the inline Prometheus config
 * checked by promtool, and the commands given to the image exist in the CLI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS, commandName } from '../../app/cli/manifest.js';
import { Env } from '../../app/config/env.js';

const ROOT = join(import.meta.dirname, '..', '..');
interface Service {
  build?: string | { context: string; dockerfile?: string };
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  configs?: Array<{ source: string; target: string }>;
  secrets?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  restart?: string;
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>; configs: Record<string, { content?: string; file?: string }>; secrets: Record<string, { file: string }>; volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const ours = services.filter(([, s]) => s.build !== undefined);
/** `${VAR:-default}` -> default; `${VAR:+x}` -> x; `${VAR:?msg}` -> VAR's name (must be set). */
const resolveDefault = (v: string) => v.replace(/\$\{([A-Z_]+):?([-+?])([^}]*)\}/g, (_m, _n: string, op: string, rest: string) => (op === '?' ? 'set' : rest));
/** Env vars the image itself or the healthcheck reads, beyond app/config/env.ts. */
const IMAGE_ENV = ['SLO_SCOUT_HEALTH_URL', 'NODE_ENV'];

describe('docker-compose.yml', () => {
  it('every build context exists and holds a Dockerfile', () => {
    expect(ours.length).toBeGreaterThanOrEqual(4);
    for (const [name, s] of ours) {
      const ctx = typeof s.build === 'string' ? s.build : s.build!.context;
      const file = typeof s.build === 'string' ? 'Dockerfile' : s.build!.dockerfile ?? 'Dockerfile';
      expect(existsSync(join(ROOT, ctx, file)), `${name}: ${ctx}/${file}`).toBe(true);
    }
  });

  it('every file it mounts or reads exists (bind mounts, secrets, configs)', () => {
    const files: string[] = [];
    for (const [, s] of services) for (const v of s.volumes ?? []) if (/^[.~/]/.test(v)) files.push(v.split(':')[0]!);
    for (const s of Object.values(compose.secrets ?? {})) files.push(resolveDefault(s.file));
    for (const c of Object.values(compose.configs ?? {})) if (c.file) files.push(c.file);
    for (const f of files) expect(existsSync(join(ROOT, f)), f).toBe(true);
    // Named volumes are declared.
    for (const [name, s] of services) for (const v of s.volumes ?? []) if (!/^[.~/]/.test(v)) expect(compose.volumes, `${name}: ${v}`).toHaveProperty(v.split(':')[0]!);
  });

  it('sets only env vars the app reads, and every one serve and worker need', () => {
    const known = new Set([...Object.keys(Env.shape), ...IMAGE_ENV]);
    for (const [name, s] of ours) {
      for (const key of Object.keys(s.environment ?? {})) expect(known.has(key), `${name}: ${key} is read by nothing (app/config/env.ts)`).toBe(true);
    }
    for (const name of ['app', 'worker', 'migrate']) {
      const env = compose.services[name]!.environment!;
      for (const key of ['APP_ID', 'WEBHOOK_SECRET', 'DATABASE_URL', 'REDIS_URL']) expect(env[key], `${name}: ${key}`).toBeTruthy();
      // A key either inline (PRIVATE_KEY) or as the mounted secret (PRIVATE_KEY_PATH when PRIVATE_KEY_FILE is set).
      expect(env.PRIVATE_KEY).toMatch(/\$\{PRIVATE_KEY:-\}/);
      expect(env.PRIVATE_KEY_PATH).toBe('${PRIVATE_KEY_FILE:+/run/secrets/github-app.pem}');
      expect(compose.services[name]!.secrets).toContain('github-app.pem');
      // Every value parses with the app's own schema once compose has filled in defaults.
      const filled = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolveDefault(String(v))]).filter(([, v]) => v !== ''));
      const parsed = Env.safeParse({ ...filled, APP_ID: '1' });
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('runs migrate once, to completion, before serve and worker', () => {
    expect(compose.services.migrate!.command).toEqual(['migrate']);
    expect(compose.services.migrate!.restart).toBe('no');
    for (const name of ['app', 'worker']) expect(compose.services[name]!.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
  });

  it('runs only commands the CLI has', () => {
    const names = new Set(COMMANDS.map(commandName));
    for (const [name, s] of ours) {
      const cmd = s.entrypoint ? (s.command ?? []).join(' ').match(/slo-scout ([a-z-]+)/)?.[1] : s.command?.[0];
      expect(cmd && names.has(cmd), `${name}: ${cmd}`).toBe(true);
    }
  });

  it('Prometheus scrapes the app, each worker replica on its metrics port, and the demo fleet; its config passes promtool', async () => {
    const text = compose.configs['prometheus.yml']!.content!;
    const prom = parse(text) as { scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; type: string; port: number }> }> };
    const job = (n: string) => prom.scrape_configs.find((j) => j.job_name === n)!;
    expect(job('slo-scout-app').static_configs![0]!.targets).toEqual([`app:${compose.services.app!.environment!.PORT}`]);
    // Replicas behind one static target would each be seen only now and then: resolve every replica.
    const worker = compose.services.worker!;
    expect(worker.deploy?.replicas).toBeGreaterThan(1);
    const sd = job('slo-scout-worker').dns_sd_configs![0]!;
    expect(sd).toMatchObject({ names: ['worker'], type: 'A' });
    expect(worker.command).toEqual(['worker', '--metrics-port', String(sd.port)]);
    const demo = job('demo-fleet').static_configs![0]!.targets[0]!;
    expect(compose.services['demo-exporter']!.command!.join(' ')).toContain(`--port ${demo.split(':')[1]}`);
    for (const j of prom.scrape_configs) for (const t of j.static_configs?.flatMap((c) => c.targets) ?? []) expect(compose.services, t).toHaveProperty(t.split(':')[0]!);
    const dir = await mkdtemp(join(tmpdir(), 'compose-prom-'));
    await writeFile(join(dir, 'prometheus.yml'), text);
    // dns_sd names cannot resolve here: check syntax only.
    const out = execFileSync('promtool', ['check', 'config', '--syntax-only', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
  });

  it('backfills history before Prometheus starts, keeps it, and publishes Tempo OTLP ports', () => {
    expect(compose.services.prometheus!.depends_on?.['prometheus-backfill']).toEqual({ condition: 'service_completed_successfully' });
    expect(compose.services['prometheus-backfill']!.depends_on?.['demo-backfill']).toEqual({ condition: 'service_completed_successfully' });
    const retention = compose.services.prometheus!.command!.find((a) => a.startsWith('--storage.tsdb.retention.time='))!;
    expect(Number(/=(\d+)d$/.exec(retention)![1])).toBeGreaterThan(30);
    expect(compose.services.tempo!.ports).toEqual(expect.arrayContaining(['4317:4317', '4318:4318']));
  });

  it('Grafana provisions the dashboards the proposals analysis writes', () => {
    const dash = parse(compose.configs['grafana-dashboards.yaml']!.content!) as { providers: Array<{ options: { path: string } }> };
    const grafanaMount = compose.services.grafana!.volumes!.find((v) => v.startsWith('proposals:'))!.split(':')[1]!;
    const out = compose.services.proposals!.command![compose.services.proposals!.command!.indexOf('--out') + 1]!;
    const volumeMount = compose.services.proposals!.volumes!.find((v) => v.startsWith('proposals:'))!.split(':')[1]!;
    // analyze --out D writes D/slos/<service>/dashboard.json.
    expect(dash.providers[0]!.options.path).toBe(`${grafanaMount}${out.slice(volumeMount.length)}/slos`);
  });
});
