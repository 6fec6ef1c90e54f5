import { z } from 'zod';

/**
 * Schemas of the third-party files SLO-Scout writes and `slo-scout validate` checks: Sloth
 * `prometheus/v1` specs, Prometheus rule files, prometheus-operator PrometheusRule objects and Pyrra
 * ServiceLevelObjective objects. Each follows its project's own validation (field names, required
 * fields, value ranges) so a file that passes here is one the real tool loads. PromQL inside them is
 * checked separately (promql.ts) because it needs promtool or a parser.
 */

const MetricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
const LabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');
const LabelMap = z.record(LabelName, z.string());
/** Prometheus' duration syntax (model.ParseDuration): unit-ordered parts such as 1h30m. */
export const PromDuration = z.string().regex(/^(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/, 'a Prometheus duration such as 5m, 1h30m or 28d')
  .refine((d) => d !== '', 'a Prometheus duration such as 5m, 1h30m or 28d');
const Expr = z.string().trim().min(1, 'an empty PromQL expression');

/** One rule of a rule group (prometheus/model/rulefmt: exactly one of record or alert). */
const Rule = z.object({
  record: MetricName.optional(),
  alert: z.string().min(1).optional(),
  expr: z.union([Expr, z.number()]),
  for: PromDuration.optional(),
  keep_firing_for: PromDuration.optional(),
  labels: LabelMap.optional(),
  annotations: z.record(LabelName, z.string()).optional(),
}).strict().superRefine((r, ctx) => {
  if ((r.record === undefined) === (r.alert === undefined)) ctx.addIssue({ code: 'custom', message: 'a rule needs exactly one of record (a recording rule) or alert (an alerting rule)' });
  if (r.record !== undefined) {
    for (const key of ['for', 'keep_firing_for', 'annotations'] as const) {
      if (r[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to alerting rules only: remove it or turn the rule into an alert` });
    }
  }
});

const groupFields = {
  name: z.string().min(1),
  interval: PromDuration.optional(),
  query_offset: PromDuration.optional(),
  limit: z.number().int().nonnegative().optional(),
  labels: LabelMap.optional(),
  rules: z.array(Rule),
};

function uniqueGroupNames(groups: Array<{ name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    if (seen.has(g.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `group name "${g.name}" is used twice in this file; Prometheus refuses duplicate group names` });
    seen.add(g.name);
  });
}

/** A Prometheus `rule_files:` file. */
export const RuleFile = z.object({
  groups: z.array(z.object(groupFields).strict()).superRefine(uniqueGroupNames),
}).strict();
export type RuleFile = z.infer<typeof RuleFile>;

/** Kubernetes object metadata as far as these CRDs care; other keys (uid, resourceVersion) are the server's. */
const K8sName = z.string().max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name: lowercase letters, digits, "-" and ".", e.g. checkout-latency');
const K8sMetadata = z.looseObject({
  name: K8sName,
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name (RFC 1123 label)').max(63).optional(),
  labels: z.record(z.string(), z.string().max(63)).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** prometheus-operator `monitoring.coreos.com/v1` PrometheusRule. */
export const PrometheusRuleObject = z.object({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  kind: z.literal('PrometheusRule'),
  metadata: K8sMetadata,
  spec: z.object({
    groups: z.array(z.object({ ...groupFields, partial_response_strategy: z.enum(['abort', 'warn', '']).optional() }).strict()).superRefine(uniqueGroupNames),
  }).strict(),
}).strict();
export type PrometheusRuleObject = z.infer<typeof PrometheusRuleObject>;

/** Sloth `prometheus/v1` (sloth.dev/specs/prometheus-v1); Sloth expands `{{.window}}` in event queries. */
const SlothAlert = z.object({ disable: z.boolean().optional(), labels: LabelMap.optional(), annotations: z.record(z.string(), z.string()).optional() }).strict();
const WindowQuery = Expr.refine((q) => /\{\{\s*\.window\s*\}\}/.test(q), 'Sloth queries need the {{.window}} placeholder where the range goes, e.g. rate(x[{{.window}}])');
export const SlothSpec = z.object({
  version: z.literal('prometheus/v1'),
  service: z.string().min(1),
  labels: LabelMap.optional(),
  slos: z.array(z.object({
    name: z.string().regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, 'letters, digits, "-", "_" and ".", e.g. checkout-latency'),
    objective: z.number().gt(0).lte(100, 'a percentage up to 100, e.g. 99.9'),
    description: z.string().optional(),
    labels: LabelMap.optional(),
    sli: z.union([
      z.object({ events: z.object({ error_query: WindowQuery, total_query: WindowQuery }).strict() }).strict(),
      z.object({ raw: z.object({ error_ratio_query: WindowQuery }).strict() }).strict(),
      z.object({ plugin: z.object({ id: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }).strict() }).strict(),
    ], { error: 'sli needs exactly one of events (error_query + total_query), raw (error_ratio_query) or plugin' }),
    alerting: z.object({
      name: MetricName.optional(),
      labels: LabelMap.optional(),
      annotations: z.record(z.string(), z.string()).optional(),
      page_alert: SlothAlert.optional(),
      ticket_alert: SlothAlert.optional(),
    }).strict().refine((a) => a.name !== undefined || (a.page_alert?.disable === true && a.ticket_alert?.disable === true), 'alerting.name is required unless both page_alert and ticket_alert are disabled'),
  }).strict()).min(1, 'at least one SLO'),
}).strict();
export type SlothSpec = z.infer<typeof SlothSpec>;

/**
 * Pyrra `pyrra.dev/v1alpha1` ServiceLevelObjective, written from Pyrra's CRD (the openAPIV3Schema of
 * config/crd/bases/pyrra.dev_servicelevelobjectives.yaml) and its webhook validation: `target` is a
 * string percentage, `window` a Prometheus duration, exactly one indicator, metrics are vector
 * selectors (checked in promql.ts).
 */
const PyrraMetric = z.object({ metric: z.string().trim().min(1) }).strict();
const Grouping = z.array(LabelName).optional();
export const PyrraSlo = z.object({
  apiVersion: z.literal('pyrra.dev/v1alpha1'),
  kind: z.literal('ServiceLevelObjective'),
  metadata: K8sMetadata,
  spec: z.object({
    description: z.string().optional(),
    target: z.string().refine((t) => { const n = Number(t); return t.trim() !== '' && n > 0 && n < 100; }, 'a percentage between 0 and 100 as a string, e.g. "99.9"'),
    window: PromDuration,
    indicator: z.object({
      ratio: z.object({ errors: PyrraMetric, total: PyrraMetric, grouping: Grouping }).strict().optional(),
      latency: z.object({ success: PyrraMetric, total: PyrraMetric, grouping: Grouping }).strict().optional(),
      latencyNative: z.object({ latency: PromDuration, total: PyrraMetric, grouping: Grouping }).strict().optional(),
      bool_gauge: z.object({ metric: z.string().trim().min(1), grouping: Grouping }).strict().optional(),
    }).strict().refine((i) => Object.values(i).filter((v) => v !== undefined).length === 1, 'exactly one of ratio, latency, latencyNative or bool_gauge'),
    alerting: z.object({
      disabled: z.boolean().optional(),
      burnrates: z.boolean().optional(),
      absent: z.boolean().optional(),
      name: z.string().optional(),
      absentName: z.string().optional(),
      severities: z.object({ fastBurn: z.string(), mediumBurn: z.string(), slowBurn: z.string(), longTermBurn: z.string(), absent: z.string() }).partial().strict().optional(),
    }).strict().optional(),
    partial_response_strategy: z.enum(['abort', 'warn', '']).optional(),
    performanceOverAccuracy: z.boolean().optional(),
    ruleOutput: z.object({ enableDescriptionAsLabel: z.boolean(), longRulesLabels: z.record(z.string(), z.string()), shortRulesLabels: z.record(z.string(), z.string()) }).partial().strict().optional(),
  }).strict(),
  status: z.unknown().optional(),
}).strict();
export type PyrraSlo = z.infer<typeof PyrraSlo>;

/** A Grafana dashboard JSON as SLO-Scout writes it: enough to catch a truncated or hand-broken file. */
export const GrafanaDashboard = z.looseObject({
  uid: z.string().max(40, 'Grafana dashboard uids are at most 40 characters').optional(),
  title: z.string().min(1),
  panels: z.array(z.looseObject({ type: z.string().min(1) })),
  schemaVersion: z.number().int().optional(),
});
