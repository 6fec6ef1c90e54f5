import type { Proposal, Report, SliQueries, Variant, VariantType } from '../core/report.js';
import { parseDuration } from '../core/time.js';

/** Thrown when a report cannot be exported as asked; the message names the SLO and the fix. */
export class ExportError extends Error {}

/**
 * A DNS-label-safe name (RFC 1123: lowercase alphanumerics and '-', at most 63 chars), because OpenSLO
 * metadata.name, Kubernetes object names and our file paths all need one.
 */
export function safeName(text: string): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return (slug || 'unnamed').slice(0, 63).replace(/-+$/, '');
}

/** The SLO period in seconds: explicit option, else report.period, else the analysis window. */
export function periodSecondsOf(report: Report, explicit?: number): number {
  if (explicit !== undefined) {
    if (!(explicit > 0)) throw new ExportError(`periodSeconds must be positive, got ${explicit}`);
    return explicit;
  }
  return parseDuration(report.period ?? report.window);
}

export function variantOf(proposal: Proposal, type: VariantType): Variant {
  const variant = proposal.variants.find((v) => v.type === type);
  if (!variant) {
    const have = proposal.variants.map((v) => v.type).join(', ') || 'none';
    throw new ExportError(`proposal ${proposal.sloId}: variant "${type}" does not exist (it has ${have}); pick one of those`);
  }
  return variant;
}

/** The variant the exported files enforce: the per-SLO override, else the proposal's own choice. */
export function selectedType(proposal: Proposal, overrides?: Partial<Record<string, VariantType>>): VariantType {
  return overrides?.[proposal.sloId] ?? proposal.selectedVariant;
}

/**
 * A bucket-bound matcher as the engine writes it (app/core/sli/promql.ts): integer bounds match both "1" and
 * "1.0" because exporters disagree on the spelling; fractional bounds match exactly.
 */
export function leMatcher(bound: number): string {
  const text = String(bound);
  return Number.isInteger(bound) ? `le=~"${text}(\\\\.0)?"` : `le="${text}"`;
}

/** `le="0.3"` or `le=~"1(\\.0)?"` in PromQL text, with the bound it names. */
const LE_MATCHER_RE = /le\s*=~?\s*"((?:[^"\\]|\\.)*)"/g;

function boundOf(matcherValue: string): number {
  return Number(matcherValue.replace(/\(\\\\\.0\)\?$/, ''));
}

/**
 * The SLI queries for a variant. The engine writes `proposal.queries` for the proposal's selected variant; a
 * latency SLI's good/bad queries pin that variant's bucket bound (`le="0.3"`), so when a reviewer picks another
 * variant the bound is swapped for that variant's threshold. Availability queries do not depend on the variant.
 */
export function queriesFor(proposal: Proposal, type: VariantType): SliQueries {
  const queries = proposal.queries;
  if (!queries) {
    throw new ExportError(`proposal ${proposal.sloId} has no "queries" (PromQL for good/bad/total); re-run the analysis with a version that writes them`);
  }
  if (proposal.sli !== 'latency' || type === proposal.selectedVariant) return queries;
  const from = variantOf(proposal, proposal.selectedVariant).thresholdSeconds;
  const to = variantOf(proposal, type).thresholdSeconds;
  if (from === null || to === null || from === to) return queries;
  let swapped = 0;
  const swap = (q: string): string => q.replace(LE_MATCHER_RE, (whole, value: string) => {
    if (boundOf(value) !== from) return whole;
    swapped++;
    return leMatcher(to);
  });
  const out = { good: swap(queries.good), bad: swap(queries.bad), total: swap(queries.total) };
  if (swapped === 0) {
    throw new ExportError(`proposal ${proposal.sloId}: cannot switch to the ${type} variant because its queries have no le matcher for the selected threshold ${from}; re-run the analysis with --variant or edit the queries`);
  }
  return out;
}

/** Replace Sloth's `{{.window}}` placeholder (with or without spaces) by a concrete Prometheus range. */
export function withWindow(query: string, window: string): string {
  return query.replace(/\{\{\s*\.window\s*\}\}/g, window);
}

/** YAML output options: no anchors/aliases (some consumers mishandle them) and no line folding of PromQL. */
export const YAML_OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0 } as const;

/** Numbers in generated files: no float noise (0.1+0.2), stable across runs. */
export function tidy(value: number, digits = 10): number {
  return Number(value.toPrecision(digits));
}

export function formatPercent(value: number): string {
  return `${tidy(value, 6)}%`;
}

export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '—';
  return seconds < 1 ? `${tidy(seconds * 1000, 6)} ms` : `${tidy(seconds, 6)} s`;
}

/** Proposals grouped by service, both in a stable order (service name, then sloId). */
export function byService(report: Report): Map<string, Proposal[]> {
  const groups = new Map<string, Proposal[]>();
  const sorted = [...report.proposals].sort((a, b) => compareText(a.service, b.service) || compareText(a.sloId, b.sloId));
  for (const proposal of sorted) {
    const list = groups.get(proposal.service) ?? [];
    list.push(proposal);
    groups.set(proposal.service, list);
  }
  return groups;
}

/** Code-unit order, not locale order: generated files must not change with the machine's locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
