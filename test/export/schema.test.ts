import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_PATH, reportJsonSchema } from '../../app/export/schemas.js';
import { fixtures } from './fixtures.js';

describe('schemas/report.schema.json', () => {
  const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, 'utf8')) as object;
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

  it('is up to date with the zod Report schema (run `npm run schemas` when this fails)', () => {
    expect(readFileSync(REPORT_SCHEMA_PATH, 'utf8')).toBe(reportJsonSchema());
  });

  it.each(fixtures().map((f) => [f.name, f.report] as const))('accepts the %s fixture', (_name, report) => {
    expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['a report without proposals', (r: Record<string, unknown>) => { delete r.proposals; }],
    ['an unknown variant type', (r: Record<string, unknown>) => { ((r.proposals as Record<string, unknown>[])[0]!).selectedVariant = 'yolo'; }],
    ['a breach-rate interval with three numbers', (r: Record<string, unknown>) => {
      (((r.proposals as Record<string, unknown>[])[0]!.variants as Record<string, unknown>[])[0]!).breachRateInterval = [0, 0.1, 0.2];
    }],
  ])('rejects %s', (_name, mutate) => {
    const report = JSON.parse(JSON.stringify(fixtures()[0]!.report)) as Record<string, unknown>;
    mutate(report);
    expect(validate(report)).toBe(false);
  });
});
