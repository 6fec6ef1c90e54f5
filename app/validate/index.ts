import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { z } from 'zod';
import { byPosition, issuesToErrors, positionIn, type ConfigError, type PathKey, type StreamDoc } from '../config/loader.js';
import { OpenSloObject } from '../config/openslo.js';
import { Policies, PolicyGuardSettings } from '../config/policies.js';
import { CONFIG_FILE_NAMES, parseConfig, SloScoutConfig } from '../config/schema.js';
import type { ConfigTrust } from '../config/trust.js';
import { Report } from '../core/report.js';
import type { ExprRef, PromqlChecker } from './promql.js';
import { GrafanaDashboard, PrometheusRuleObject, PyrraSlo, RuleFile, SlothSpec } from './schemas.js';

/**
 * `slo-scout validate`: every file SLO-Scout reads or writes, recognised by content, checked against
 * its own schema, PromQL included; problems as file:line:col with the field path and the fix.
 */

export const FILE_KINDS = {
  config: 'slo-scout config',
  policy: 'Policy Guard policy file',
  openslo: 'OpenSLO v1',
  sloth: 'Sloth prometheus/v1 spec',
  'prometheus-rule': 'PrometheusRule (prometheus-operator)',
  rules: 'Prometheus rule file',
  pyrra: 'Pyrra ServiceLevelObjective',
  report: 'SLO-Scout report.json',
  'grafana-dashboard': 'Grafana dashboard',
} as const;
export type FileKind = keyof typeof FILE_KINDS;

/** The `policies:` / `policy_guard:` sections on their own (a file shared across repositories). */
export const PolicyFile = z.object({ policies: Policies.optional(), policy_guard: PolicyGuardSettings.optional() }).strict();

const CONFIG_KEYS = new Set(Object.keys(SloScoutConfig.shape));
const POLICY_KEYS = new Set(['policies', 'policy_guard']);

/** What a parsed document is, by its content; null when it is none of the kinds we know. */
export function kindOfDocument(data: unknown, file: string): FileKind | null {
  if (CONFIG_FILE_NAMES.includes(basename(file))) return 'config';
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const o = data as Record<string, unknown>;
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  if (apiVersion.startsWith('openslo/')) return 'openslo';
  if (apiVersion.startsWith('monitoring.coreos.com/') || o.kind === 'PrometheusRule') return 'prometheus-rule';
  if (apiVersion.startsWith('pyrra.dev/')) return 'pyrra';
  if (typeof o.version === 'string' && (o.version.startsWith('prometheus/') || 'slos' in o)) return 'sloth';
  if ('groups' in o) return 'rules';
  // Committed reports carry no generatedAt (a rerun on the same data writes the same file): key on what every report has.
  if ('proposals' in o && 'window' in o && 'breachWindow' in o) return 'report';
  if ('panels' in o && 'title' in o) return 'grafana-dashboard';
  const keys = Object.keys(o);
  if (keys.length > 0 && keys.every((k) => POLICY_KEYS.has(k))) return 'policy';
  if (keys.some((k) => CONFIG_KEYS.has(k) || POLICY_KEYS.has(k))) return 'config';
  return null;
}

const SCHEMAS: Record<Exclude<FileKind, 'config'>, z.ZodType> = {
  policy: PolicyFile,
  openslo: OpenSloObject,
  sloth: SlothSpec,
  'prometheus-rule': PrometheusRuleObject,
  rules: RuleFile,
  pyrra: PyrraSlo,
  report: Report,
  'grafana-dashboard': GrafanaDashboard,
};

/** Where the PromQL sits in each kind (paths into the parsed document). */
function expressionsOf(kind: FileKind, data: unknown): Array<{ path: PathKey[]; expr: string; selectorOnly?: boolean }> {
  const out: Array<{ path: PathKey[]; expr: string; selectorOnly?: boolean }> = [];
  const str = (v: unknown): v is string => typeof v === 'string';
  const o = data as Record<string, unknown>;
  const groups = (list: unknown, prefix: PathKey[]) => {
    (Array.isArray(list) ? list : []).forEach((g: { rules?: unknown }, i) => {
      (Array.isArray(g?.rules) ? g.rules : []).forEach((r: { expr?: unknown }, j) => {
        if (str(r?.expr)) out.push({ path: [...prefix, i, 'rules', j, 'expr'], expr: r.expr });
      });
    });
  };
  if (kind === 'rules') groups(o.groups, ['groups']);
  if (kind === 'prometheus-rule') groups((o.spec as { groups?: unknown })?.groups, ['spec', 'groups']);
  if (kind === 'sloth') {
    (o.slos as Array<{ sli?: { events?: Record<string, unknown>; raw?: Record<string, unknown> } }>).forEach((s, i) => {
      for (const [section, keys] of [['events', ['error_query', 'total_query']], ['raw', ['error_ratio_query']]] as const) {
        for (const key of keys) {
          const q = s.sli?.[section]?.[key];
          if (str(q)) out.push({ path: ['slos', i, 'sli', section, key], expr: q });
        }
      }
    });
  }
  if (kind === 'pyrra') {
    const ind = (o.spec as { indicator?: Record<string, Record<string, unknown>> }).indicator ?? {};
    for (const [type, body] of Object.entries(ind)) {
      for (const [key, value] of Object.entries(body ?? {})) {
        if (key === 'metric' && str(value)) out.push({ path: ['spec', 'indicator', type, 'metric'], expr: value, selectorOnly: true });
        const metric = (value as { metric?: unknown })?.metric;
        if (str(metric)) out.push({ path: ['spec', 'indicator', type, key, 'metric'], expr: metric, selectorOnly: true });
      }
    }
  }
  if (kind === 'openslo') {
    const sliSpecs: Array<{ prefix: PathKey[]; spec: Record<string, unknown> | undefined }> = [];
    const spec = o.spec as Record<string, unknown>;
    if (o.kind === 'SLI') sliSpecs.push({ prefix: ['spec'], spec });
    if (o.kind === 'SLO') sliSpecs.push({ prefix: ['spec', 'indicator', 'spec'], spec: (spec.indicator as { spec?: Record<string, unknown> } | undefined)?.spec });
    for (const { prefix, spec: s } of sliSpecs) {
      const sources: Array<[PathKey[], unknown]> = [[['thresholdMetric'], s?.thresholdMetric]];
      for (const part of ['good', 'bad', 'total', 'raw']) sources.push([['ratioMetric', part], (s?.ratioMetric as Record<string, unknown> | undefined)?.[part]]);
      for (const [path, src] of sources) {
        const ms = (src as { metricSource?: { type?: string; spec?: { query?: unknown } } } | undefined)?.metricSource;
        if (ms && (ms.type ?? 'Prometheus').toLowerCase() === 'prometheus' && str(ms.spec?.query)) out.push({ path: [...prefix, ...path, 'metricSource', 'spec', 'query'], expr: ms.spec.query });
      }
    }
  }
  return out;
}

export interface FileResult {
  file: string;
  /** Kinds found in the file (a YAML stream may mix, e.g. PrometheusRule and Pyrra objects). */
  kinds: FileKind[];
  objects: number;
  errors: ConfigError[];
  /** OpenSLO objects, for the reference check across files. */
  openslo: Array<StreamDoc<OpenSloObject>>;
  exprs: ExprRef[];
}

/** Larger than any SLO file a person reviews; caps memory on hostile input. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

const pathText = (path: readonly PathKey[]) => path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');

function fail(file: string, message: string): FileResult {
  return { file, kinds: [], objects: 0, errors: [{ file, line: 1, col: 1, path: '', message }], openslo: [], exprs: [] };
}

const KNOWN = 'a .slo-scout.yml, a policy file (policies:/policy_guard:), OpenSLO v1 (apiVersion: openslo/v1), a Sloth spec (version: prometheus/v1), a Prometheus rule file (groups:), a PrometheusRule (apiVersion: monitoring.coreos.com/v1), a Pyrra ServiceLevelObjective (apiVersion: pyrra.dev/v1alpha1), report.json or a Grafana dashboard';

/** Checks one file's text (schema only; PromQL is collected into `exprs` for the checker). */
export function validateText(file: string, text: string, trust: ConfigTrust = {}): FileResult {
  if (CONFIG_FILE_NAMES.includes(basename(file))) {
    const r = parseConfig(text, file, trust);
    return { file, kinds: ['config'], objects: r.ok ? 1 : 0, errors: r.ok ? [] : r.errors, openslo: [], exprs: [] };
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const result: FileResult = { file, kinds: [], objects: 0, errors: [], openslo: [], exprs: [] };
  if (!Array.isArray(docs)) return result;
  docs.forEach((doc: Document, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        result.errors.push({ file, line, col, path: '', message: `${extname(file) === '.json' ? 'JSON' : 'YAML'} syntax error: ${e.message.split('\n')[0]} (fix the indentation, quoting or brackets at this position)` });
      }
      return;
    }
    const data: unknown = doc.toJS({ maxAliasCount: 100 });
    if (data === null || data === undefined) return;
    const pos = (path: readonly PathKey[]) => positionIn(doc, lineCounter, path);
    const kind = kindOfDocument(data, file);
    if (kind === null) {
      const { line, col } = pos([]);
      result.errors.push({ file, line, col, path: '', message: `cannot tell what this ${docs.length > 1 ? `document (#${index + 1})` : 'file'} is: expected ${KNOWN}` });
      return;
    }
    if (kind === 'config') {
      // Recognised by its keys under another name: check it as the config it looks like.
      const r = parseConfig(text, file, trust);
      if (!result.kinds.includes(kind)) result.kinds.push(kind);
      result.objects++;
      if (!r.ok) result.errors.push(...r.errors);
      return;
    }
    if (!result.kinds.includes(kind)) result.kinds.push(kind);
    const parsed = SCHEMAS[kind].safeParse(data);
    if (!parsed.success) {
      const errs = issuesToErrors(doc, data, parsed.error.issues, file, lineCounter);
      result.errors.push(...errs.map((e) => ({ ...e, message: e.message.replace('(see schemas/slo-scout-config.schema.json)', `(not a field of a ${FILE_KINDS[kind]})`) })));
      return;
    }
    result.objects++;
    if (kind === 'openslo') {
      result.openslo.push({ value: parsed.data as OpenSloObject, line: pos([]).line, positionOf: (path) => pos(path) });
    }
    for (const e of expressionsOf(kind, data)) {
      result.exprs.push({ expr: e.expr, path: pathText(e.path), ...pos(e.path), ...(e.selectorOnly ? { selectorOnly: true } : {}) });
    }
  });
  result.errors.sort(byPosition);
  return result;
}

export async function validateFile(file: string, trust: ConfigTrust = {}): Promise<FileResult> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_FILE_BYTES) return fail(file, `the file is ${info.size} bytes; validate reads at most ${MAX_FILE_BYTES} (split it)`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    return fail(file, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the path`);
  }
  return validateText(file, text, trust);
}

const WALK_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const MAX_WALK_FILES = 10_000;

/** Files named on the command line, directories expanded to the YAML and JSON files under them. */
export async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= MAX_WALK_FILES) return;
      if (e.name === 'node_modules' || e.name === '.git') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (WALK_EXTENSIONS.has(extname(e.name)) || CONFIG_FILE_NAMES.includes(e.name))) out.push(p);
    }
  };
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (info?.isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}

/** Runs the PromQL checker once over every file's expressions (one promtool process) and adds its findings as errors. */
export async function checkExpressions(results: FileResult[], checker: PromqlChecker): Promise<void> {
  const owner = new Map<ExprRef, FileResult>();
  for (const r of results) for (const ref of r.exprs) owner.set(ref, r);
  if (owner.size === 0) return;
  for (const p of await checker.check([...owner.keys()])) {
    const r = owner.get(p.ref)!;
    r.errors.push({ file: r.file, line: p.ref.line, col: p.ref.col, path: p.ref.path, message: p.message });
  }
  for (const r of results) r.errors.sort(byPosition);
}
