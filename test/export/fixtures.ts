import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Report } from '../../app/core/report.js';

export const TESTDATA = join(import.meta.dirname, 'testdata');

/** Every hand-built input report (`in-*.json`), parsed by the Report schema so a broken fixture fails loudly. */
export function fixtures(): { name: string; report: Report }[] {
  return readdirSync(TESTDATA)
    .filter((f) => f.startsWith('in-') && f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.slice(3, -5), report: Report.parse(JSON.parse(readFileSync(join(TESTDATA, f), 'utf8'))) }));
}

export function fixture(name: string): Report {
  const found = fixtures().find((f) => f.name === name);
  if (!found) throw new Error(`no test/export/testdata/in-${name}.json`);
  return found.report;
}

/** Golden comparison, byte for byte; `UPDATE_GOLDEN=1 npx vitest run test/export` rewrites the files. */
export function expectGolden(file: string, actual: string): void {
  const path = join(TESTDATA, file);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`golden file ${path} is missing; create it with UPDATE_GOLDEN=1 npx vitest run test/export`);
  }
  expect(actual, `${file} differs from the golden file (UPDATE_GOLDEN=1 to accept)`).toBe(expected);
}
