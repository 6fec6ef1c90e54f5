import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_PATH, configJsonSchema } from '../../app/config/json-schema.js';
import { resolveSecret, SecretError } from '../../app/config/secret.js';
import { ConfigFileError, loadConfigFile, parseConfig, formatConfigError } from '../../app/config/schema.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', '.slo-scout.yml');

describe('parseConfig', () => {
  it('an empty file gives the documented defaults (OTel names, 28d window, 1d breach window, 99.9/99/95)', () => {
    const r = parseConfig('', 'x.yml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.metrics.histogram).toBe('http_server_request_duration_seconds');
    expect(r.config.metrics.labels).toEqual({ service: 'service_name', route: 'http_route', status: 'http_response_status_code' });
    expect(r.config.metrics.errorStatusRegex).toBe('5..');
    expect(r.config.analysis).toMatchObject({ window: '28d', breachWindow: '1d', selectedVariant: 'balanced', percentiles: { conservative: 99.9, balanced: 99, aggressive: 95 } });
    expect(r.config.output).toEqual({ format: 'openslo', path: 'slo-proposals', prometheusRule: { labels: {} } });
  });

  it('analysis.hourly is auto by default and accepts auto, true and false; anything else says which values exist', () => {
    const hourly = (yaml: string) => {
      const r = parseConfig(yaml, 'h.yml');
      return r.ok ? r.config.analysis.hourly : r.errors.map(formatConfigError).join('\n');
    };
    expect(hourly('')).toBe('auto');
    expect(hourly('analysis:\n  hourly: auto\n')).toBe('auto');
    expect(hourly('analysis:\n  hourly: true\n')).toBe(true);
    expect(hourly('analysis:\n  hourly: false\n')).toBe(false);
    expect(hourly('analysis:\n  hourly: sometimes\n')).toMatch(/^h\.yml:2:\d+ .*auto, true or false/);
  });

  it('the example config in examples/ parses and sets classic names and an env-referenced token', () => {
    const r = parseConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    expect(r.config.datasources.prometheus?.auth).toEqual({ bearerToken: { env: 'SLO_SCOUT_DS_PROM_TOKEN' } });
    expect(r.config.datasources.prometheus?.headers?.['X-Scope-OrgID']).toBe('shop');
  });

  const cases: Array<{ name: string; yaml: string; line: number; col: number; path: string; includes: string }> = [
    { name: 'a misspelt key points at the key and says to check the spelling', yaml: 'analysis:\n  windw: 28d\n', line: 2, col: 3, path: 'analysis.windw', includes: 'unknown key "windw"' },
    { name: 'a malformed duration names the expected form', yaml: 'analysis:\n  window: 28 days\n', line: 2, col: 11, path: 'analysis.window', includes: 'a Prometheus duration such as 28d' },
    { name: 'an unknown variant lists the accepted values', yaml: 'analysis:\n  selectedVariant: bold\n', line: 2, col: 20, path: 'analysis.selectedVariant', includes: '"conservative", "balanced", "aggressive"' },
    { name: 'a URL without a scheme asks for an http(s) URL', yaml: 'datasources:\n  prometheus:\n    url: prometheus:9090\n', line: 3, col: 10, path: 'datasources.prometheus.url', includes: 'http(s) URL' },
    { name: 'a missing prometheus url is reported on its parent mapping', yaml: 'datasources:\n  prometheus:\n    timeoutSeconds: 10\n', line: 3, col: 5, path: 'datasources.prometheus.url', includes: 'required field is missing' },
    { name: 'an auth block of neither form says which two forms exist', yaml: 'datasources:\n  prometheus:\n    url: http://p:9090\n    auth:\n      token: abc\n', line: 5, col: 7, path: 'datasources.prometheus.auth', includes: 'bearerToken' },
    { name: 'a percentile of 100 is refused', yaml: 'analysis:\n  percentiles:\n    conservative: 100\n', line: 3, col: 19, path: 'analysis.percentiles.conservative', includes: '100' },
    { name: 'a YAML syntax error carries its line and column', yaml: 'analysis:\n  window: [28d\nmetrics: {}\n', line: 3, col: 1, path: '', includes: 'YAML syntax error' },
    { name: 'a label name with a dash is not a Prometheus label', yaml: 'metrics:\n  labels:\n    service: service-name\n', line: 3, col: 14, path: 'metrics.labels.service', includes: 'Prometheus label name' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = parseConfig(c.yaml, 'cfg.yml');
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const e = r.errors[0]!;
      expect({ file: e.file, line: e.line, col: e.col, path: e.path }).toEqual({ file: 'cfg.yml', line: c.line, col: c.col, path: c.path });
      expect(e.message).toContain(c.includes);
      expect(formatConfigError(e)).toMatch(new RegExp(`^cfg\\.yml:${c.line}:${c.col} `));
    });
  }

  it('reports every problem in the file, in line order', () => {
    const r = parseConfig('output:\n  format: yaml\nanalysis:\n  window: x\n', 'c.yml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.line)).toEqual([2, 4]);
  });
});

describe('loadConfigFile', () => {
  it('throws ConfigFileError whose message lists file:line:col lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    const file = join(dir, '.slo-scout.yml');
    await writeFile(file, 'output:\n  path: ""\n');
    const err = await loadConfigFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigFileError);
    expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:9 output\\.path`));
  });

  it('a missing file is an error at 1:1 that says to check the path', async () => {
    const err = (await loadConfigFile('/nonexistent/.slo-scout.yml').catch((e: unknown) => e)) as ConfigFileError;
    expect(err.errors[0]).toMatchObject({ line: 1, col: 1 });
    expect(err.message).toContain('ENOENT');
  });
});

describe('secrets', () => {
  it('an env reference resolves from the environment and an unset variable is named in the error', () => {
    expect(resolveSecret({ env: 'TOK' }, { TOK: 's3cret' }, 'x')).toBe('s3cret');
    expect(() => resolveSecret({ env: 'TOK' }, {}, 'datasources.prometheus.auth.bearerToken')).toThrow(SecretError);
    expect(() => resolveSecret({ env: 'TOK' }, {}, 'datasources.prometheus.auth.bearerToken')).toThrow(/TOK.*export TOK=/);
  });
});

describe('JSON Schema', () => {
  it('the committed schemas/slo-scout-config.schema.json matches the zod schema (regenerate: npx tsx app/config/json-schema.ts)', () => {
    expect(readFileSync(CONFIG_SCHEMA_PATH, 'utf8')).toBe(configJsonSchema());
  });

  it('accepts the example config and rejects a misspelt key, like the zod schema', () => {
    const ajv = new Ajv2020.default({ strict: false, validateFormats: false });
    const validate = ajv.compile(JSON.parse(configJsonSchema()) as object);
    expect(validate(parseYaml(readFileSync(EXAMPLE, 'utf8')))).toBe(true);
    expect(validate({ analysis: { windw: '28d' } })).toBe(false);
  });
});
