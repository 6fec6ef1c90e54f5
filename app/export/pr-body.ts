import type { Evidence, Proposal, Report, Variant } from '../core/report.js';
import { byService, formatSeconds, selectedType, tidy } from './common.js';
import { pullRequestTemplate } from './templates.js';

/** GitHub rejects PR bodies over 65,536 characters; keep a margin for the truncation note. */
export const GITHUB_BODY_LIMIT = 65_536;
const MAX_EVIDENCE = 5;

export interface PullRequestBodyOptions {
  /** sloId -> URL of the SVG chart (e.g. a blob URL on the PR branch); charts are omitted without it. */
  chartLinks?: Record<string, string>;
  /** Per-SLO variant overrides already applied to the files (defaults to each proposal's selectedVariant). */
  variant?: Partial<Record<string, Variant['type']>>;
  /** Length limit, for tests; defaults to GitHub's. */
  maxLength?: number;
}

/** Markdown-safe inline text: table pipes, raw HTML and line breaks would break the layout. */
export function md(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** Markdown link targets end at an unbalanced ')' or whitespace; percent-encode those (encodeURIComponent keeps parentheses). */
function linkTarget(url: string): string {
  return url.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function pct(share: number): string {
  return `${tidy(share * 100, 3)}%`;
}

function num(value: number): string {
  const rounded = value >= 100 ? Math.round(value) : tidy(value, 3);
  return String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function breach(v: Variant): string {
  return `${pct(v.expectedBreachRate)} [${pct(v.breachRateInterval[0])}, ${pct(v.breachRateInterval[1])}]`;
}

function budget(v: Variant, report: Report, period: string): string {
  const b = v.errorBudget;
  return `${pct(b.badFraction)}: ${num(b.requestsPerWindow)} req / ${num(b.minutesPerWindow)} min per ${report.breachWindow}; ${num(b.requestsPerPeriod)} req / ${num(b.minutesPerPeriod)} min per ${period}`;
}

function evidenceLine(e: Evidence): string {
  const what = md(e.description);
  const when = e.start ? ` (${md(e.start)}${e.end ? ` → ${md(e.end)}` : ''})` : '';
  const trace = e.traceId ? ` trace \`${e.traceId.replace(/`/g, '')}\`` : '';
  // Only http(s) links: a report is data, and a javascript: URL must not become a clickable link.
  const link = e.url && /^https?:\/\//i.test(e.url) ? ` · [open](${linkTarget(e.url)})` : '';
  return `*${e.kind}*: ${what}${when}${trace}${link}`;
}

function sloView(report: Report, p: Proposal, period: string, options: PullRequestBodyOptions) {
  const selected = selectedType(p, options.variant);
  const chart = options.chartLinks?.[p.sloId];
  return {
    sloId: md(p.sloId),
    endpoint: md(p.endpoint ?? '(all endpoints)'),
    sli: p.sli,
    chart: chart ? linkTarget(chart) : undefined,
    variants: p.variants.map((v) => ({
      type: v.type,
      selected: v.type === selected,
      target: `${tidy(v.target, 6)}%`,
      threshold: formatSeconds(v.thresholdSeconds),
      breach: breach(v),
      budget: budget(v, report, period),
      compliance: pct(v.historicalCompliance),
    })),
    method: p.breachRateMethod ? md(p.breachRateMethod) : undefined,
    confidence: tidy(p.confidence, 2),
    components: Object.fromEntries(Object.entries(p.confidenceComponents).map(([k, v]) => [k, tidy(v, 2)])),
    warnings: p.warnings.map(md),
    evidence: p.evidence.slice(0, MAX_EVIDENCE).map(evidenceLine),
    moreEvidence: Math.max(0, p.evidence.length - MAX_EVIDENCE),
    whatIf: (p.whatIf ?? []).flatMap((w) => w.variants.map((v) => ({
      scenario: md(w.scenario),
      type: v.type === selected ? `**${v.type}**` : v.type,
      baseline: pct(v.baselineBreachRate),
      projected: pct(v.projectedBreachRate),
      interval: `[${pct(v.confidenceInterval[0])}, ${pct(v.confidenceInterval[1])}] at ${pct(v.confidenceLevel)}`,
      consumed: pct(v.budgetConsumedShare),
      exhaustion: v.daysToExhaustion === null ? 'not within the period' : `${tidy(v.daysToExhaustion, 3)} days`,
    }))),
    whatIfWarnings: (p.whatIf ?? []).flatMap((w) => w.warnings.map((t) => `${md(w.scenario)}: ${md(t)}`)),
  };
}

function render(report: Report, options: PullRequestBodyOptions, shown: number, limit: number): string {
  const period = report.period ?? report.window;
  const groups = [...byService(report)];
  const all = groups.flatMap(([, ps]) => ps);
  const visible = new Set(all.slice(0, shown));
  const services = groups
    .map(([name, ps]) => ({ name: md(name), proposals: ps.filter((p) => visible.has(p)) }))
    .filter((s) => s.proposals.length > 0)
    .map((s) => ({ ...s, count: s.proposals.length, plural: s.proposals.length !== 1, proposals: s.proposals.map((p) => sloView(report, p, period, options)) }));
  const rows = all.filter((p) => visible.has(p)).map((p) => {
    const selected = selectedType(p, options.variant);
    const v = p.variants.find((x) => x.type === selected);
    return {
      service: md(p.service),
      sloId: md(p.sloId),
      sli: p.sli,
      selected,
      target: v ? `${tidy(v.target, 6)}%` : '—',
      threshold: v ? formatSeconds(v.thresholdSeconds) : '—',
      breach: v ? breach(v) : '—',
      confidence: tidy(p.confidence, 2),
      warningCount: p.warnings.length > 0 ? `:warning: ${p.warnings.length}` : '—',
    };
  });
  const serviceCount = groups.length;
  return pullRequestTemplate()({
    proposalCount: all.length,
    pluralProposals: all.length !== 1,
    serviceCount,
    pluralServices: serviceCount !== 1,
    window: md(report.window),
    breachWindow: md(report.breachWindow),
    period: md(period),
    end: md(report.end),
    generatedAt: md(report.generatedAt),
    queries: report.timings.queries,
    totalSeconds: tidy(report.timings.totalSeconds, 3),
    rows,
    // Many services: collapse each into <details> so the PR page stays scannable.
    collapse: serviceCount > 3 || all.length > 6,
    services,
    skipped: (report.skipped ?? []).map((s) => ({ service: md(s.service), endpoint: md(s.endpoint ?? '(all endpoints)'), reason: md(s.reason) })),
    truncated: shown < all.length
      ? `This description shows ${shown} of ${all.length} SLOs to stay within GitHub's ${num(limit)}-character limit. Every SLO is in the files of this PR and in \`report.json\`.`
      : undefined,
  });
}

/** PULL_REQUEST.md: summary, per-SLO variants, confidence, evidence, warnings, what-if and the slash-commands. */
export function renderPullRequestBody(report: Report, options: PullRequestBodyOptions = {}): string {
  const limit = options.maxLength ?? GITHUB_BODY_LIMIT;
  const total = report.proposals.length;
  const full = render(report, options, total, limit);
  if (full.length <= limit) return full;
  // Largest number of SLOs (in service order) whose body fits: the body grows with every SLO shown.
  let lo = 0;
  let hi = total - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (render(report, options, mid, limit).length <= limit) lo = mid;
    else hi = mid - 1;
  }
  const body = render(report, options, lo, limit);
  if (body.length <= limit) return body;
  const note = '\n\n… truncated; see `report.json` for everything.\n';
  return body.slice(0, limit - note.length) + note;
}
