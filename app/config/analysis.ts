import { z } from 'zod';
import { PrometheusRuleOutput } from './routing.js';
import { SecretRef } from './secret.js';
import { OUTPUT_PATH_HINT, outputPathProblem } from '../export/confine.js';

/** Sections of `.slo-scout.yml` the analysis (CLI `analyze`, the app's scheduled runs) reads. */

const Url = z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. http://prometheus:9090' });
const Duration = z.string().regex(/^(?:\d+(?:ms|s|m|h|d|w|y))+$/, 'a Prometheus duration such as 28d, 1d, 6h or 30m');
const Headers = z.record(z.string(), z.string()).describe('Extra HTTP headers, e.g. X-Scope-OrgID for Mimir/Cortex tenants');

export const PrometheusDatasource = z.object({
  url: Url,
  auth: z.union([
    z.object({ bearerToken: SecretRef }).strict(),
    z.object({ basic: z.object({ username: z.string().min(1), password: SecretRef }).strict() }).strict(),
  ], { error: 'write either `bearerToken: { env: VAR }` or `basic: { username: ..., password: { env: VAR } }`' }).optional(),
  headers: Headers.optional(),
  timeoutSeconds: z.number().positive().max(600).default(60),
  /** Parallel queries in flight; Prometheus serves ~20 concurrent queries by default (--query.max-concurrency). */
  concurrency: z.number().int().min(1).max(32).default(4),
  /**
   * Reply compression: gzip costs both Prometheus and us CPU and saves only network time, so `auto`
   * asks for uncompressed replies from a loopback host (bench/compression.ts) and gzip otherwise.
   */
  compression: z.enum(['auto', 'gzip', 'identity']).default('auto').describe('auto: uncompressed replies from a loopback Prometheus (localhost, 127.0.0.0/8, ::1), gzip from any other host'),
}).strict();
export type PrometheusDatasource = z.infer<typeof PrometheusDatasource>;

export const TempoDatasource = z.object({
  url: Url,
  headers: Headers.optional(),
  auth: z.object({ bearerToken: SecretRef }).strict().optional(),
}).strict();
export type TempoDatasource = z.infer<typeof TempoDatasource>;

export const GrafanaDatasource = z.object({
  url: Url,
  /** Datasource UID of Prometheus in Grafana, used in Explore links. */
  datasourceUid: z.string().optional(),
  tempoDatasourceUid: z.string().optional(),
}).strict();
export type GrafanaDatasource = z.infer<typeof GrafanaDatasource>;

export const Datasources = z.object({
  prometheus: PrometheusDatasource.optional(),
  tempo: TempoDatasource.optional(),
  grafana: GrafanaDatasource.optional(),
}).strict();
export type Datasources = z.infer<typeof Datasources>;

const LabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');

export const Metrics = z.object({
  /** Histogram base name; `_bucket`, `_count` and `_sum` are appended. Defaults follow OTel HTTP semconv. */
  histogram: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus metric name without _bucket/_count').default('http_server_request_duration_seconds'),
  labels: z.object({
    service: LabelName.default('service_name'),
    /** Set to null for setups without a route label: one whole-service SLI per service. */
    route: LabelName.nullable().default('http_route'),
    status: LabelName.default('http_response_status_code'),
  }).strict().default({ service: 'service_name', route: 'http_route', status: 'http_response_status_code' }),
  /** Status codes that count as bad events for availability. */
  errorStatusRegex: z.string().default('5..'),
  /** Label carrying the deployed version (e.g. service_version); enables version spans. */
  versionLabel: LabelName.optional(),
  /** PromQL giving the replica count per service, e.g. `count by (service_name) (up{job=~".+"})`. */
  replicas: z.string().optional(),
  /** Extra label matchers added to every selector, e.g. `{ env: "prod" }`. */
  matchers: z.record(LabelName, z.string()).optional(),
}).strict();
export type Metrics = z.infer<typeof Metrics>;

/** Liveness / readiness probes are not user traffic: excluded unless the config says otherwise. */
export const DEFAULT_ROUTE_EXCLUDE = ['**/health*', '**/healthz', '**/livez', '**/readyz', '**/ready', '**/ping', '**/metrics', '**/status'];

const Globs = z.array(z.string().min(1));
export const Filter = z.object({ include: Globs.optional(), exclude: Globs.optional() }).strict();
export type Filter = z.infer<typeof Filter>;

export const Percentiles = z.object({
  conservative: z.number().gt(0).lt(100).default(99.9),
  balanced: z.number().gt(0).lt(100).default(99),
  aggressive: z.number().gt(0).lt(100).default(95),
}).strict();
export type Percentiles = z.infer<typeof Percentiles>;

/**
 * The replay of each SLO's page and ticket alerts over the history (docs/recommendation.md). It costs
 * a few range queries per 50 endpoints at 5-minute resolution and ~1 ms of CPU per SLO and replayed
 * day; `maxSlos` bounds it on a very large fleet (the first SLOs in report order are replayed).
 */
export const AlertReplaySettings = z.object({
  enabled: z.boolean().default(true),
  maxSlos: z.number().int().min(1).max(100_000).default(1000),
  /**
   * Screen SLOs with hourly sums first and fetch 5-minute series only for those that may fire (same
   * results): this process decodes ~1/3 of the points, but Prometheus evaluates 2-6x more (docs/cli.md),
   * so it is off by default; worth it only where the transfer, not Prometheus, is the bottleneck.
   */
  screen: z.boolean().default(false),
}).strict();

export const Analysis = z.object({
  window: Duration.default('28d'),
  breachWindow: Duration.default('1d'),
  /** SLO period the objectives are written for; defaults to the analysis window. */
  period: Duration.optional(),
  percentiles: Percentiles.default({ conservative: 99.9, balanced: 99, aggressive: 95 }),
  selectedVariant: z.enum(['conservative', 'balanced', 'aggressive']).default('balanced'),
  alertReplay: AlertReplaySettings.default({ enabled: true, maxSlos: 1000, screen: false }),
  /**
   * Hourly series beside the breach windows: the trend detection fits latency against load within
   * each day on them (the queue model and the load elasticity, docs/recommendation.md). They are 24x
   * the points of daily windows. `auto` fetches them only for the services whose traffic trends (the
   * only ones whose proposals they change); `true` for every service (the what-if simulator also
   * steps through them); `false` never (trends are projected as drift).
   */
  hourly: z.union([z.literal('auto'), z.boolean()], { error: 'auto, true or false' }).default('auto')
    .describe('Hourly series: auto (only services whose traffic trends), true (every service), false (never)'),
}).strict();
export type Analysis = z.infer<typeof Analysis>;

export const OutputFormat = z.enum(['openslo', 'sloth', 'prometheus-rule-crd', 'pyrra']);
export type OutputFormat = z.infer<typeof OutputFormat>;

export const Output = z.object({
  format: OutputFormat.default('openslo'),
  path: z.string().min(1).refine((p) => outputPathProblem(p) === null, OUTPUT_PATH_HINT).default('slo-proposals'),
  /** Namespace and selector labels of PrometheusRule (and Pyrra) objects. */
  prometheusRule: PrometheusRuleOutput.default({ labels: {} }),
}).strict();
export type Output = z.infer<typeof Output>;
