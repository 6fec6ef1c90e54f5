/**
 * Which SLOs a command in a pull request addresses. A per-service PR carries a hidden marker
 * naming its service (written by the analyze worker), so `variant`, `simulate` and `explain`
 * act on that PR's SLOs by default; an SLO id or `--all` widens the scope on purpose.
 * Replies are fitted under GitHub's comment limit, naming what was left out and how to see it.
 */
import type { Report } from '../core/report.js';

const SERVICE_MARKER_RE = /<!-- slo-scout:service=([^\s>]{1,200}) -->/;

/** GitHub refuses issue comments longer than 65536 characters; leave room for the topic marker and the note. */
export const COMMENT_LIMIT = 65_536;
export const REPLY_BUDGET = 60_000;

export function serviceMarker(service: string): string {
  return `<!-- slo-scout:service=${encodeURIComponent(service)} -->`;
}

export function serviceOfBody(body: string | null | undefined): string | null {
  const m = SERVICE_MARKER_RE.exec(body ?? '');
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

export const ALL_FLAG = '--all';

export type Scope =
  | { kind: 'slo'; sloId: string }
  | { kind: 'service'; service: string }
  | { kind: 'all' };

/** `--all` wins; then an explicit SLO id; then the PR's own service; a PR without one (per-run) means all. */
export function resolveScope(input: { all: boolean; sloId?: string; prService: string | null }): Scope {
  if (input.all) return { kind: 'all' };
  if (input.sloId) return { kind: 'slo', sloId: input.sloId };
  if (input.prService) return { kind: 'service', service: input.prService };
  return { kind: 'all' };
}

/** The report narrowed to the scope (the what-if simulator and explain read only what they get). */
export function scopedReport(report: Report, scope: Scope): Report {
  if (scope.kind === 'all') return report;
  const keep = scope.kind === 'slo' ? (p: Report['proposals'][number]) => p.sloId === scope.sloId : (p: Report['proposals'][number]) => p.service === scope.service;
  return { ...report, proposals: report.proposals.filter(keep) };
}

export function describeScope(scope: Scope): string {
  if (scope.kind === 'all') return 'every SLO of this repository';
  if (scope.kind === 'slo') return `\`${scope.sloId}\``;
  return `the SLOs of \`${scope.service}\` (this pull request; add \`${ALL_FLAG}\` for every service)`;
}

/**
 * Joins sections until the budget is used, then names the ones left out with the command that
 * shows each (one SLO per reply always fits).
 */
export function fitSections(sections: { id: string; text: string }[], more: (id: string) => string, budget = REPLY_BUDGET): string {
  const out: string[] = [];
  let used = 0;
  let i = 0;
  for (; i < sections.length; i++) {
    const t = sections[i]!.text;
    if (used + t.length + 2 > budget && out.length > 0) break;
    out.push(t.length > budget ? `${t.slice(0, budget)}\n\n… (cut at ${budget} characters)` : t);
    used += t.length + 2;
  }
  const left = sections.slice(i);
  if (left.length) {
    const list = left.slice(0, 50).map((s) => `- \`${s.id}\`: ${more(s.id)}`).join('\n');
    out.push(`**${left.length} more left out** to stay under GitHub's ${COMMENT_LIMIT}-character comment limit:\n${list}${left.length > 50 ? `\n- … and ${left.length - 50} more` : ''}`);
  }
  return out.join('\n\n');
}
