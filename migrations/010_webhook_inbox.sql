-- Durable webhook intake (GitHub App): a delivery is written here BEFORE it is acknowledged,
-- then enqueued (BullMQ jobId = delivery_id). Rows with enqueued_at NULL are re-enqueued by the
-- relay loop when Redis is back, so nothing accepted is lost.
CREATE TABLE IF NOT EXISTS webhook_inbox (
  delivery_id     text PRIMARY KEY,            -- X-GitHub-Delivery (GitHub) / X-Gitlab-Event-UUID (GitLab)
  platform        text NOT NULL DEFAULT 'github' CHECK (platform IN ('github', 'gitlab')),
  event           text NOT NULL,
  action          text,
  installation_id bigint,
  repo            text,                        -- owner/name (GitHub) or group/project path (GitLab)
  payload         jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  enqueued_at     timestamptz,
  processed_at    timestamptz,
  process_count   integer NOT NULL DEFAULT 0,  -- times a worker finished it (exactly-once checks)
  last_error      text
);
CREATE INDEX IF NOT EXISTS webhook_inbox_not_enqueued ON webhook_inbox (received_at) WHERE enqueued_at IS NULL;
CREATE INDEX IF NOT EXISTS webhook_inbox_received ON webhook_inbox (received_at);

-- The PRs the app maintains: one row per (repo, branch); content_hash mirrors the hidden marker
-- in the PR body so a rerun with identical content changes nothing.
CREATE TABLE IF NOT EXISTS slo_pull_requests (
  platform     text NOT NULL DEFAULT 'github',
  repo         text NOT NULL,
  branch       text NOT NULL,
  number       integer NOT NULL,
  content_hash text NOT NULL,
  head_sha     text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, branch)
);
