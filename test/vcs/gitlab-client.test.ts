import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { withGitlab } from '../../app/vcs/gitlab-client.js';
import type { Platform } from '../../app/vcs/platform.js';
import { GITLAB, gitlabScope, testGitlabApi } from '../helpers/gitlab.js';
import { assertHttpMocksDone, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';

beforeAll(() => setupHttpMock());
afterEach(() => assertHttpMocksDone());
afterAll(() => teardownHttpMock());

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { logger: createLogger({ level: 'info', destination }), lines };
}
const github = { kind: 'github' } as unknown as Platform;

describe('worker platform factory', () => {
  it('without GITLAB_TOKEN logs how to enable GitLab and fails GitLab jobs with the fix', async () => {
    const { logger, lines } = capture();
    const factory = withGitlab(async () => github, { GITLAB_URL: GITLAB }, logger);
    expect(lines.join('')).toMatch(/GitLab support off: set GITLAB_TOKEN/);
    await expect(factory('gitlab', undefined)).rejects.toThrow(/set GITLAB_TOKEN .* restart `slo-scout worker`/);
    expect(await factory('github', 1)).toBe(github);
  });

  it('with GITLAB_TOKEN reads the bot identity once from GET /user and builds the GitLab platform', async () => {
    const { logger } = capture();
    gitlabScope().get('/api/v4/user').once().reply(200, { id: 99, username: 'slo-scout-bot', name: 'SLO-Scout', state: 'active', commit_email: 'bot@acme.example' });
    const factory = withGitlab(async () => github, { GITLAB_URL: GITLAB, GITLAB_TOKEN: 'glpat-test' }, logger, testGitlabApi());
    const a = await factory('gitlab', undefined);
    const b = await factory('gitlab', undefined);
    expect(a).toBe(b);
    expect(a).toMatchObject({ kind: 'gitlab', botLogin: 'slo-scout-bot' });
  });

  it('a rejected token is a permanent error that names GITLAB_TOKEN', async () => {
    const { logger } = capture();
    gitlabScope().get('/api/v4/user').reply(401, { message: '401 Unauthorized' });
    const factory = withGitlab(async () => github, { GITLAB_URL: GITLAB, GITLAB_TOKEN: 'glpat-test' }, logger, testGitlabApi());
    await expect(factory('gitlab', undefined)).rejects.toThrow(/GitLab rejected GITLAB_TOKEN/);
  });
});
