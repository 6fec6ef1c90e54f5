import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsEqual } from '../../app/vcs/gitlab-webhook.js';
import { GITLAB_WEBHOOK_SECRET, startTestStack, type TestStack } from '../helpers/app-stack.js';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack(); });
afterAll(async () => { await stack?.close(); });

// Shaped like GitLab's "Comment on merge request" webhook example (docs: Webhook events -> Comment events).
const notePayload = {
  object_kind: 'note', event_type: 'note',
  user: { id: 1, name: 'Administrator', username: 'root' },
  project_id: 5,
  project: { id: 5, name: 'slos', path_with_namespace: 'acme/slos', default_branch: 'main' },
  object_attributes: { id: 1244, note: '/slo-scout help', noteable_type: 'MergeRequest', author_id: 1, action: 'create' },
  merge_request: { id: 7, iid: 1, source_branch: 'slo-scout/checkout', target_branch: 'main', source_project_id: 5, target_project_id: 5 },
};

async function post(token: string | null, uuid = randomUUID(), event = 'Note Hook') {
  const res = await fetch(`${stack.app.url}/api/gitlab/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-event-uuid': uuid, ...(token === null ? {} : { 'x-gitlab-token': token }) },
    body: JSON.stringify(notePayload),
  });
  return { status: res.status, uuid };
}

describe('GitLab webhook route', () => {
  it('stores a note with the right token in the inbox as a gitlab delivery', async () => {
    const { status, uuid } = await post(GITLAB_WEBHOOK_SECRET);
    expect(status).toBe(200);
    expect(await stack.app.inbox.get(`gitlab-${uuid}`)).toMatchObject({ platform: 'gitlab', event: 'Note Hook', action: 'create', repo: 'acme/slos' });
  });

  it.each([
    { name: 'a wrong token is refused', token: 'nope' },
    { name: 'a token that is a prefix of the secret is refused', token: GITLAB_WEBHOOK_SECRET.slice(0, 5) },
    { name: 'a missing token is refused', token: null },
  ])('$name and nothing is stored', async ({ token }) => {
    const { status, uuid } = await post(token);
    expect(status).toBe(401);
    expect(await stack.app.inbox.get(`gitlab-${uuid}`)).toBeNull();
  });

  it('a redelivery with the same X-Gitlab-Event-UUID is stored once', async () => {
    const uuid = randomUUID();
    await post(GITLAB_WEBHOOK_SECRET, uuid);
    await post(GITLAB_WEBHOOK_SECRET, uuid);
    const { rows } = await stack.db.pool.query('SELECT count(*)::int AS n FROM webhook_inbox WHERE delivery_id = $1', [`gitlab-${uuid}`]);
    expect(rows[0].n).toBe(1);
  });

  it('compares secrets of different lengths without throwing', () => {
    expect(secretsEqual('a', 'abc')).toBe(false);
    expect(secretsEqual('abc', 'abc')).toBe(true);
  });
});
