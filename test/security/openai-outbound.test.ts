/**
 * Issue 15 gap: the OpenAI embedder called OPENAI_BASE_URL with the global fetch, so the one
 * outbound call of an analysis that skipped SLO_SCOUT_ALLOWED_HOSTS was the one carrying an API
 * key. It now goes through the engine's guarded fetch like the datasources. Real Prometheus, a
 * local server in OpenAI's documented shape (POST /v1/embeddings), the engine as the worker builds it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configEnvPolicyFromEnv } from '../../app/config/env-policy.js';
import { SloScoutConfig } from '../../app/config/schema.js';
import { fixedClock } from '../../app/deps.js';
import { createEngine } from '../../app/engine.js';
import { silentLogger } from '../../app/logger.js';
import { guardedFetch, parseAllowedHosts } from '../../app/telemetry/outbound.js';
import { classify } from '../../workers/errors.js';
import { startPrometheus, testFleetBlocks, type RunningPrometheus } from '../helpers/prometheus.js';

let prom: RunningPrometheus;
let openai: Server;
let openaiPort: number;
const requests: Array<{ authorization: string | undefined; body: { model: string; input: string[] } }> = [];

beforeAll(async () => {
  prom = await startPrometheus(await testFleetBlocks());
  openai = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => { text += c.toString(); });
    req.on('end', () => {
      const body = JSON.parse(text) as { model: string; input: string[]; dimensions: number };
      requests.push({ authorization: req.headers.authorization, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        object: 'list', model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 },
        data: body.input.map((s, index) => ({ object: 'embedding', index, embedding: Array.from({ length: body.dimensions }, (_, i) => Math.sin(s.length + i) + 1.5) })),
      }));
    });
  });
  await new Promise<void>((r) => openai.listen(0, '127.0.0.1', r));
  openaiPort = (openai.address() as AddressInfo).port;
}, 180_000);
afterAll(async () => {
  openai?.closeAllConnections();
  await new Promise((r) => openai?.close(r));
  await prom?.stop();
});

/**
 * The datasource is reached by a listed name (prometheus.test -> Prometheus on 127.0.0.1), so
 * the allow-list alone decides whether the OpenAI server at the bare 127.0.0.1 may be called.
 */
function engineWith(allowedHosts: string) {
  const resolve = (host: string, cb: (err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
    host === 'prometheus.test' ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(Object.assign(new Error(`unknown host ${host}`), { code: 'ENOTFOUND' }), []);
  const outbound = parseAllowedHosts(allowedHosts);
  return createEngine({
    logger: silentLogger, clock: fixedClock('2026-11-01T06:00:00Z'),
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `http://127.0.0.1:${openaiPort}/v1` },
    trust: { env: configEnvPolicyFromEnv(undefined), outbound },
    fetch: guardedFetch(outbound, { resolve }),
  });
}

const config = () => SloScoutConfig.parse({
  datasources: { prometheus: { url: `http://prometheus.test:${new URL(prom.url).port}` } },
  ai: { embeddings: { provider: 'openai', dimensions: 16 } },
});

describe('OPENAI_BASE_URL goes through the outbound allow-list', () => {
  it('refused when its host is not allowed: no request reaches it, and the job fails for good saying which setting to change', async () => {
    requests.length = 0;
    const err = await engineWith('prometheus.test').analyze({ config: config(), services: ['checkout'], repo: { owner: 'o', repo: 'r' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/127\.0\.0\.1 is a loopback address, refused unless allowed: add it to SLO_SCOUT_ALLOWED_HOSTS/);
    expect(classify(err)).toBe('permanent');
    expect(requests).toEqual([]);
  }, 120_000);

  it('allowed by the list: the embeddings request is sent with the key, in the documented shape', async () => {
    requests.length = 0;
    const report = await engineWith('prometheus.test,127.0.0.1').analyze({ config: config(), services: ['checkout'], repo: { owner: 'o', repo: 'r' } });
    expect(report.proposals.length).toBeGreaterThan(0);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0]!.authorization).toBe('Bearer sk-test');
    expect(requests[0]!.body).toMatchObject({ model: 'text-embedding-3-small', encoding_format: 'float', dimensions: 16 });
    expect(requests.flatMap((r) => r.body.input).some((t) => t.includes('checkout'))).toBe(true);
  }, 120_000);
});
