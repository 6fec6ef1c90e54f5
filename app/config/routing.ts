import { z } from 'zod';

/**
 * `routing:` in `.slo-scout.yml`: the labels and annotations every generated alert, recording rule
 * and SLO object carries, so Alertmanager can route pages to the owning team and the page links to
 * its runbook and dashboard. Set at the top, per service and per SLO (the more specific wins).
 */

/** Placeholders a URL template may use; values are URL-encoded when substituted. */
export const ROUTING_PLACEHOLDERS = ['service', 'slo', 'sli', 'endpoint', 'team', 'dashboard_uid'] as const;

const LabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*), e.g. team');
const UrlTemplate = z.string().max(2000).superRefine((t, ctx) => {
  for (const m of t.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!(ROUTING_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
      ctx.addIssue({ code: 'custom', message: `unknown placeholder {{${m[1]}}}: use ${ROUTING_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}` });
    }
  }
  if (!/^https?:\/\//.test(t)) ctx.addIssue({ code: 'custom', message: 'an http(s) URL template, e.g. https://runbooks.example.com/{{service}}/{{slo}}' });
});

export const RouteSet = z.object({
  /** Extra labels on alerts and SLO objects, e.g. `{ team: payments, tier: "1" }`. */
  labels: z.record(LabelName, z.string().max(200)).optional(),
  /** Extra annotations on alerts, e.g. `{ slack_channel: "#payments-oncall" }`. */
  annotations: z.record(LabelName, z.string().max(2000)).optional(),
  runbook_url: UrlTemplate.optional(),
  dashboard_url: UrlTemplate.optional(),
}).strict();
export type RouteSet = z.infer<typeof RouteSet>;

export const Routing = RouteSet.extend({
  /** Per service name (as in the report), overriding the top level. */
  services: z.record(z.string(), RouteSet).default({}),
  /** Per SLO id, overriding the service. */
  slos: z.record(z.string(), RouteSet).default({}),
  /** Fill the team label from the CODEOWNERS owner of the SLO's files when no label sets it. */
  codeowners: z.boolean().default(true),
  /** Name of the team label (kube-prometheus and many Alertmanager trees route on `team`). */
  teamLabel: LabelName.default('team'),
}).strict();
export type Routing = z.infer<typeof Routing>;
export const ROUTING_DEFAULTS: Routing = Routing.parse({});

/** prometheus-operator selects PrometheusRule objects by namespace and labels (kube-prometheus-stack: `release: <helm release>`). */
export const PrometheusRuleOutput = z.object({
  namespace: z.string().max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Kubernetes namespace (RFC 1123 label), e.g. monitoring').optional(),
  labels: z.record(z.string().max(253), z.string().max(63)).default({}),
}).strict();
export type PrometheusRuleOutput = z.infer<typeof PrometheusRuleOutput>;
