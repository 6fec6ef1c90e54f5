import { Document } from 'yaml';
import type { Proposal, Report, VariantType } from '../core/report.js';
import { formatDuration } from '../core/time.js';
import { sloScoutAnnotations } from './annotations.js';
import { burnWindows } from './burnrate.js';
import { YAML_OPTIONS, formatSeconds, queriesFor, safeName, selectedType, variantOf, withWindow } from './common.js';
import { EMPTY_ROUTING, type SloRouting } from './routing.js';

export interface OpenSloOptions { periodSeconds: number; variant?: Partial<Record<string, VariantType>>; routing?: SloRouting }

/**
 * OpenSLO v1 leaves the query shape to the data source. We hand it per-second rates over a short range
 * (`counter: false`: the values are rates, not raw counters); the SLO's own evaluation aggregates them
 * over the time window. 5m matches the shortest burn-rate window we alert on.
 */
export const OPENSLO_RATE_WINDOW = '5m';

/** OpenSLO names are RFC 1123 labels (max 63): shorten the base, keep the suffix that makes it unique. */
function objectName(base: string, suffix: string): string {
  const tail = suffix ? `-${suffix}` : '';
  return `${base.slice(0, 63 - tail.length).replace(/-+$/, '')}${tail}`;
}

function describe(proposal: Proposal, type: VariantType): string {
  const v = variantOf(proposal, type);
  const where = `${proposal.service} ${proposal.endpoint ?? '(all endpoints)'}`;
  return proposal.sli === 'latency'
    ? `${v.target}% of requests to ${where} complete within ${formatSeconds(v.thresholdSeconds)} (${type} variant).`
    : `${v.target}% of requests to ${where} succeed (not 5xx) (${type} variant).`;
}

/** The OpenSLO v1 objects for one proposal, in dependency order (Service, SLI, alerting, SLO). */
export function openSloObjects(report: Report, proposal: Proposal, options: OpenSloOptions): object[] {
  const type = selectedType(proposal, options.variant);
  const variant = variantOf(proposal, type);
  const queries = queriesFor(proposal, type);
  const name = safeName(proposal.sloId);
  const service = safeName(proposal.service);
  const source = (query: string) => ({ metricSource: { type: 'Prometheus', spec: { query: withWindow(query, OPENSLO_RATE_WINDOW) } } });
  // OpenSLO label keys allow no '/' prefix (unlike annotation keys) and values must be name-like.
  const labels = { 'slo-scout-service': service, 'slo-scout-sli': proposal.sli };
  const routing = options.routing ?? EMPTY_ROUTING;

  const objects: object[] = [
    {
      apiVersion: 'openslo/v1',
      kind: 'Service',
      metadata: { name: service, displayName: proposal.service },
      spec: { description: `Service ${proposal.service}, SLOs proposed by slo-scout.` },
    },
    {
      apiVersion: 'openslo/v1',
      kind: 'SLI',
      metadata: { name: objectName(name, 'sli'), displayName: `${proposal.service} ${proposal.endpoint ?? ''} ${proposal.sli}`.replace(/\s+/g, ' ').trim(), labels },
      spec: {
        description: proposal.sli === 'latency'
          ? `Share of requests faster than ${formatSeconds(variant.thresholdSeconds)} (an existing histogram bucket bound).`
          : 'Share of requests that did not fail with a 5xx status.',
        ratioMetric: { counter: false, good: source(queries.good), total: source(queries.total) },
      },
    },
  ];

  for (const severity of ['page', 'ticket'] as const) {
    objects.push({
      apiVersion: 'openslo/v1',
      kind: 'AlertNotificationTarget',
      metadata: { name: objectName(name, severity) },
      spec: { target: severity, description: severity === 'page' ? 'Wake someone up: the budget burns fast.' : 'Open a ticket: the budget burns steadily.' },
    });
  }

  const policies: string[] = [];
  for (const pair of burnWindows(options.periodSeconds)) {
    const id = objectName(name, `${pair.severity}-${pair.long}`);
    policies.push(id);
    objects.push({
      apiVersion: 'openslo/v1',
      kind: 'AlertCondition',
      metadata: { name: id },
      spec: {
        // OpenSLO has one lookback window per condition; the multiwindow short window maps onto alertAfter.
        description: `Burn rate >= ${pair.factor} over ${pair.long} (and ${pair.short}): ${pair.budgetPercent}% of the ${formatDuration(options.periodSeconds)} budget in ${pair.long}.`,
        severity: pair.severity,
        condition: { kind: 'burnrate', op: 'gte', threshold: pair.factor, lookbackWindow: pair.long, alertAfter: pair.short },
      },
    });
    objects.push({
      apiVersion: 'openslo/v1',
      kind: 'AlertPolicy',
      metadata: { name: id },
      spec: {
        description: `${pair.severity} when the error budget of ${proposal.sloId} burns ${pair.factor}x over ${pair.long}.`,
        alertWhenNoData: false,
        alertWhenResolved: true,
        alertWhenBreaching: true,
        conditions: [{ conditionRef: id }],
        notificationTargets: [{ targetRef: objectName(name, pair.severity) }],
      },
    });
  }

  objects.push({
    apiVersion: 'openslo/v1',
    kind: 'SLO',
    metadata: { name, displayName: describe(proposal, type).slice(0, 200), labels: { ...routing.labels, ...labels }, annotations: { ...routing.annotations, ...sloScoutAnnotations(report, proposal, type) } },
    spec: {
      description: describe(proposal, type),
      service,
      indicatorRef: objectName(name, 'sli'),
      timeWindow: [{ duration: formatDuration(options.periodSeconds), isRolling: true }],
      budgetingMethod: 'Occurrences',
      objectives: [{ displayName: `${type}: ${variant.target}%`, target: Number((variant.target / 100).toPrecision(10)) }],
      alertPolicies: policies.map((alertPolicyRef) => ({ alertPolicyRef })),
    },
  });
  return objects;
}

/** A multi-document OpenSLO v1 YAML file for one proposal. */
export function renderOpenSlo(report: Report, proposal: Proposal, options: OpenSloOptions): string {
  return openSloObjects(report, proposal, options)
    .map((object, i) => {
      const doc = new Document(object, YAML_OPTIONS);
      if (i === 0) doc.commentBefore = ` Generated by slo-scout from report.json (analysis as of ${report.end}); edit the proposal, not this file.`;
      return doc.toString(YAML_OPTIONS);
    })
    .join('---\n');
}
