/**
 * The Probot application function. It does one thing at webhook time: put the verified delivery
 * into the durable inbox and (best effort) onto the `webhook` queue. All real work happens in
 * workers, so the acknowledgement is fast and survives Redis outages.
 */
import type { ApplicationFunction } from 'probot';
import type { Intake } from './intake.js';
import type { Metrics } from './metrics.js';

/** Events the workers act on; anything else is acknowledged and dropped. */
export const HANDLED_EVENTS = new Set([
  'issue_comment', 'pull_request', 'push', 'check_run', 'check_suite', 'installation', 'installation_repositories',
  'pull_request_review',
]);

export interface AppDeps {
  intake: Intake;
  metrics: Metrics;
}

export function createAppFn(deps: AppDeps): ApplicationFunction {
  return (app) => {
    app.onAny(async (context) => {
      const payload = context.payload as { action?: string; installation?: { id: number }; repository?: { full_name: string } };
      if (!HANDLED_EVENTS.has(context.name)) {
        deps.metrics.webhooksReceived.inc({ event: context.name, outcome: 'ignored' });
        return;
      }
      const outcome = await deps.intake.accept({
        deliveryId: context.id,
        platform: 'github',
        event: context.name,
        action: payload.action ?? null,
        installationId: payload.installation?.id ?? null,
        repo: payload.repository?.full_name ?? null,
        payload: context.payload,
      });
      app.log.debug({ deliveryId: context.id, event: context.name, outcome }, 'webhook stored');
    });
    // Only handler failures reach here (signatures are checked before: app/server/github-webhook.ts).
    // The route answers 503/500, so the delivery shows as failed in GitHub and can be redelivered.
    app.onError((err) => {
      const e = err as Error & { event?: { id?: string; name?: string } };
      app.log.error({ deliveryId: e.event?.id, event: e.event?.name, reason: e.message }, 'webhook handler failed: the delivery was not stored and is answered with an error');
    });
  };
}
