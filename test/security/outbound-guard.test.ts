/**
 * Issue 9: datasource URLs had no allow-list (cloud metadata and internal hosts were reachable),
 * and an endless Prometheus reply grew a worker to 18.9 GB. Requests driven by a repository's
 * config now go through guardedFetch: the resolved address is checked at connect time (DNS
 * rebinding cannot get around it), redirects are not followed, and every body has a byte cap.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch, OutboundRefusedError, parseAllowedHosts, refusal, urlRefusal } from '../../app/telemetry/outbound.js';
import { PrometheusClient } from '../../app/telemetry/prometheus/client.js';
import { TempoClient } from '../../app/telemetry/tempo/client.js';
import { parseConfig } from '../../app/config/schema.js';
import { createEngine } from '../../app/engine.js';
import { configEnvPolicyFromEnv } from '../../app/config/env-policy.js';
import { fixedClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { classify } from '../../workers/errors.js';

let server: Server;
let port: number;
let hits = 0;
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.end('{}');
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterEach(() => {
  hits = 0;
  handler = (_q, res) => res.end('{}');
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const none = parseAllowedHosts(undefined);

describe('which addresses a repository config may reach', () => {
  it.each([
    ['169.254.169.254', 'AWS/GCP/Azure metadata'],
    ['fe80::1', 'IPv6 link-local'],
    ['fd00:ec2::254', 'AWS IPv6 metadata'],
    ['100.100.100.200', 'Alibaba Cloud metadata'],
    ['::ffff:169.254.169.254', 'metadata as an IPv4-mapped IPv6 address'],
    ['0.0.0.0', 'unspecified'],
  ])('%s (%s) is refused by default and even when the private ranges are allowed', (address) => {
    expect(refusal(none, 'h', address)).toMatch(/link-local or cloud-metadata/);
    expect(refusal(parseAllowedHosts('10.0.0.0/8,h'), 'h', address)).toMatch(/link-local or cloud-metadata/);
  });

  it('metadata is reachable only through an explicit CIDR entry', () => {
    expect(refusal(parseAllowedHosts('169.254.169.254/32'), 'imds', '169.254.169.254')).toBeNull();
  });

  it.each(['127.0.0.1', '10.1.2.3', '192.168.0.10', '172.16.5.5', '::1', 'fd12::1', '100.64.0.1'])('%s (loopback / private) is refused unless allowed', (address) => {
    expect(refusal(none, 'prom', address)).toMatch(/refused unless allowed: add it to SLO_SCOUT_ALLOWED_HOSTS/);
  });

  it('a listed host name or CIDR opens a private address', () => {
    expect(refusal(parseAllowedHosts('prometheus.monitoring.svc'), 'prometheus.monitoring.svc', '10.1.2.3')).toBeNull();
    expect(refusal(parseAllowedHosts('*.svc.cluster.local'), 'prom.mon.svc.cluster.local', '10.1.2.3')).toBeNull();
    expect(refusal(parseAllowedHosts('10.0.0.0/8'), 'anything', '10.1.2.3')).toBeNull();
    expect(refusal(parseAllowedHosts('*.svc.cluster.local'), 'evil.example', '10.1.2.3')).toMatch(/private/);
  });

  it('public addresses are open while the list is empty and closed once it is set', () => {
    expect(refusal(none, 'prom.example.com', '93.184.216.34')).toBeNull();
    expect(refusal(parseAllowedHosts('prom.example.com'), 'attacker.example', '93.184.216.34')).toMatch(/not in SLO_SCOUT_ALLOWED_HOSTS/);
    expect(urlRefusal(parseAllowedHosts('prom.example.com'), 'http://attacker.example/')).toMatch(/attacker\.example is not in SLO_SCOUT_ALLOWED_HOSTS/);
  });

  it('URL tricks do not get around it: decimal and hex IPv4, bracketed IPv6, credentials', () => {
    expect(urlRefusal(none, 'http://2852039166/')).toMatch(/link-local/); // 169.254.169.254
    expect(urlRefusal(none, 'http://0xA9FEA9FE/')).toMatch(/link-local/);
    expect(urlRefusal(none, 'http://[fd00:ec2::254]/')).toMatch(/metadata/);
    expect(urlRefusal(none, 'http://user:pw@prom.example.com/')).toMatch(/credentials in the URL/);
    expect(urlRefusal(none, 'file:///etc/passwd')).toMatch(/only http and https/);
  });

  it('a config whose URL is metadata is refused at its line and column when the worker reads it', () => {
    const r = parseConfig('datasources:\n  tempo:\n    url: http://169.254.169.254/latest/meta-data/\n', '.slo-scout.yml', { outbound: none });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(`${r.errors[0]!.line}:${r.errors[0]!.col} ${r.errors[0]!.message}`).toMatch(/^3:10 datasources\.tempo\.url: 169\.254\.169\.254 is a link-local or cloud-metadata address/);
  });
});

describe('guardedFetch checks the resolved address when it connects', () => {
  it('a name resolving to 169.254.169.254 is refused at connect time', async () => {
    const resolve = (_h: string, cb: (e: null, a: LookupAddress[]) => void) => cb(null, [{ address: '169.254.169.254', family: 4 }]);
    const f = guardedFetch(none, { resolve });
    await expect(f('http://metadata.attacker.example/latest/meta-data/')).rejects.toThrow(OutboundRefusedError);
    await expect(f('http://metadata.attacker.example/latest/meta-data/')).rejects.toThrow(/metadata\.attacker\.example \(169\.254\.169\.254\) is a link-local or cloud-metadata address/);
  });

  it('DNS rebinding: a name that pointed elsewhere before now points at our own loopback server, and nothing reaches it', async () => {
    let calls = 0;
    const resolve = (_h: string, cb: (e: null, a: LookupAddress[]) => void) => cb(null, [{ address: calls++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }]);
    const f = guardedFetch(parseAllowedHosts('10.0.0.0/8'), { resolve });
    calls = 1; // the check-time answer is irrelevant: connect time decides
    await expect(f(`http://rebind.attacker.example:${port}/`)).rejects.toThrow(/127\.0\.0\.1.*loopback/);
    expect(hits).toBe(0);
  });

  it('the real resolver: localhost is refused by default and reachable once allowed', async () => {
    await expect(guardedFetch(none)(`http://localhost:${port}/`)).rejects.toThrow(/loopback/);
    await expect(guardedFetch(none)(`http://127.0.0.1:${port}/`)).rejects.toThrow(/loopback/);
    expect(hits).toBe(0);
    const res = await guardedFetch(parseAllowedHosts('127.0.0.1/32,::1/128'))(`http://localhost:${port}/`);
    expect(res.status).toBe(200);
    expect(hits).toBe(1);
  });

  it('redirects are not followed (a 302 to metadata ends the request with an error)', async () => {
    handler = (_q, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    await expect(guardedFetch(parseAllowedHosts('127.0.0.1/32'))(`http://127.0.0.1:${port}/`)).rejects.toThrow(/HTTP 302 redirecting to http:\/\/169\.254\.169\.254.*does not follow redirects/);
    expect(hits).toBe(1);
  });

  it('the engine of the worker refuses a loopback datasource before a single request reaches it', async () => {
    const parsed = parseConfig(`datasources:\n  prometheus:\n    url: http://127.0.0.1:${port}\n`);
    if (!parsed.ok) throw new Error('config should parse');
    const engine = createEngine({ logger: silentLogger, clock: fixedClock('2026-03-01T00:00:00Z'), env: {}, trust: { env: configEnvPolicyFromEnv(undefined), outbound: none } });
    const err = await engine.analyze({ config: parsed.config, repo: { owner: 'o', repo: 'r' } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/127\.0\.0\.1 is a loopback address/);
    // Permanent: a retry would be refused the same way, so the job must not be retried.
    expect(classify(err)).toBe('permanent');
    expect(hits).toBe(0);
  });
});

describe('response byte caps', () => {
  const endless = (_q: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (res.write(chunk)) { /* fill the socket buffer */ }
      res.once('drain', pump);
    };
    res.write('{"status":"success","data":{"resultType":"vector","result":[');
    pump();
  };

  it('an endless Prometheus reply is cut at the cap with an error naming the query and the cap', async () => {
    handler = endless;
    const client = new PrometheusClient({ url: `http://127.0.0.1:${port}`, maxResponseBytes: 1024 * 1024, retries: 0, fetch: guardedFetch(parseAllowedHosts('127.0.0.1/32')) });
    const started = performance.now();
    const rss = process.memoryUsage().rss;
    await expect(client.query('up{job="x"}', 1)).rejects.toThrow(/the reply to Prometheus query up\{job="x"\} is larger than 1048576 bytes \(the cap for one response\)/);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
  });

  it('the cap holds with the plain global fetch too (the CLI default), and a declared Content-Length over the cap is refused before reading', async () => {
    handler = endless;
    await expect(new PrometheusClient({ url: `http://127.0.0.1:${port}`, maxResponseBytes: 256 * 1024, retries: 0 }).query('up', 1)).rejects.toThrow(/larger than 262144 bytes/);
    handler = (_q, res) => res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) }).end(Buffer.alloc(10 * 1024 * 1024));
    await expect(new PrometheusClient({ url: `http://127.0.0.1:${port}`, maxResponseBytes: 1024 * 1024, retries: 0 }).query('up', 1)).rejects.toThrow(/larger than 1048576 bytes/);
  });

  it('an endless Tempo search reply is cut at the cap', async () => {
    handler = endless;
    const tempo = new TempoClient({ url: `http://127.0.0.1:${port}`, maxResponseBytes: 512 * 1024, retries: 0 });
    await expect(tempo.search('{ span.http.route = "/pay" }', 0, 60)).rejects.toThrow(/the reply to Tempo search \{ span\.http\.route = "\/pay" \} is larger than 524288 bytes/);
  });
});
