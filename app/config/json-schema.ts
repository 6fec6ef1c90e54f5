import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SloScoutConfig } from './schema.js';

export const CONFIG_SCHEMA_PATH = join(import.meta.dirname, '..', '..', 'schemas', 'slo-scout-config.schema.json');

/**
 * JSON Schema of `.slo-scout.yml` for editors (yaml-language-server: `# yaml-language-server: $schema=...`),
 * generated from the zod schema so the two cannot drift. `io: 'input'`: fields with defaults are optional.
 */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(SloScoutConfig, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, $id: 'https://slo-scout.dev/schemas/slo-scout-config.schema.json', title: 'SLO-Scout .slo-scout.yml' }, null, 2)}\n`;
}

// `npx tsx app/config/json-schema.ts` regenerates the file; `--check` fails when the committed one is stale.
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const fresh = configJsonSchema();
  if (process.argv.includes('--check')) {
    if (readFileSync(CONFIG_SCHEMA_PATH, 'utf8') !== fresh) {
      process.stderr.write(`${CONFIG_SCHEMA_PATH} is stale; run npx tsx app/config/json-schema.ts\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(CONFIG_SCHEMA_PATH, fresh);
    process.stdout.write(`wrote ${CONFIG_SCHEMA_PATH}\n`);
  }
}
