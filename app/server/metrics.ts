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
  gitlabApiCalls: Counter<'method' | 'route' | 'status'>;
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
    gitlabApiCalls: new Counter({ name: 'slo_scout_gitlab_api_calls_total', help: 'GitLab API calls by HTTP method, route template (projects/:id/merge_requests/:iid/notes) and status class (2xx, 4xx, 5xx; error when no HTTP answer).', labelNames: ['method', 'route', 'status'], registers }),
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

/** After these GitLab collections the next path segment is an id, a path or a ref: a placeholder. */
const GITLAB_PARAM_AFTER: Record<string, string> = {
  projects: ':id', groups: ':id', users: ':user_id', merge_requests: ':iid', issues: ':iid', notes: ':note_id', award_emoji: ':award_id',
  statuses: ':sha', commits: ':sha', files: ':file_path', branches: ':branch', tags: ':tag', discussions: ':discussion_id', pipelines: ':pipeline_id',
};

/**
 * A gitbeaker endpoint (`projects/acme%2Ffleet/merge_requests/7/notes?x=1`) as a low-cardinality
 * route template (`projects/:id/merge_requests/:iid/notes`): every segment that names one object
 * (after a collection, or anything that is not a plain lower-case word) becomes a placeholder,
 * so no project, branch, file or user ever becomes a label value.
 */
export function gitlabRoute(endpoint: string): string {
  const segments = endpoint.split(/[?#]/, 1)[0]!.replace(/^\/+|\/+$/g, '').replace(/^api\/v4\//, '').split('/').slice(0, 8);
  return segments.map((seg, i) => {
    const prev = segments[i - 1];
    // `members/all/:user_id`: `all` is a word of the route, not a member.
    if (prev === 'members' && seg === 'all') return seg;
    if (prev !== undefined && GITLAB_PARAM_AFTER[prev]) return GITLAB_PARAM_AFTER[prev];
    return /^[a-z][a-z_]*$/.test(seg) ? seg : ':param';
  }).join('/');
}

/** Records one GitLab API call; `status` 0 means no HTTP answer (network error, timeout, retries exhausted). */
export function recordGitLabCall(metrics: Metrics, method: string, endpoint: string, status: number): void {
  metrics.gitlabApiCalls.inc({ method: method.toUpperCase(), route: gitlabRoute(endpoint), status: status >= 100 ? `${Math.floor(status / 100)}xx` : 'error' });
}
