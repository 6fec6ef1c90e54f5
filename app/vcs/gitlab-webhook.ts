/**
 * GitLab webhook route (`POST /api/gitlab/webhooks`): the shared secret in `X-Gitlab-Token` is
 * compared in constant time, then the delivery goes through the same durable intake as GitHub's
 * (inbox first, dedupe on `X-Gitlab-Event-UUID`). Without GITLAB_WEBHOOK_SECRET the route answers 404.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { errorResponse, type HttpRoute } from '../server/http.js';
import type { Intake } from '../server/intake.js';
import type { Logger } from '../logger.js';

// GitLab caps webhook payloads at 25 MB; SLO repos' notes and MRs are far smaller.
const MAX_BODY = 5 * 1024 * 1024;

/** Events the workers act on: notes (slash-commands), merge requests (config check), pushes (schedule). */
export const GITLAB_EVENTS = new Set(['Note Hook', 'Merge Request Hook', 'Push Hook']);

const Payload = z.object({
  object_kind: z.string(),
  // passthrough: the workers read more of the project (default_branch) from the stored payload.
  project: z.object({ path_with_namespace: z.string() }).passthrough().optional(),
  object_attributes: z.object({ action: z.string().optional() }).passthrough().optional(),
}).passthrough();

/** Constant-time comparison of two secrets of any length (hash first so lengths do not leak). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function gitlabWebhookRoute(deps: { secret?: string; intake: Intake; logger: Logger }): HttpRoute {
  return {
    method: 'POST',
    path: '/api/gitlab/webhooks',
    maxBodyBytes: MAX_BODY,
    async handle(req) {
      if (!deps.secret) return errorResponse(404, 'GitLab webhooks are disabled: set GITLAB_WEBHOOK_SECRET to enable them');
      const token = req.headers['x-gitlab-token'];
      if (!token || !secretsEqual(token, deps.secret)) return errorResponse(401, 'X-Gitlab-Token does not match GITLAB_WEBHOOK_SECRET; set the same secret token in the GitLab webhook settings');
      const event = req.headers['x-gitlab-event'];
      const deliveryId = req.headers['x-gitlab-event-uuid'];
      if (!event || !deliveryId) return errorResponse(400, 'X-Gitlab-Event and X-Gitlab-Event-UUID headers are required (GitLab 15.8+ sends both)');
      if (!GITLAB_EVENTS.has(event)) return { status: 200, body: { ignored: event } };
      let payload: z.infer<typeof Payload>;
      try {
        payload = Payload.parse(JSON.parse(req.rawBody.toString('utf8')));
      } catch (err) {
        return errorResponse(400, `body is not a GitLab webhook payload: ${(err as Error).message.split('\n')[0]}`);
      }
      const outcome = await deps.intake.accept({
        deliveryId: `gitlab-${deliveryId}`, platform: 'gitlab', event, action: payload.object_attributes?.action ?? null,
        installationId: null, repo: payload.project?.path_with_namespace ?? null, payload,
      });
      deps.logger.debug({ deliveryId, event, outcome }, 'gitlab webhook stored');
      return { status: 200, body: { outcome } };
    },
  };
}
