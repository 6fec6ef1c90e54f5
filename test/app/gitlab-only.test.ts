import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvError, githubAppConfigured, parseEnv } from '../../app/config/env.js';
import { GITLAB_WEBHOOK_SECRET, startTestStack, type TestStack } from '../helpers/app-stack.js';

const GITLAB = { GITLAB_TOKEN: 'glpat-x', GITLAB_WEBHOOK_SECRET: 'tok', DATABASE_URL: 'postgres://localhost/x' };

describe('a GitLab-only install needs only the GitLab variables', () => {
  it('serve and worker accept GITLAB_TOKEN + GITLAB_WEBHOOK_SECRET without any GitHub App variable', () => {
    const env = parseEnv(GITLAB, ['platform', 'database']);
    expect(githubAppConfigured(env)).toBe(false);
  });

  it('with neither platform the error names the GitHub variables and the GitLab alternative', () => {
    expect(() => parseEnv({ DATABASE_URL: 'postgres://localhost/x' }, ['platform', 'database'])).toThrow(EnvError);
    expect(() => parseEnv({ DATABASE_URL: 'postgres://localhost/x' }, ['platform'])).toThrow(/APP_ID is missing[\s\S]*GITLAB_TOKEN and GITLAB_WEBHOOK_SECRET/);
  });

  it('a half-configured GitHub App is still an error next to GitLab, naming what is missing', () => {
    expect(() => parseEnv({ ...GITLAB, APP_ID: '12' }, ['platform'])).toThrow(/PRIVATE_KEY is missing[\s\S]*WEBHOOK_SECRET is missing/);
  });
});

describe('serve without a GitHub App', () => {
  let stack: TestStack;
  beforeAll(async () => { stack = await startTestStack({ github: false }); });
  afterAll(async () => { await stack?.close(); });

  it('takes GitLab webhooks and answers 404 on the GitHub webhook path', async () => {
    const uuid = randomUUID();
    const gitlab = await fetch(`${stack.app.url}/api/gitlab/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Note Hook', 'x-gitlab-event-uuid': uuid, 'x-gitlab-token': GITLAB_WEBHOOK_SECRET },
      body: JSON.stringify({ object_kind: 'note', project: { path_with_namespace: 'acme/slos' }, object_attributes: { note: '/slo-scout help', noteable_type: 'MergeRequest', action: 'create' }, merge_request: { iid: 1 } }),
    });
    expect(gitlab.status).toBe(200);
    expect(await stack.app.inbox.get(`gitlab-${uuid}`)).toMatchObject({ platform: 'gitlab' });
    const github = await fetch(`${stack.app.url}/api/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'ping' }, body: '{}' });
    expect(github.status).toBe(404);
    expect((await fetch(`${stack.app.url}/healthz`)).status).toBe(200);
  });
});
