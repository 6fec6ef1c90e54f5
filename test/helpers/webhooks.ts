/** Real webhook payloads (@octokit/webhooks-examples) and real X-Hub-Signature-256 signatures. */
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as { name: string; examples: Record<string, unknown>[] }[];

export function example(event: string, pick: (e: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const found = examples.find((x) => x.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for ${event}`);
  return structuredClone(found);
}

/** An `issue_comment.created` on a pull request with the given body, from the real example. */
export function prCommentPayload(body: string, opts: { login?: string; installationId?: number; number?: number } = {}): Record<string, unknown> {
  const p = example('issue_comment', (e) => e.action === 'created' && 'installation' in e) as {
    issue: Record<string, unknown>; comment: Record<string, unknown>; installation: { id: number }; [k: string]: unknown;
  };
  p.issue.pull_request = { url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${opts.number ?? 1}` };
  p.issue.number = opts.number ?? 1;
  p.comment.body = body;
  if (opts.login) (p.comment.user as { login: string }).login = opts.login;
  if (opts.installationId) p.installation.id = opts.installationId;
  return p;
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function postWebhook(baseUrl: string, event: string, payload: unknown, options: { secret: string; deliveryId?: string; signature?: string; path?: string }): Promise<{ status: number; deliveryId: string; text: string }> {
  const body = JSON.stringify(payload);
  const deliveryId = options.deliveryId ?? randomUUID();
  const res = await fetch(`${baseUrl}${options.path ?? '/api/github/webhooks'}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': options.signature ?? sign(options.secret, body),
    },
    body,
  });
  return { status: res.status, deliveryId, text: await res.text() };
}
