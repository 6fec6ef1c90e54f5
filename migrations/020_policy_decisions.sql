-- Policy Guard (issue 5): approvals and rejections from every channel. Append-only: a later
-- decision by the same person replaces an earlier one when the verdict is computed, never by
-- updating a row, so the history of who said what stays intact.
CREATE TABLE policy_decisions (
  id          bigserial PRIMARY KEY,
  repo        text NOT NULL,               -- owner/name
  pr_number   integer NOT NULL,
  head_sha    text NOT NULL,               -- the commit the decision was given for
  channel     text NOT NULL CHECK (channel IN ('comment', 'slack', 'pagerduty')),
  identity    text NOT NULL,               -- as the channel knows it: login, slack:U123, pagerduty:a@b.c
  decision    text NOT NULL CHECK (decision IN ('approve', 'reject')),
  reason      text,
  source_id   text NOT NULL,               -- comment id, Slack action ts, PagerDuty event id: dedupes retries
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, source_id)
);
CREATE INDEX policy_decisions_pr ON policy_decisions (repo, pr_number, created_at);

CREATE FUNCTION slo_scout_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed (record a new row instead)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER policy_decisions_append_only BEFORE UPDATE OR DELETE ON policy_decisions
  FOR EACH ROW EXECUTE FUNCTION slo_scout_refuse_change();
CREATE TRIGGER policy_decisions_no_truncate BEFORE TRUNCATE ON policy_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION slo_scout_refuse_change();
