import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SloScoutConfig } from '../../app/config/schema.js';
import { DAY, fleetHistories } from '../../app/core/fleet/index.js';
import { recommend } from '../../app/core/recommend/index.js';
import type { Report } from '../../app/core/report.js';
import { fixedClock } from '../../app/deps.js';
import { createEngine } from '../../app/engine.js';
import { configEnvPolicyFromEnv } from '../../app/config/env-policy.js';
import { parseAllowedHosts } from '../../app/telemetry/outbound.js';
import { silentLogger } from '../../app/logger.js';
import { GitHubPlatform } from '../../app/vcs/github.js';
import { ensurePullRequest } from '../../app/vcs/pr.js';
import { testOctokit } from '../helpers/app-stack.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';

const trust = { env: configEnvPolicyFromEnv(undefined), outbound: parseAllowedHosts(undefined) };

const API = 'https://api.github.com';
const end = Date.UTC(2026, 10, 28) / 1000;
const repo = { owner: 'acme', repo: 'slos' };
const branchFor = (service: string) => `slo-scout/${service}`;

function demoReport(): Report {
  const histories = fleetHistories({ seed: 3, end, days: 28, stepSeconds: 3600 }, { breachWindowSeconds: DAY }).filter((h) => h.service === 'payments');
  const r = recommend(histories, { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, bootstrapDraws: 200 });
  return {
    generatedAt: '2026-11-28T00:00:00Z', window: '28d', breachWindow: '1d', end: '2026-11-28T00:00:00Z',
    proposals: r.proposals, skipped: r.skipped, calibration: r.calibration, timings: { totalSeconds: 1, prometheusSeconds: 0, queries: 0 },
  };
}

const images = (body: string) => [...body.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);

let platform: GitHubPlatform;
beforeAll(() => {
  setupHttpMock();
  platform = new GitHubPlatform(testOctokit(), 'slo-scout[bot]');
});
afterEach(() => assertHttpMocksDone());
afterAll(() => teardownHttpMock());

describe('charts in a real PR body', () => {
  const engine = createEngine({ logger: silentLogger, clock: fixedClock(new Date(end * 1000)), env: {}, trust });
  const report = demoReport();
  const config = SloScoutConfig.parse({});

  it('links every committed SVG (per SLO and the burn chart) at the path of the file the GitHub API request creates, on the PR head branch', async () => {
    const [rendered] = engine.render(report, { config, variants: {}, target: { platform: 'github', repo, branchFor } });
    const urls = images(rendered!.body);
    const svgs = rendered!.files.filter((f) => f.path.endsWith('.svg')).map((f) => f.path);
    expect(svgs.length).toBe(report.proposals.length + 1);
    expect(urls.length).toBe(svgs.length);
    let treePaths: string[] = [];
    nock(API)
      .get('/repos/acme/slos').reply(200, { default_branch: 'main' })
      .get('/repos/acme/slos/pulls').query(true).reply(200, [])
      .get('/repos/acme/slos/compare/main...slo-scout%2Fpayments').query(true).reply(404, { message: 'Not Found' })
      .get('/repos/acme/slos/git/ref/heads%2Fmain').reply(200, { ref: 'refs/heads/main', object: { sha: 'base1', type: 'commit' } })
      .get('/repos/acme/slos/git/commits/base1').reply(200, { sha: 'base1', tree: { sha: 'tree0' } })
      .post('/repos/acme/slos/git/trees', (b: { tree: Array<{ path: string }> }) => { treePaths = b.tree.map((t) => t.path); return true; }).reply(201, { sha: 'tree1' })
      .post('/repos/acme/slos/git/commits').reply(201, { sha: 'commit1' })
      .patch('/repos/acme/slos/git/refs/heads%2Fslo-scout%2Fpayments').reply(422, { message: 'Reference does not exist' })
      .post('/repos/acme/slos/git/refs', { ref: 'refs/heads/slo-scout/payments', sha: 'commit1' }).reply(201, {});
    let prBody = '';
    let head = '';
    nock(API).post('/repos/acme/slos/pulls', (b: { body: string; head: string }) => { prBody = b.body; head = b.head; return true; })
      .reply(201, { number: 7, state: 'open', title: 't', body: '', html_url: 'https://github.com/acme/slos/pull/7', head: { ref: 'slo-scout/payments', sha: 'commit1', repo: { full_name: 'acme/slos' } }, base: { ref: 'main', repo: { full_name: 'acme/slos' } } });
    await ensurePullRequest(platform, repo, { branch: branchFor('payments'), title: rendered!.title, body: rendered!.body, files: rendered!.files, labels: [] }, silentLogger);
    const prefix = `https://github.com/acme/slos/blob/${head}/`;
    const linked = images(prBody).map((u) => {
      expect(u.startsWith(prefix)).toBe(true);
      expect(u.endsWith('?raw=true')).toBe(true);
      return decodeURIComponent(u.slice(prefix.length, -'?raw=true'.length));
    });
    expect(linked.sort()).toEqual(svgs.sort());
    for (const path of linked) expect(treePaths).toContain(path);
    expect(linked.some((p) => p.endsWith('/budget-burn.svg'))).toBe(true);
  });

  it('uses GitLab raw URLs on the MR branch of a self-managed GitLab', () => {
    const gl = createEngine({ logger: silentLogger, clock: fixedClock(new Date(end * 1000)), env: { GITLAB_URL: 'https://gitlab.example.com/' }, trust });
    const [rendered] = gl.render(report, { config, variants: {}, target: { platform: 'gitlab', repo: { owner: 'group/sub', repo: 'slos' }, branchFor } });
    const paths = new Set(rendered!.files.map((f) => f.path));
    for (const u of images(rendered!.body)) {
      expect(u.startsWith('https://gitlab.example.com/group/sub/slos/-/raw/slo-scout/payments/')).toBe(true);
      expect(paths.has(decodeURIComponent(u.slice('https://gitlab.example.com/group/sub/slos/-/raw/slo-scout/payments/'.length)))).toBe(true);
    }
  });

  it('shows no chart without a target (nothing to link to)', () => {
    const [rendered] = engine.render(report, { config, variants: {} });
    expect(images(rendered!.body)).toEqual([]);
  });
});
