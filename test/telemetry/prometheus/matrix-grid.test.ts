import { describe, expect, it } from 'vitest';
import { Envelope, QueryData } from '../../../app/telemetry/prometheus/api.js';
import { isLoopbackUrl, PrometheusClient, PrometheusError } from '../../../app/telemetry/prometheus/client.js';
import { gridLength, gridOf, scanMatrixGrid, type GridSeries } from '../../../app/telemetry/prometheus/matrix-grid.js';
import { ResponseTooLargeError } from '../../../app/telemetry/outbound.js';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../app/logger.js';

/** A seeded generator (mulberry32), so a failing case is reproducible from the seed in its message. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: R, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** A JSON tree whose leaves are raw JSON text, printed with random whitespace between tokens. */
type Node = { obj: Array<[string, Node]> } | { arr: Node[] } | { raw: string };
const WS = ['', '', '', ' ', '\n', '\t', '\r\n', '  '];
function emit(r: R, node: Node): string {
  const w = () => pick(r, WS);
  if ('raw' in node) return node.raw;
  if ('arr' in node) return `[${w()}${node.arr.map((x) => `${w()}${emit(r, x)}${w()}`).join(',')}${w()}]`;
  return `{${w()}${node.obj.map(([k, v]) => `${w()}${JSON.stringify(k)}${w()}:${w()}${emit(r, v)}${w()}`).join(',')}${w()}}`;
}
const shuffle = <T>(r: R, xs: T[]): T[] => {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

/** A label string with the characters that need escapes, some written as \uXXXX in the raw text. */
function labelText(r: R): string {
  const chars = ['a', 'b', '_', '/', '"', '\\', 'é', '\n', '\t', '\u0001', '😀', '\u2028', '{', '}', '[', ',', ':', ' '];
  let s = '';
  for (let i = int(r, 0, 8); i > 0; i--) s += pick(r, chars);
  const json = JSON.stringify(s);
  // Rewrite some plain characters as \u escapes (valid JSON, e.g. "\u00e9"), which JSON.stringify never does.
  return json.replace(/[a-zé]/g, (c) => (r() < 0.3 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c));
}

const VALUES = ['NaN', '+Inf', '-Inf', '-0', '0', '1', '0.0123', '12.5', '1e-7', '123456789012345', '1234567890123456', '0.30000000000000004', '00012.50', '', ' 1', '0x10', '1.', '.5', '-', '9007199254740993', '1.7976931348623157e309'];
function valueText(r: R): string {
  const x = r();
  if (x < 0.4) return String(r() * 10 ** int(r, -8, 12) * (r() < 0.1 ? -1 : 1));
  if (x < 0.6) return String(int(r, 0, 100_000));
  return pick(r, VALUES);
}

interface Case {
  tree: Node;
  start: number;
  step: number;
  n: number;
}

/** A random reply of the exact Prometheus matrix shape (which the scanner must accept). */
function validCase(r: R): Case {
  const step = pick(r, [1, 15, 300, 3600, 0.5]);
  const start = 1_761_955_200 + pick(r, [0, 0.5, 0.25, 0.123]);
  const n = int(r, 0, 30);
  const series: Node[] = Array.from({ length: int(r, 0, 5) }, () => {
    const labels: Array<[string, Node]> = Array.from({ length: int(r, 0, 4) }, (_, k) => [pick(r, ['service_name', 'le', 'a"b', 'ü', `k${k}`]), { raw: labelText(r) }]);
    const pairs: Node[] = [];
    for (let i = -1; i <= n; i++) {
      if (r() < 0.3) continue; // a missing step (and i = -1 or n: outside the grid)
      const t = start + i * step;
      const tText = pick(r, [String(t), String(t), String(t), t.toExponential(), String(t + (r() < 0.5 ? 0.2 : -0.2) * step)]);
      pairs.push({ arr: [{ raw: tText }, { raw: JSON.stringify(valueText(r)) }] });
      if (r() < 0.05) pairs.push({ arr: [{ raw: tText }, { raw: JSON.stringify(valueText(r)) }] }); // a duplicate timestamp: the last one wins
    }
    return { obj: shuffle(r, [['metric', { obj: labels }], ['values', { arr: pairs }]]) };
  });
  const envelope: Array<[string, Node]> = [
    ['status', { raw: '"success"' }],
    ['data', { obj: shuffle(r, [['resultType', { raw: '"matrix"' }], ['result', { arr: series }]]) }],
  ];
  if (r() < 0.2) envelope.push(['warnings', { arr: [{ raw: labelText(r) }] }]);
  if (r() < 0.2) envelope.push(['infos', { arr: [] }]);
  return { tree: { obj: shuffle(r, envelope) }, start, step, n };
}

/** Today's path: JSON.parse + zod, then the reference grid conversion; 'error' where it refuses the reply. */
function reference(text: string, c: Case): GridSeries[] | 'error' {
  try {
    const env = Envelope.parse(JSON.parse(text));
    if (env.status !== 'success') return 'error';
    const data = QueryData.parse(env.data);
    return data.resultType === 'matrix' ? gridOf(data.result, c.start, c.step, c.n) : 'error';
  } catch {
    return 'error';
  }
}

function sameGrids(a: GridSeries[], b: GridSeries[]): boolean {
  return a.length === b.length && a.every((s, k) => JSON.stringify(s.metric) === JSON.stringify(b[k]!.metric)
    && Object.keys(s.metric).join() === Object.keys(b[k]!.metric).join()
    && s.values.length === b[k]!.values.length && s.values.every((x, i) => Object.is(x, b[k]!.values[i])));
}

/** Ways a reply goes wrong: text damage and shapes JSON.parse accepts but the API does not promise. */
function malformed(r: R, c: Case): string {
  const text = emit(r, c.tree);
  const k = int(r, 0, 12);
  const at = int(r, 0, text.length);
  const swap = (from: RegExp, to: string) => text.replace(from, to);
  switch (k) {
    case 0: return text.slice(0, at); // truncated
    case 1: return text.slice(0, at) + text.slice(at + 1); // a character lost
    case 2: return text.slice(0, at) + pick(r, ['{', '}', '[', ']', ',', ':', '"', '\\', '0', '-', '.', 'e', ' ', '\u0001']) + text.slice(at);
    case 3: return swap(/\[(\s*)(\d[\d.e+-]*)(\s*),(\s*)"([^"\\]*)"/, '[$1$2$3,$4$5'); // a value as a JSON number
    case 4: return swap(/\[(\s*)(\d[\d.e+-]*)(\s*),/, '[$1"$2"$3,'); // a timestamp as a string
    case 5: return swap(/"values"(\s*):(\s*)\[/, '"values"$1:$2[['); // extra nesting
    case 6: return swap(/"metric"(\s*):/, '"extra":1,"metric"$1:'); // an unknown key
    case 7: return swap(/"status"(\s*):(\s*)"success"/, '"status":"error","errorType":"bad_data","error":"boom"');
    case 8: return swap(/"matrix"/, '"vector"');
    case 9: return swap(/"metric"(\s*):(\s*)\{/, '"metric":{"__proto__":"x",'); // zod drops this key
    case 10: return swap(/"values"(\s*):/, '"values":[],"values"$1:'); // a duplicate key (JSON.parse: the last wins)
    case 11: return swap(/"metric"(\s*):(\s*)\{[^}]*\}(\s*),?/, ''); // no metric
    default: return swap(/(,\s*)"(-?)(\d)/, '$1"$2\\u003$3'); // a sample's digit as a \u escape: valid JSON the scanner leaves to JSON.parse
  }
}

describe('scanMatrixGrid (the fast path) against JSON.parse + zod', () => {
  it('decodes 1,500 random valid matrix replies itself, to the same grids and labels', () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const r = rng(seed);
      const c = validCase(r);
      const text = emit(r, c.tree);
      const want = reference(text, c);
      const got = scanMatrixGrid(text, c.start, c.step, c.n);
      expect(want, `seed ${seed}: the generator made an invalid reply`).not.toBe('error');
      expect(got, `seed ${seed}: the scanner refused a valid reply: ${text.slice(0, 300)}`).toBeDefined();
      expect(sameGrids(got!.series, want as GridSeries[]), `seed ${seed}: ${text.slice(0, 300)}`).toBe(true);
    }
  });

  it('on 3,000 damaged or off-shape replies it either refuses or agrees with JSON.parse + zod, never differs', () => {
    let refused = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed + 1_000_000);
      const c = validCase(r);
      const text = malformed(r, c);
      const want = reference(text, c);
      const got = scanMatrixGrid(text, c.start, c.step, c.n);
      if (got === undefined) refused++;
      else expect(want !== 'error' && sameGrids(got.series, want), `seed ${seed + 1_000_000}: ${text.slice(0, 300)}`).toBe(true);
    }
    expect(refused).toBeGreaterThan(1500); // the mutations do break most replies (so the test is not vacuous)
  });

  it('reads sample strings exactly as Number() does, including NaN, ±Inf, -0 and 17-digit values', () => {
    const texts = ['0.1', '-0', '0', '12345.678901234', '1234567890123456', '0.30000000000000004', '123456789012345.6', 'NaN', '+Inf', '-Inf', '1e-7', '', '000000000000000000001.5', '4.35', '0.000000000000001'];
    const body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: texts.map((v, i) => [i, v]) }] } });
    const got = scanMatrixGrid(body, 0, 1, texts.length)!.series[0]!.values;
    texts.forEach((v, i) => expect(Object.is(got[i], Number(v)), `${JSON.stringify(v)} read as ${got[i]}`).toBe(true));
  });

  it('gridLength counts the instants start, start + step, ... <= end, as Prometheus evaluates them', () => {
    expect(gridLength(0, 0, 300)).toBe(1);
    expect(gridLength(300, 28 * 86400, 300)).toBe(8064);
    expect(gridLength(0.1, 0.1 + 0.2 * 10, 0.2)).toBe(11); // 0.2 × 10 in floats is not exactly 2
    expect(gridLength(10, 0, 1)).toBe(0);
  });
});

/** A client whose fetch answers every request with `body` (as a proxy in front of Prometheus might). */
function clientAnswering(body: string, options: { maxResponseBytes?: number; maxPointsPerQuery?: number } = {}): { client: PrometheusClient; starts: string[] } {
  const starts: string[] = [];
  const fake = (async (_url: unknown, init?: RequestInit) => {
    starts.push(new URLSearchParams(String(init?.body)).get('start')!);
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { client: new PrometheusClient({ url: 'http://prometheus.test', retries: 0, fetch: fake, ...options }), starts };
}

describe('PrometheusClient.queryRangeGrid', () => {
  it('on 300 valid or damaged replies gives the grids of queryRange, or rejects with the same PrometheusError', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed + 2_000_000);
      const c = validCase(r);
      c.n = Math.max(1, c.n);
      const text = seed % 2 ? emit(r, c.tree) : malformed(r, c);
      const { client } = clientAnswering(text);
      const end = c.start + (c.n - 1) * c.step;
      const old = await client.queryRange('x', c.start, end, c.step).then((s) => gridOf(s, c.start, c.step, c.n), (e: unknown) => e);
      const now = await client.queryRangeGrid('x', c.start, end, c.step).catch((e: unknown) => e);
      if (old instanceof Error) {
        expect(now, `seed ${seed + 2_000_000}`).toBeInstanceOf(PrometheusError);
        expect((now as Error).message, `seed ${seed + 2_000_000}`).toBe(old.message);
      } else {
        expect(now instanceof Error ? now.message : sameGrids(now as GridSeries[], old as GridSeries[]), `seed ${seed + 2_000_000}: ${text.slice(0, 300)}`).toBe(true);
      }
    }
  });

  it('logs the warnings of a reply the scanner decodes, as the general path does', async () => {
    const body = JSON.stringify({ status: 'success', warnings: ['PromQL info: metric might not be a counter', 'tenant "a\\b" is throttled'], data: { resultType: 'matrix', result: [{ metric: {}, values: [[0, '1']] }] } });
    expect(scanMatrixGrid(body, 0, 1, 1)?.warnings).toHaveLength(2); // the fast path takes it
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')));
    const fake = (async () => new Response(body, { status: 200 })) as typeof fetch;
    const client = new PrometheusClient({ url: 'http://prometheus.test', fetch: fake, logger: createLogger({ level: 'warn', destination }) });
    expect((await client.queryRangeGrid('x', 0, 0, 1))[0]!.values[0]).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => (JSON.parse(l) as { warning: string }).warning)).toEqual(['PromQL info: metric might not be a counter', 'tenant "a\\b" is throttled']);
  });

  it('an error reply keeps its message naming the query and the API error', async () => {
    const { client } = clientAnswering(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 4' }));
    await expect(client.queryRangeGrid('sum(x', 0, 10, 1)).rejects.toThrow('Prometheus rejected the query sum(x: bad_data: parse error at char 4');
  });

  it('a long range is fetched in aligned chunks of maxPointsPerQuery steps and stitched per series', async () => {
    // Every chunk gets the same reply: samples at t = 0..24 for series a, 0..9 for b; each chunk keeps only its own steps.
    const body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [
      { metric: { s: 'a' }, values: Array.from({ length: 25 }, (_, t) => [t, String(t * 2)]) },
      { metric: { s: 'b' }, values: Array.from({ length: 10 }, (_, t) => [t, String(t)]) },
    ] } });
    const { client, starts } = clientAnswering(body, { maxPointsPerQuery: 10 });
    const out = await client.queryRangeGrid('x', 0, 24, 1);
    expect(starts.sort((x, y) => Number(x) - Number(y))).toEqual(['0', '10', '20']);
    expect(out.map((s) => s.metric.s)).toEqual(['a', 'b']);
    expect([...out[0]!.values]).toEqual(Array.from({ length: 25 }, (_, t) => t * 2));
    expect([...out[1]!.values]).toEqual([...Array.from({ length: 10 }, (_, t) => t), ...Array<number>(15).fill(Number.NaN)]);
  });

  it('a reply of more series than its grids may take in memory is refused as too large, so callers split the query', async () => {
    // 100 steps, cap 4,000 bytes -> at most 4,000 / 4 / 100 = 10 series; 30 tiny series fit the byte cap.
    const body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: Array.from({ length: 30 }, (_, k) => ({ metric: { k: String(k) }, values: [[0, '1']] })) } });
    expect(body.length).toBeLessThan(4000);
    const { client } = clientAnswering(body, { maxResponseBytes: 4000 });
    const err = (await client.queryRangeGrid('x', 0, 99, 1).catch((e: unknown) => e)) as PrometheusError;
    expect(err).toBeInstanceOf(PrometheusError);
    expect(err.cause).toBeInstanceOf(ResponseTooLargeError);
    expect(err.message).toMatch(/has 30 series of 100 steps, more than the 10 .*narrow the query/);
    expect(await client.queryRange('x', 0, 99, 1)).toHaveLength(30); // the pair arrays cost no more than their bytes
  });
});

describe('reply compression (datasources.prometheus.compression)', () => {
  const sent = async (url: string, options: { compression?: 'auto' | 'gzip' | 'identity'; headers?: Record<string, string> }): Promise<string | null> => {
    let header: string | null = null;
    const fake = (async (_url: unknown, init?: RequestInit) => {
      header = new Headers(init?.headers).get('accept-encoding');
      return new Response(JSON.stringify({ status: 'success', data: [] }), { status: 200 });
    }) as typeof fetch;
    await new PrometheusClient({ url, fetch: fake, ...options }).labels(['up'], 0, 1);
    return header;
  };

  it.each([
    ['auto asks a loopback Prometheus for uncompressed replies', 'http://127.0.0.1:9090', 'auto', 'identity'],
    ['auto asks localhost for uncompressed replies', 'http://localhost:9090', 'auto', 'identity'],
    ['auto asks ::1 for uncompressed replies', 'http://[::1]:9090', 'auto', 'identity'],
    ['auto leaves a remote Prometheus to fetch\'s gzip default', 'http://prometheus.monitoring:9090', 'auto', null],
    ['auto leaves a private-network address to gzip', 'http://10.1.2.3:9090', 'auto', null],
    ['gzip keeps fetch\'s default even on loopback', 'http://127.0.0.1:9090', 'gzip', null],
    ['identity asks a remote Prometheus for uncompressed replies', 'http://prometheus.monitoring:9090', 'identity', 'identity'],
  ] as const)('%s', async (_name, url, compression, want) => {
    expect(await sent(url, { compression })).toBe(want);
  });

  it('an Accept-Encoding in the configured headers wins over the setting', async () => {
    expect(await sent('http://127.0.0.1:9090', { headers: { 'accept-encoding': 'br' } })).toBe('br');
  });

  it('recognises loopback URLs only', () => {
    expect([isLoopbackUrl('http://127.8.0.1'), isLoopbackUrl('http://app.localhost:1'), isLoopbackUrl('http://[::ffff:127.0.0.1]:9')]).toEqual([true, true, true]);
    expect([isLoopbackUrl('http://128.0.0.1'), isLoopbackUrl('http://localhost.example.com'), isLoopbackUrl('not a url')]).toEqual([false, false, false]);
  });
});
