-- Where Policy Guard told people about a PR (Slack message ts, PagerDuty dedup key), so it can
-- update the message or resolve the event later; and PagerDuty webhook event ids already handled.
CREATE TABLE policy_notifications (
  repo        text NOT NULL,
  pr_number   integer NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('slack', 'pagerduty')),
  head_sha    text NOT NULL,
  ref         jsonb NOT NULL,              -- slack: {channel, ts}; pagerduty: {dedup_key, routing_env}
  resolved_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo, pr_number, kind, head_sha)
);

CREATE TABLE pagerduty_webhook_events (
  event_id    text PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now()
);
