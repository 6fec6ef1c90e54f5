/**
 * The app's own Prometheus metrics (prom-client), all prefixed `slo_scout_`. One Metrics object
 * per process with its own Registry (no global default registry: tests create many).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  webhooksReceived: Counter<'event' | 'outcome'>;
  jobsFinished: Counter<'queue' | 'state'>;
  jobDuration: Histogram<'queue' | 'state'>;
  jobsByState: Gauge<'queue' | 'state'>;
  githubApiCalls: Counter<'method' | 'status'>;
  githubRateLimitRemaining: Gauge<'resource'>;
  inboxPending: Gauge;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'slo_scout_' });
  const registers = [registry];
  return {
    registry,
    webhooksReceived: new Counter({ name: 'slo_scout_webhooks_received_total', help: 'Webhook deliveries received, by event and outcome (accepted, duplicate, refused, error).', labelNames: ['event', 'outcome'], registers }),
    jobsFinished: new Counter({ name: 'slo_scout_jobs_finished_total', help: 'Jobs finished by queue and final state of the attempt (completed, failed).', labelNames: ['queue', 'state'], registers }),
    // Analyses take seconds to minutes; buckets reach 10 minutes.
    jobDuration: new Histogram({ name: 'slo_scout_job_duration_seconds', help: 'Job attempt duration by queue and state.', labelNames: ['queue', 'state'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600], registers }),
    jobsByState: new Gauge({ name: 'slo_scout_jobs', help: 'Jobs in each queue by state (waiting, active, delayed, failed, completed), read from Redis at scrape time.', labelNames: ['queue', 'state'], registers }),
    githubApiCalls: new Counter({ name: 'slo_scout_github_api_calls_total', help: 'GitHub API requests by HTTP method and status.', labelNames: ['method', 'status'], registers }),
    githubRateLimitRemaining: new Gauge({ name: 'slo_scout_github_rate_limit_remaining', help: 'x-ratelimit-remaining of the last GitHub API response, by resource.', labelNames: ['resource'], registers }),
    inboxPending: new Gauge({ name: 'slo_scout_inbox_pending', help: 'Inbox deliveries accepted but not yet enqueued (Redis was unreachable).', registers }),
  };
}

/** Records one GitHub API response (called from an Octokit `after`/`error` hook). */
export function recordGitHubResponse(metrics: Metrics, method: string, status: number, headers: Record<string, unknown>): void {
  metrics.githubApiCalls.inc({ method, status: String(status) });
  const remaining = headers['x-ratelimit-remaining'];
  if (remaining !== undefined) {
    metrics.githubRateLimitRemaining.set({ resource: String(headers['x-ratelimit-resource'] ?? 'core') }, Number(remaining));
  }
}
