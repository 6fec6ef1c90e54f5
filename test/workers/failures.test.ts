/**
 * Issue 10, item 6: failures reach the user. A failed analysis edits its status comment in place
 * with the cause and what to do; every GitHub call of the Policy Guard's client is counted.
 */
import { describe, it, expect, afterEach } from 'vitest';
import nock from 'nock';
import { UnrecoverableError } from 'bullmq';
import { onAnalyzeFailed } from '../../workers/analyze.js';
import { instrument } from '../../app/server/github-app.js';
import { createMetrics } from '../../app/server/metrics.js';
import { githubPolicyVcs, type OctokitLike } from '../../app/policy/github.js';
import { testOctokit } from '../helpers/app-stack.js';
import { topicMarker } from '../../app/vcs/pr.js';
import { silentLogger } from '../../app/logger.js';
import type { CommentInfo, Platform } from '../../app/vcs/platform.js';
import type { WorkerDeps } from '../../app/ports.js';

afterEach(() => { nock.cleanAll(); });

function platformWith(comments: CommentInfo[]): Platform {
  return {
    kind: 'github', botLogin: 'slo-scout[bot]',
    listComments: async () => comments,
    createComment: async (_r: unknown, _n: number, body: string) => { const c = { id: comments.length + 1, body, authorLogin: 'slo-scout[bot]' }; comments.push(c); return c; },
    updateComment: async (_r: unknown, id: number, body: string) => { comments.find((c) => c.id === id)!.body = body; },
  } as unknown as Platform;
}

describe('a failed analysis edits the status comment in place', () => {
  it('"re-analysis queued" becomes the cause and what to do (transient failure after every retry)', async () => {
    const comments: CommentInfo[] = [{ id: 1, body: `${topicMarker('rerun')}\n@alice re-analysis queued; …\n`, authorLogin: 'slo-scout[bot]' }];
    const deps = { platformFor: async () => platformWith(comments), logger: silentLogger } as unknown as WorkerDeps;
    await onAnalyzeFailed({ owner: 'acme', repo: 'slos', installationId: 1, prNumber: 7, reason: 'command' }, new Error('prometheus http://prom:9090 answered 503 Service Unavailable'), deps);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('could not analyse acme/slos');
    expect(comments[0]!.body).toContain('503 Service Unavailable');
    expect(comments[0]!.body).toContain('/slo-scout rerun');
    expect(comments[0]!.body).not.toContain('re-analysis queued');
  });

  it('a permanent failure (invalid config) says what to fix; a variant switch answers in its own topic', async () => {
    const comments: CommentInfo[] = [{ id: 1, body: `${topicMarker('variant')}\nswitching…\n`, authorLogin: 'slo-scout[bot]' }];
    const deps = { platformFor: async () => platformWith(comments), logger: silentLogger } as unknown as WorkerDeps;
    await onAnalyzeFailed({ owner: 'acme', repo: 'slos', prNumber: 7, reuseReport: true }, new UnrecoverableError('`.slo-scout.yml` on the default branch is invalid: - `.slo-scout.yml:3:5 …`'), deps);
    expect(comments[0]!.body).toMatch(/could not analyse acme\/slos: `\.slo-scout\.yml` on the default branch is invalid/);
  });

  it('a bug (TypeError) says it is an internal error, not a datasource problem to check', async () => {
    const comments: CommentInfo[] = [{ id: 1, body: `${topicMarker('rerun')}\n@alice re-analysis queued; …\n`, authorLogin: 'slo-scout[bot]' }];
    const deps = { platformFor: async () => platformWith(comments), logger: silentLogger } as unknown as WorkerDeps;
    await onAnalyzeFailed({ owner: 'acme', repo: 'slos', installationId: 1, prNumber: 7, reason: 'command' }, new TypeError("Cannot read properties of undefined (reading 'p99')"), deps);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("Cause: `TypeError: Cannot read properties of undefined (reading 'p99')`");
    expect(comments[0]!.body).toContain('bug in SLO-Scout');
    expect(comments[0]!.body).not.toContain('check that the datasources');
  });

  it('a scheduled analysis (no PR) writes no comment', async () => {
    let asked = false;
    await onAnalyzeFailed({ owner: 'acme', repo: 'slos', reason: 'schedule' }, new Error('x'), { platformFor: async () => { asked = true; return platformWith([]); }, logger: silentLogger } as unknown as WorkerDeps);
    expect(asked).toBe(false);
  });
});

describe('GitHub calls are counted', () => {
  it('the Policy Guard client counts every call, failed ones by status', async () => {
    nock.disableNetConnect();
    nock('https://api.github.com')
      .get('/repos/acme/slos/pulls/3').reply(200, { number: 3, state: 'open', head: { sha: 'h' }, base: { sha: 'b' }, user: { login: 'carol' }, html_url: 'u' }, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-resource': 'core' })
      .get('/repos/acme/slos/pulls/3/reviews').query(true).reply(500, { message: 'boom' });
    const metrics = createMetrics();
    const vcs = githubPolicyVcs(instrument(testOctokit(), metrics) as unknown as OctokitLike);
    await vcs.getPullRequest('acme/slos', 3);
    await expect(vcs.listReviews('acme/slos', 3)).rejects.toThrow(/failed with HTTP 500/);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/slo_scout_github_api_calls_total\{method="GET",status="200"\} 1/);
    expect(text).toMatch(/slo_scout_github_api_calls_total\{method="GET",status="500"\} 1/);
    expect(text).toMatch(/slo_scout_github_rate_limit_remaining\{resource="core"\} 4999/);
    nock.enableNetConnect();
  });
});
