import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../app/logger.js';
import { createOpenAiEmbedder, EmbedderError } from '../../app/embeddings/index.js';
import { guardedFetch, OutboundRefusedError, parseAllowedHosts } from '../../app/telemetry/outbound.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';

// Request and reply shapes from https://platform.openai.com/docs/api-reference/embeddings/create
const API = 'https://api.openai.com';
const vec = (seed: number, d = 8) => Array.from({ length: d }, (_, i) => Math.sin(seed + i));
const reply = (inputs: string[], d = 8) => ({
  object: 'list',
  data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: vec(i, d) })),
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 },
});

const make = (extra: Partial<Parameters<typeof createOpenAiEmbedder>[0]> = {}) =>
  createOpenAiEmbedder({ apiKey: 'sk-test', dimensions: 8, batchSize: 2, retryMinMs: 1, logger: silentLogger, ...extra });

describe('the OpenAI embeddings provider', () => {
  beforeAll(setupHttpMock);
  afterEach(assertHttpMocksDone);
  afterAll(teardownHttpMock);

  it('a base URL the outbound allow-list refuses fails at once with the refusal, never retried', async () => {
    let calls = 0;
    const guarded = guardedFetch(parseAllowedHosts('api.openai.com'));
    const counting = ((...args: Parameters<typeof fetch>) => { calls++; return guarded(...args); }) as typeof fetch;
    const e = make({ baseUrl: 'https://embeddings.attacker.example/v1', fetchFn: counting, retries: 4 });
    await expect(e.embed(['checkout POST /pay'])).rejects.toThrow(OutboundRefusedError);
    await expect(e.embed(['checkout POST /pay'])).rejects.toThrow(/embeddings\.attacker\.example is not in SLO_SCOUT_ALLOWED_HOSTS/);
    expect(calls).toBe(2);
  });

  it('batches inputs, sends the documented body with the bearer key, and keeps the order', async () => {
    const bodies: unknown[] = [];
    nock(API, { reqheaders: { authorization: 'Bearer sk-test', 'content-type': 'application/json' } })
      .post('/v1/embeddings', (b: { input: string[] }) => { bodies.push(b); return true; })
      .times(2)
      .reply(200, (_uri, b) => reply((b as { input: string[] }).input));
    const e = make();
    const out = await e.embed(['payments POST /v1/charges', 'checkout POST /pay', 'users GET /users/{id}']);
    expect(bodies).toEqual([
      { model: 'text-embedding-3-small', input: ['payments POST /v1/charges', 'checkout POST /pay'], encoding_format: 'float', dimensions: 8 },
      { model: 'text-embedding-3-small', input: ['users GET /users/{id}'], encoding_format: 'float', dimensions: 8 },
    ]);
    expect(out).toHaveLength(3);
    const n = Math.hypot(...vec(1));
    expect(out[1]![0]).toBeCloseTo(vec(1)[0]! / n, 5);
    expect(e.model).toBe('openai:text-embedding-3-small@8');
  });

  it('puts embeddings back by their index when the reply is out of order', async () => {
    nock(API).post('/v1/embeddings').reply(200, { ...reply(['a', 'b']), data: [{ object: 'embedding', index: 1, embedding: vec(1) }, { object: 'embedding', index: 0, embedding: vec(0) }] });
    const [a, b] = await make().embed(['a', 'b']);
    expect(a![0]).toBeCloseTo(vec(0)[0]! / Math.hypot(...vec(0)), 5);
    expect(b![0]).toBeCloseTo(vec(1)[0]! / Math.hypot(...vec(1)), 5);
  });

  it('retries 429 (honouring Retry-After) and 5xx, then succeeds', async () => {
    const rateLimited = { error: { message: 'Rate limit reached for text-embedding-3-small', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    nock(API).post('/v1/embeddings').reply(429, rateLimited, { 'retry-after': '0' });
    nock(API).post('/v1/embeddings').reply(503, 'upstream overloaded');
    nock(API).post('/v1/embeddings').reply(200, reply(['x']));
    expect(await make().embed(['x'])).toHaveLength(1);
  });

  it('does not retry a refused key and says which variable to fix', async () => {
    nock(API).post('/v1/embeddings').reply(401, { error: { message: 'Incorrect API key provided: sk-test.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    await expect(make().embed(['x'])).rejects.toThrow(/OPENAI_API_KEY/);
  });

  it('gives up after the retries with the API message', async () => {
    nock(API).post('/v1/embeddings').times(3).reply(500, { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } });
    await expect(make({ retries: 2 }).embed(['x'])).rejects.toThrow(/HTTP 500: The server had an error/);
  });

  it('rejects replies of the wrong shape or width', async () => {
    nock(API).post('/v1/embeddings').reply(200, reply(['x'], 4));
    await expect(make().embed(['x'])).rejects.toThrow(/length 4; expected .* length 8/);
    nock(API).post('/v1/embeddings').reply(200, { hello: 'world' });
    await expect(make().embed(['x'])).rejects.toThrow(/unexpected shape/);
  });

  it('refuses a plain-http base URL that is not localhost', () => {
    expect(() => make({ baseUrl: 'http://proxy.example.com/v1' })).toThrow(EmbedderError);
    expect(() => make({ baseUrl: 'http://127.0.0.1:8080/v1' })).not.toThrow();
  });

  it('cuts long texts and replaces empty ones so positions stay aligned', async () => {
    let seen: string[] = [];
    nock(API).post('/v1/embeddings', (b: { input: string[] }) => { seen = b.input; return true; }).reply(200, reply(['a', 'b']));
    await make().embed(['', 'y'.repeat(5000)]);
    expect(seen[0]).toBe(' ');
    expect(seen[1]!.length).toBe(1000);
  });
});
