import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { parseYamlStreamWith, type ConfigError } from '../config/loader.js';
import { OpenSloObject } from '../config/openslo.js';
import { CONFIG_FILE_NAMES, formatConfigError, parseConfig } from '../config/schema.js';
import { EXIT_INVALID } from './errors.js';

export type FileKind = 'config' | 'openslo';

/** By name first (`.slo-scout.yml`), then by content (`apiVersion: openslo/...`). */
export function detectKind(file: string, text: string): FileKind {
  if (CONFIG_FILE_NAMES.includes(basename(file))) return 'config';
  if (/^\s*apiVersion:\s*["']?openslo\//m.test(text)) return 'openslo';
  return 'config';
}

export async function validateFile(file: string): Promise<{ kind: FileKind; errors: ConfigError[]; objects: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { kind: 'config', objects: 0, errors: [{ file, line: 1, col: 1, path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the path` }] };
  }
  const kind = detectKind(file, text);
  if (kind === 'config') {
    const r = parseConfig(text, file);
    return { kind, objects: r.ok ? 1 : 0, errors: r.ok ? [] : r.errors };
  }
  const r = parseYamlStreamWith(OpenSloObject, text, file);
  return { kind, objects: r.docs.length, errors: r.errors };
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check .slo-scout.yml and OpenSLO v1 files; prints file:line:col message per problem, exit 2 when any')
    .argument('<files...>', '.slo-scout.yml and/or OpenSLO YAML files')
    .action(async (files: string[]) => {
      let failed = 0;
      for (const file of files) {
        const { kind, errors, objects } = await validateFile(file);
        if (errors.length > 0) {
          failed++;
          for (const e of errors) process.stderr.write(`${formatConfigError(e)}\n`);
        } else {
          process.stdout.write(`${file}: ok (${kind === 'config' ? 'slo-scout config' : `${objects} OpenSLO object${objects === 1 ? '' : 's'}`})\n`);
        }
      }
      if (failed > 0) process.exitCode = EXIT_INVALID;
    });
}
