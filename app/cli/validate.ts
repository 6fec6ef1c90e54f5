import { Option, type Command } from 'commander';
import { basename } from 'node:path';
import { CONFIG_FILE_NAMES } from '../config/schema.js';
import { renderValidateReport, VALIDATE_FORMATS, type ValidateFormat } from '../validate/format.js';
import { checkExpressions, expandPaths, kindOfDocument, validateFile, type FileKind, type FileResult } from '../validate/index.js';
import { defaultChecker, type PromqlChecker } from '../validate/promql.js';
import { checkReferences } from '../validate/references.js';
import { parse } from 'yaml';
import { CliError, EXIT_INVALID } from './errors.js';
import { cliTrust, TRUST_CONFIG_HELP } from './trust.js';
import type { ConfigTrust } from '../config/trust.js';

export { validateFile, type FileKind } from '../validate/index.js';
export { checkReferences } from '../validate/references.js';

/** The kind of a file's first document, by name first (`.slo-scout.yml`), then by content. */
export function detectKind(file: string, text: string): FileKind | null {
  if (CONFIG_FILE_NAMES.includes(basename(file))) return 'config';
  try {
    return kindOfDocument(parse(text.split(/^---\s*$/m).find((d) => d.trim() !== '') ?? ''), file);
  } catch {
    return null;
  }
}

/** Validates files and directories; resolves to the report and whether everything passed. */
export async function runValidate(paths: string[], checker?: PromqlChecker, trust: ConfigTrust = {}): Promise<{ results: FileResult[]; promql: { checker: 'promtool' | 'parser'; note?: string } }> {
  const files = await expandPaths(paths);
  const results = await Promise.all(files.map((file) => validateFile(file, trust)));
  for (const e of checkReferences(results.filter((r) => r.openslo.length > 0).map((r) => ({ file: r.file, docs: r.openslo })))) {
    results.find((r) => r.file === e.file)?.errors.push(e);
  }
  const promqlChecker = checker ?? await defaultChecker();
  await checkExpressions(results, promqlChecker);
  const anyExpr = results.some((r) => r.exprs.length > 0);
  const note = promqlChecker.name === 'parser' && anyExpr
    ? 'promtool is not on PATH: PromQL was checked for syntax only (Prometheus\' grammar), not for types such as rate() of a non-range vector; install promtool (Debian package prometheus) for the full check'
    : undefined;
  return { results, promql: { checker: promqlChecker.name, ...(note ? { note } : {}) } };
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check .slo-scout.yml, policy files, OpenSLO, Sloth, Prometheus rules, PrometheusRule, Pyrra SLOs, report.json and dashboards (recognised by content); exit 2 when any problem')
    .argument('<paths...>', 'files, or directories to search for .yaml/.yml/.json files')
    .addOption(new Option('--format <format>', 'text (file:line:col message), json, or github (workflow annotations)').choices(VALIDATE_FORMATS).default('text'))
    .option('--json', 'same as --format json')
    .option('--trust-config', TRUST_CONFIG_HELP)
    .addHelpText('after', `
Examples:
  $ slo-scout validate .slo-scout.yml
  $ slo-scout validate slo-proposals/                  # every file the analysis wrote
  $ slo-scout validate --format github slos/           # annotations on the PR in GitHub Actions
  $ slo-scout validate --json slos/checkout/*.yaml | jq '.files[] | select(.ok | not)'

PromQL is checked with promtool when it is on PATH, with Prometheus' PromQL grammar otherwise.`)
    .action(async (paths: string[], flags: { format: ValidateFormat; json?: boolean; trustConfig?: boolean }) => {
      let trust: ConfigTrust;
      try {
        trust = cliTrust(flags.trustConfig).trust;
      } catch (err) {
        throw new CliError((err as Error).message, EXIT_INVALID);
      }
      const { results, promql } = await runValidate(paths, undefined, trust);
      const out = renderValidateReport({ files: results, promql }, flags.json ? 'json' : flags.format);
      if (out.stdout) process.stdout.write(out.stdout);
      if (out.stderr) process.stderr.write(out.stderr);
      if (results.some((r) => r.errors.length > 0)) process.exitCode = EXIT_INVALID;
    });
}
