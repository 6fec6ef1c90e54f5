import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Report } from '../core/report.js';

export const REPORT_SCHEMA_PATH = join(import.meta.dirname, '..', '..', 'schemas', 'report.schema.json');

/** The published JSON Schema of report.json, generated from the zod schema so the two cannot drift. */
export function reportJsonSchema(): string {
  const schema = z.toJSONSchema(Report, { target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: 'https://slo-scout.dev/schemas/report.schema.json', title: 'SLO-Scout report.json' }, null, 2)}\n`;
}

// `npm run schemas` regenerates the file; `--check` fails when the committed one is stale (CI).
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const fresh = reportJsonSchema();
  if (process.argv.includes('--check')) {
    const current = readFileSync(REPORT_SCHEMA_PATH, 'utf8');
    if (current !== fresh) {
      process.stderr.write(`${REPORT_SCHEMA_PATH} is stale; run npm run schemas\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(REPORT_SCHEMA_PATH, fresh);
    process.stdout.write(`wrote ${REPORT_SCHEMA_PATH}\n`);
  }
}
