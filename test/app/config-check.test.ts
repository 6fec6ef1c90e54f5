import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { CONFIG_CHECK_NAME, runConfigCheck } from '../../app/config-check.js';
import { syncSchedule, schedulerId } from '../../app/schedule.js';
import { Schedule } from '../../app/config/app.js';
import { GitHubPlatform } from '../../app/vcs/github.js';
import { createRedis, Queues } from '../../app/queues.js';
import { testOctokit } from '../helpers/app-stack.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const API = 'https://api.github.com';
const repo = { owner: 'acme', repo: 'slos' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

let platform: GitHubPlatform;
beforeAll(() => {
  setupHttpMock();
  platform = new GitHubPlatform(testOctokit(), 'slo-scout[bot]');
});
afterEach(() => assertHttpMocksDone());
afterAll(() => teardownHttpMock());

describe('the "SLO-Scout config" check run', () => {
  it('fails with an annotation at file:line:col that says how to fix the key', async () => {
    nock(API)
      .get('/repos/acme/slos/contents/.slo-scout.yml').query({ ref: 'sha1' }).reply(200, { type: 'file', encoding: 'base64', content: b64('version: 1\nschedule:\n  cron: "every monday"\n') })
      .post('/repos/acme/slos/check-runs', (b) => {
        const a = b.output.annotations?.[0];
        return b.name === CONFIG_CHECK_NAME && b.head_sha === 'sha1' && b.conclusion === 'failure'
          && a?.path === '.slo-scout.yml' && a.start_line === 3 && /cron expression with five fields/.test(a.message)
          && b.output.summary.includes('.slo-scout.yml:3:');
      }).reply(201, {});
    expect(await runConfigCheck(platform, repo, 'sha1')).toBe('failure');
  });

  it('succeeds for a valid config', async () => {
    nock(API)
      .get('/repos/acme/slos/contents/.slo-scout.yml').query({ ref: 'sha2' }).reply(200, { type: 'file', encoding: 'base64', content: b64('version: 1\n') })
      .post('/repos/acme/slos/check-runs', (b) => b.conclusion === 'success' && b.name === CONFIG_CHECK_NAME).reply(201, {});
    expect(await runConfigCheck(platform, repo, 'sha2')).toBe('success');
  });

  it('creates no check run when the repo has no config file', async () => {
    for (const name of ['.slo-scout.yml', '.slo-scout.yaml', 'slo-scout.yml', 'slo-scout.yaml']) {
      nock(API).get(`/repos/acme/slos/contents/${name}`).query({ ref: 'sha3' }).reply(404, { message: 'Not Found' });
    }
    expect(await runConfigCheck(platform, repo, 'sha3')).toBe('no-config');
  });
});

describe('per-repo schedule', () => {
  it('a config change replaces the repo schedule instead of adding one, and disabling removes it', async () => {
    const connection = createRedis(REDIS_URL);
    const prefix = uniquePrefix('sched');
    const queues = new Queues({ connection, prefix });
    const target = { platform: 'github' as const, ...repo, installationId: 9 };
    try {
      await syncSchedule(queues, target, Schedule.parse({ cron: '0 6 * * 1' }));
      await syncSchedule(queues, target, Schedule.parse({ cron: '30 7 * * *', timezone: 'Europe/Berlin' }));
      const q = queues.get('analyze') as Queue;
      const schedulers = await q.getJobSchedulers();
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({ key: schedulerId('github', 'acme', 'slos'), pattern: '30 7 * * *', tz: 'Europe/Berlin' });
      expect(await syncSchedule(queues, target, Schedule.parse({ enabled: false }))).toBe('removed');
      expect(await q.getJobSchedulers()).toHaveLength(0);
      await q.obliterate({ force: true });
    } finally {
      await queues.close();
      connection.disconnect();
    }
  });
});
