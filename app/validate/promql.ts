import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { access, constants } from 'node:fs/promises';
import { parser } from '@prometheus-io/lezer-promql';
import { stringify } from 'yaml';

/** One PromQL expression found in a file, with where it sits there. */
export interface ExprRef {
  expr: string;
  line: number;
  col: number;
  /** Dotted field path, e.g. "groups[0].rules[3].expr". */
  path: string;
  /** Pyrra takes plain vector selectors (metric{labels}), not whole queries. */
  selectorOnly?: boolean;
}

export interface ExprProblem { ref: ExprRef; message: string }

export interface PromqlChecker {
  /** "promtool" (Prometheus' own parser) or "parser" (the PromQL grammar Prometheus ships for its UI). */
  readonly name: 'promtool' | 'parser';
  check(refs: ExprRef[]): Promise<ExprProblem[]>;
}

/** Sloth's range placeholder, filled before Prometheus sees the query. */
const WINDOW_PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;
const withRange = (expr: string) => expr.replace(WINDOW_PLACEHOLDER, '5m');

/** The grammar's first error as a character offset, or null when the expression parses. */
function firstSyntaxError(raw: string): number | null {
  const expr = withRange(raw);
  let at: number | null = null;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (at !== null) return false;
      if (node.type.isError) at = node.from;
      return undefined;
    },
  });
  return at;
}

/** True when the whole expression is one vector selector (`metric{a="b"}`), as Pyrra requires. */
function isVectorSelector(expr: string): boolean {
  const top = parser.parse(expr.trim()).topNode.firstChild;
  return top?.name === 'VectorSelector' && top.to === expr.trim().length;
}

function selectorProblems(refs: ExprRef[]): ExprProblem[] {
  return refs.filter((r) => r.selectorOnly && firstSyntaxError(r.expr) === null && !isVectorSelector(r.expr))
    .map((ref) => ({ ref, message: `${ref.path}: Pyrra needs a plain vector selector such as http_requests_total{job="api"} here, not a query: drop rate()/sum() and the range` }));
}

/**
 * Offline check with @prometheus-io/lezer-promql, the grammar of Prometheus' own web UI: catches
 * syntax errors (unclosed brackets, stray tokens) but not type errors such as rate() of an instant
 * vector, which promtool does catch.
 */
export const grammarChecker: PromqlChecker = {
  name: 'parser',
  check(refs) {
    const problems: ExprProblem[] = [];
    for (const ref of refs) {
      const at = firstSyntaxError(ref.expr);
      if (at === null) continue;
      const near = withRange(ref.expr).slice(Math.max(0, at - 15), at + 15).replace(/\s+/g, ' ');
      problems.push({ ref, message: `${ref.path}: PromQL syntax error at character ${at + 1} (near "${near}"): check brackets, quotes and operators` });
    }
    return Promise.resolve([...problems, ...selectorProblems(refs)]);
  },
};

async function onPath(binary: string, pathEnv = process.env.PATH ?? ''): Promise<string | null> {
  for (const dir of pathEnv.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, binary);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch { /* not here */ }
  }
  return null;
}

const RECORD_PREFIX = 'slo_scout_validate_';
const MAX_PROMTOOL_OUTPUT = 4 * 1024 * 1024;

/**
 * promtool check rules on a scratch rule file holding every expression as a recording rule, so one
 * process checks a whole file's worth; promtool names the failing rule, which maps back to its ref.
 */
export function promtoolChecker(binary: string): PromqlChecker {
  return {
    name: 'promtool',
    async check(refs) {
      if (refs.length === 0) return [];
      const dir = await mkdtemp(join(tmpdir(), 'slo-scout-validate-'));
      try {
        const file = join(dir, 'exprs.rules.yaml');
        const rules = refs.map((r, i) => ({ record: `${RECORD_PREFIX}${i}`, expr: withRange(r.expr) }));
        await writeFile(file, stringify({ groups: [{ name: 'slo-scout-validate', rules }] }, { lineWidth: 0 }));
        const output = await new Promise<string>((resolve) => {
          execFile(binary, ['check', 'rules', file], { maxBuffer: MAX_PROMTOOL_OUTPUT, timeout: 60_000 }, (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
        });
        const problems: ExprProblem[] = [];
        const seen = new Set<number>();
        for (const line of output.split('\n')) {
          const m = new RegExp(`"${RECORD_PREFIX}(\\d+)":?\\s*(.*)$`).exec(line);
          const ref = m ? refs[Number(m[1])] : undefined;
          if (!m || !ref || seen.has(Number(m[1]))) continue;
          seen.add(Number(m[1]));
          problems.push({ ref, message: `${ref.path}: promtool: ${m[2]!.replace(/^could not parse expression:\s*/, '')}` });
        }
        if (problems.length === 0 && /FAILED/.test(output)) {
          // promtool failed without naming a rule: report it on the first expression rather than passing.
          problems.push({ ref: refs[0]!, message: `promtool check rules failed: ${output.trim().split('\n').slice(-1)[0]}` });
        }
        return [...problems, ...selectorProblems(refs)];
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** promtool when it is on PATH (it is in Debian's `prometheus` package and the prom/prometheus image), the grammar otherwise. */
export async function defaultChecker(pathEnv?: string): Promise<PromqlChecker> {
  const binary = await onPath('promtool', pathEnv);
  return binary ? promtoolChecker(binary) : grammarChecker;
}
