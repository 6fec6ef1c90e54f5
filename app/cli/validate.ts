import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { parseYamlStreamWith, type ConfigError, type StreamDoc } from '../config/loader.js';
import { OpenSloObject } from '../config/openslo.js';
import { CONFIG_FILE_NAMES, formatConfigError, parseConfig } from '../config/schema.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { cliTrust, TRUST_CONFIG_HELP } from './trust.js';
import type { ConfigTrust } from '../config/trust.js';

export type FileKind = 'config' | 'openslo';

/** By name first (`.slo-scout.yml`), then by content (`apiVersion: openslo/...`). */
export function detectKind(file: string, text: string): FileKind {
  if (CONFIG_FILE_NAMES.includes(basename(file))) return 'config';
  if (/^\s*apiVersion:\s*["']?openslo\//m.test(text)) return 'openslo';
  return 'config';
}

type OpenSloDoc = StreamDoc<OpenSloObject>;

export async function validateFile(file: string, trust: ConfigTrust = {}): Promise<{ kind: FileKind; errors: ConfigError[]; objects: number; docs?: OpenSloDoc[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { kind: 'config', objects: 0, errors: [{ file, line: 1, col: 1, path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the path` }] };
  }
  const kind = detectKind(file, text);
  if (kind === 'config') {
    const r = parseConfig(text, file, trust);
    return { kind, objects: r.ok ? 1 : 0, errors: r.ok ? [] : r.errors };
  }
  const r = parseYamlStreamWith(OpenSloObject, text, file);
  return { kind, objects: r.docs.length, errors: r.errors, docs: r.docs };
}

/**
 * OpenSLO objects refer to each other by name (indicatorRef, alertPolicyRef, conditionRef,
 * targetRef, spec.service). A dangling reference is an SLO no tool can evaluate: check them across
 * every file given on the command line.
 */
export function checkReferences(files: Array<{ file: string; docs: OpenSloDoc[] }>): ConfigError[] {
  const defined = new Map<string, Set<string>>();
  for (const { docs } of files) for (const d of docs) {
    const names = defined.get(d.value.kind) ?? new Set<string>();
    names.add(d.value.metadata.name);
    defined.set(d.value.kind, names);
  }
  const errors: ConfigError[] = [];
  for (const { file, docs } of files) for (const d of docs) {
    const refs: Array<{ path: Array<string | number>; kind: string; name: string }> = [];
    const o = d.value;
    if (o.kind === 'SLO') {
      refs.push({ path: ['spec', 'service'], kind: 'Service', name: o.spec.service });
      if (o.spec.indicatorRef) refs.push({ path: ['spec', 'indicatorRef'], kind: 'SLI', name: o.spec.indicatorRef });
      (o.spec.alertPolicies ?? []).forEach((p, i) => {
        if (typeof p.alertPolicyRef === 'string') refs.push({ path: ['spec', 'alertPolicies', i, 'alertPolicyRef'], kind: 'AlertPolicy', name: p.alertPolicyRef });
      });
    }
    if (o.kind === 'AlertPolicy') {
      o.spec.conditions.forEach((c, i) => {
        if ('conditionRef' in c) refs.push({ path: ['spec', 'conditions', i, 'conditionRef'], kind: 'AlertCondition', name: c.conditionRef });
      });
      o.spec.notificationTargets.forEach((t, i) => {
        if (typeof t.targetRef === 'string') refs.push({ path: ['spec', 'notificationTargets', i, 'targetRef'], kind: 'AlertNotificationTarget', name: t.targetRef });
      });
    }
    for (const ref of refs) {
      if (defined.get(ref.kind)?.has(ref.name)) continue;
      const { line, col } = d.positionOf(ref.path);
      errors.push({ file, line, col, path: ref.path.join('.'), message: `${ref.path.join('.')}: no ${ref.kind} named "${ref.name}" in the files given: define it, or validate this file together with the file that does` });
    }
  }
  return errors;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check .slo-scout.yml and OpenSLO v1 files; prints file:line:col message per problem, exit 2 when any')
    .argument('<files...>', '.slo-scout.yml and/or OpenSLO YAML files')
    .option('--trust-config', TRUST_CONFIG_HELP)
    .action(async (files: string[], flags: { trustConfig?: boolean }) => {
      let failed = 0;
      let trust: ConfigTrust;
      try {
        trust = cliTrust(flags.trustConfig).trust;
      } catch (err) {
        throw new CliError((err as Error).message, EXIT_INVALID);
      }
      const results = await Promise.all(files.map(async (file) => ({ file, ...(await validateFile(file, trust)) })));
      const refErrors = checkReferences(results.filter((r) => r.docs).map((r) => ({ file: r.file, docs: r.docs! })));
      for (const { file, kind, objects, ...r } of results) {
        const errors = [...r.errors, ...refErrors.filter((e) => e.file === file)];
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
