import type { Evidence, Proposal, Report, Variant } from '../core/report.js';
import { formatBreach, formatRate, windowsPerPeriod, windowUnit } from '../core/breach-format.js';
import { byService, formatSeconds, selectedType, tidy } from './common.js';
import { pullRequestTemplate } from './templates.js';

/** GitHub rejects PR bodies over 65,536 characters; keep a margin for the truncation note. */
export const GITHUB_BODY_LIMIT = 65_536;
/** Evidence links per SLO in full and in compact mode (when the body would exceed the limit). */
const MAX_EVIDENCE = { full: 5, compact: 2 };

export interface PullRequestBodyOptions {
  /** sloId -> URL of the SVG chart (e.g. a blob URL on the PR branch); charts are omitted without it. */
  chartLinks?: Record<string, string>;
  /** URL of the fleet-level budget-burn chart; omitted without it. */
  burnChart?: string;
  /** Per-SLO variant overrides already applied to the files (defaults to each proposal's selectedVariant). */
  variant?: Partial<Record<string, Variant['type']>>;
  /** Length limit, for tests; defaults to GitHub's. */
  maxLength?: number;
  /** sloId -> URL of its details page (issue 14, signed link); no link without it. */
  pageLinks?: Record<string, string>;
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

/** Expected rate per window and the interval as breached windows of the next period (app/core/breach-format.ts). */
function breach(v: Variant, report: Report): string {
  return formatBreach(v.expectedBreachRate, v.breachRateInterval, windowsPerPeriod(report.breachWindow, report.period ?? report.window), windowUnit(report.breachWindow));
}

/** Budget burn: expected share of the budget one period consumes, with its interval. */
function burn(v: Variant): string {
  const b = v.budgetBurn;
  if (!b) return '—';
  const flag = b.expected > 1 ? ' :fire:' : '';
  return `**${pct(b.expected)}**${flag} [${pct(b.interval[0])}, ${pct(b.interval[1])}]`;
}

function pastBurns(v: Variant): string {
  const past = v.budgetBurn?.pastPeriods ?? [];
  return past.length ? past.map((p) => pct(p.consumed)).join(', ') : '—';
}

function alertReplayLine(p: Proposal): string | undefined {
  const a = p.alertReplay;
  if (!a) return undefined;
  const days = Math.round((Date.parse(a.to) - Date.parse(a.from)) / 86_400_000);
  const sev = (name: string, f: NonNullable<Proposal['alertReplay']>['page']) => {
    if (f.fired === 0) return `${name} never fired`;
    const when = f.episodes.slice(0, 3).map((e) => (e.url && /^https?:\/\//i.test(e.url) ? `[${md(e.start.slice(0, 16).replace('T', ' '))}](${linkTarget(e.url)})` : md(e.start.slice(0, 16).replace('T', ' ')))).join(', ');
    return `${name} fired ${f.fired} time${f.fired === 1 ? '' : 's'} (${num(f.perWeek)}/week, ${num(f.firingHours)} h in all; ${when}${f.fired > 3 ? ', …' : ''})`;
  };
  const bad = a.badWindows.length;
  const caught = a.badWindows.filter((w) => w.caughtBy.length > 0).length;
  const missed = a.badWindows.filter((w) => w.caughtBy.length === 0).map((w) => md(w.start.slice(0, 10)));
  const windows = bad === 0 ? 'no evaluation window breached' : `caught ${caught} of ${bad} breached windows${missed.length ? ` (missed ${missed.slice(0, 5).join(', ')}${missed.length > 5 ? ', …' : ''})` : ''}`;
  return `**Alert replay** (${a.variant}, every ${a.stepSeconds / 60} min over ${days} days): ${sev('page', a.page)}; ${sev('ticket', a.ticket)}; ${windows}.`;
}

function calibrationNote(report: Report): string | undefined {
  const c = report.calibration;
  if (!c || c.breach.replays === 0) return undefined;
  const weeks = c.weeks ? ` over the last ${c.weeks} week${c.weeks === 1 ? '' : 's'}` : '';
  return `Intervals are ${pct(c.nominalLevel)} predictive intervals calibrated on this history: replaying the method week by week${weeks}, ` +
    `burn intervals held in ${pct(c.burn.held)} and breach-rate intervals in ${pct(c.breach.held)} of ${num(c.breach.replays)} replays ` +
    `(before calibration: ${pct(c.burn.heldAtNominal)} and ${pct(c.breach.heldAtNominal)}; breach rates by randomized coverage: a breached-day count at an interval's end counts in part, ` +
    `because a count of whole days that is usually 0 would otherwise hold almost always).`;
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

function sloView(report: Report, p: Proposal, period: string, options: PullRequestBodyOptions, compact: boolean) {
  const selected = selectedType(p, options.variant);
  const chart = options.chartLinks?.[p.sloId];
  return {
    sloId: md(p.sloId),
    endpoint: md(p.endpoint ?? '(all endpoints)'),
    sli: p.sli,
    chart: chart ? linkTarget(chart) : undefined,
    page: options.pageLinks?.[p.sloId] ? linkTarget(options.pageLinks[p.sloId]!) : undefined,
    variants: p.variants.map((v) => ({
      type: v.type,
      selected: v.type === selected,
      target: `${tidy(v.target, 6)}%`,
      threshold: formatSeconds(v.thresholdSeconds),
      breach: breach(v, report),
      burn: burn(v),
      past: pastBurns(v),
      budget: budget(v, report, period),
      compliance: pct(v.historicalCompliance),
    })),
    method: p.breachRateMethod ? md(p.breachRateMethod) : undefined,
    alertReplay: alertReplayLine(p),
    confidence: tidy(p.confidence, 2),
    components: Object.fromEntries(Object.entries(p.confidenceComponents).map(([k, v]) => [k, tidy(v, 2)])),
    warnings: p.warnings.map(md),
    evidence: p.evidence.slice(0, MAX_EVIDENCE[compact ? 'compact' : 'full']).map(evidenceLine),
    moreEvidence: Math.max(0, p.evidence.length - MAX_EVIDENCE[compact ? 'compact' : 'full']),
    // One row per scenario: the enforced variant in full, the others' projections alongside.
    whatIf: (p.whatIf ?? []).flatMap((w) => {
      const v = w.variants.find((x) => x.type === selected);
      if (!v) return [];
      return [{
        scenario: md(w.scenario),
        baseline: formatRate(v.baselineBreachRate),
        projected: formatRate(v.projectedBreachRate),
        interval: `[${formatRate(v.confidenceInterval[0])}, ${formatRate(v.confidenceInterval[1])}] at ${pct(v.confidenceLevel)}`,
        consumed: pct(v.budgetConsumedShare),
        exhaustion: v.daysToExhaustion === null ? 'not within the period' : `${tidy(v.daysToExhaustion, 3)} days`,
        others: w.variants.filter((x) => x.type !== selected).map((x) => `${x.type} ${formatRate(x.projectedBreachRate)}`).join(', ') || '—',
      }];
    }),
    selected,
    whatIfWarnings: groupWarnings(p),
  };
}

/** The same caveat often applies to several scenarios: say it once and list the scenarios. */
function groupWarnings(p: Proposal): string[] {
  const byText = new Map<string, string[]>();
  for (const w of p.whatIf ?? []) {
    for (const t of w.warnings) byText.set(t, [...(byText.get(t) ?? []), w.scenario]);
  }
  return [...byText].map(([text, scenarios]) => `${md(scenarios.join(', '))}: ${md(text)}`);
}

interface Shown { rows: number; details: number; compact: boolean }

function render(report: Report, options: PullRequestBodyOptions, shown: Shown, limit: number): string {
  const period = report.period ?? report.window;
  const groups = [...byService(report)];
  const all = groups.flatMap(([, ps]) => ps);
  const visible = new Set(all.slice(0, shown.details));
  const listed = new Set(all.slice(0, shown.rows));
  const services = groups
    .map(([name, ps]) => ({ name: md(name), proposals: ps.filter((p) => visible.has(p)) }))
    .filter((s) => s.proposals.length > 0)
    .map((s) => ({ ...s, count: s.proposals.length, plural: s.proposals.length !== 1, proposals: s.proposals.map((p) => sloView(report, p, period, options, shown.compact)) }));
  const rows = all.filter((p) => listed.has(p)).map((p) => {
    const selected = selectedType(p, options.variant);
    const v = p.variants.find((x) => x.type === selected);
    return {
      service: md(p.service),
      sloId: md(p.sloId),
      sli: p.sli,
      selected,
      target: v ? `${tidy(v.target, 6)}%` : '—',
      threshold: v ? formatSeconds(v.thresholdSeconds) : '—',
      breach: v ? breach(v, report) : '—',
      burn: v ? burn(v) : '—',
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
    rows,
    burnChart: options.burnChart ? linkTarget(options.burnChart) : undefined,
    calibration: calibrationNote(report) ? md(calibrationNote(report)!) : undefined,
    // Many services: collapse each into <details> so the PR page stays scannable.
    collapse: serviceCount > 3 || all.length > 6,
    services,
    skipped: (report.skipped ?? []).map((s) => ({ service: md(s.service), endpoint: md(s.endpoint ?? '(all endpoints)'), reason: md(s.reason) })),
    truncated: truncationNote(shown, all.length, limit),
  });
}

function truncationNote(shown: Shown, total: number, limit: number): string | undefined {
  if (shown.rows >= total && shown.details >= total && !shown.compact) return undefined;
  const what = shown.details >= total
    ? 'Details are shortened'
    : `The table lists ${shown.rows} of ${total} SLOs and details follow for ${shown.details}`;
  return `${what} to stay within GitHub's ${num(limit)}-character limit. Every SLO is in the files of this PR and in full in \`report.json\`.`;
}

/** PULL_REQUEST.md: summary, per-SLO variants, confidence, evidence, warnings, what-if and the slash-commands. */
export function renderPullRequestBody(report: Report, options: PullRequestBodyOptions = {}): string {
  const limit = options.maxLength ?? GITHUB_BODY_LIMIT;
  const total = report.proposals.length;
  const fits = (shown: Shown) => render(report, options, shown, limit).length <= limit;
  // Degrade in steps: full; shorter details; fewer detail sections (the summary table keeps every SLO);
  // finally fewer table rows too. Each step keeps whole SLO sections, never half a table.
  const steps: Shown[] = [{ rows: total, details: total, compact: false }, { rows: total, details: total, compact: true }];
  for (const shown of steps) if (fits(shown)) return render(report, options, shown, limit);
  const largest = (ok: (k: number) => boolean): number => {
    let lo = 0;
    let hi = total;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (ok(mid)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  let shown: Shown = { rows: total, details: 0, compact: true };
  if (fits(shown)) shown = { ...shown, details: largest((k) => fits({ rows: total, details: k, compact: true })) };
  else shown = { rows: largest((k) => fits({ rows: k, details: 0, compact: true })), details: 0, compact: true };
  const body = render(report, options, shown, limit);
  if (body.length <= limit) return body;
  const note = '\n\n… truncated; see `report.json` for everything.\n';
  return body.slice(0, limit - note.length) + note;
}
