import { DEFAULT_ROUTE_EXCLUDE } from '../../config/analysis.js';
import type { SloScoutConfig } from '../../config/schema.js';
import { resolveSecret } from '../../config/secret.js';
import type { Logger } from '../../logger.js';
import { TempoClient } from '../tempo/client.js';
import { basicAuth, bearerAuth, PrometheusClient } from './client.js';
import { PrometheusHistorySource } from './source.js';

type Env = Record<string, string | undefined>;

/** The Prometheus HistorySource a `.slo-scout.yml` describes; secrets come from `env`. */
export function prometheusSourceFromConfig(config: SloScoutConfig, options: { env: Env; logger: Logger; url?: string; fetch?: typeof fetch; maxResponseBytes?: number }): PrometheusHistorySource {
  const ds = config.datasources.prometheus;
  const url = options.url ?? ds?.url;
  if (!url) throw new Error('no Prometheus URL: pass --prometheus URL or set datasources.prometheus.url in .slo-scout.yml');
  let authorization: string | undefined;
  const auth = ds?.auth;
  if (auth && 'bearerToken' in auth) authorization = bearerAuth(resolveSecret(auth.bearerToken, options.env, 'datasources.prometheus.auth.bearerToken')!);
  if (auth && 'basic' in auth) authorization = basicAuth(auth.basic.username, resolveSecret(auth.basic.password, options.env, 'datasources.prometheus.auth.basic.password')!);
  const client = new PrometheusClient({
    url,
    ...(authorization ? { authorization } : {}),
    ...(ds?.headers ? { headers: ds.headers } : {}),
    timeoutSeconds: ds?.timeoutSeconds ?? 60,
    concurrency: ds?.concurrency ?? 4,
    compression: ds?.compression ?? 'auto',
    logger: options.logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.maxResponseBytes ? { maxResponseBytes: options.maxResponseBytes } : {}),
  });
  const m = config.metrics;
  return new PrometheusHistorySource({
    client,
    metrics: {
      histogram: m.histogram,
      labels: m.labels,
      errorStatusRegex: m.errorStatusRegex,
      ...(m.versionLabel ? { versionLabel: m.versionLabel } : {}),
      ...(m.replicas ? { replicas: m.replicas } : {}),
      ...(m.matchers ? { matchers: m.matchers } : {}),
    },
    services: config.services,
    // Health checks are excluded unless the config lists its own route excludes (docs/configuration.md).
    routes: config.routes,
    defaultRouteExclude: DEFAULT_ROUTE_EXCLUDE,
    logger: options.logger,
  });
}

export function tempoClientFromConfig(config: SloScoutConfig, options: { env: Env; logger: Logger; url?: string; fetch?: typeof fetch; maxResponseBytes?: number }): TempoClient | undefined {
  const ds = config.datasources.tempo;
  const url = options.url ?? ds?.url;
  if (!url) return undefined;
  const token = resolveSecret(ds?.auth?.bearerToken, options.env, 'datasources.tempo.auth.bearerToken');
  return new TempoClient({
    url,
    ...(ds?.headers ? { headers: ds.headers } : {}),
    ...(token ? { authorization: bearerAuth(token) } : {}),
    logger: options.logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.maxResponseBytes ? { maxResponseBytes: options.maxResponseBytes } : {}),
  });
}
