-- Policy Guard audit log: every decision and every verdict, who/channel/decision/head SHA/policy
-- hash/verdict/reasons/time. Append-only, enforced by triggers (UPDATE, DELETE, TRUNCATE refused).
CREATE TABLE policy_audit (
  id           bigserial PRIMARY KEY,
  repo         text NOT NULL,
  pr_number    integer NOT NULL,
  head_sha     text NOT NULL,
  actor        text NOT NULL,              -- GitHub login or channel identity; "slo-scout" for verdicts
  channel      text NOT NULL CHECK (channel IN ('comment', 'slack', 'pagerduty', 'push', 'system')),
  event        text NOT NULL,              -- approve, reject, ignored, verdict, escalate, resolve
  policy_hash  text,                       -- sha256 of the policies the verdict was computed with
  verdict      text,                       -- success, action_required, failure
  reasons      jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX policy_audit_pr ON policy_audit (repo, pr_number, created_at);

CREATE TRIGGER policy_audit_append_only BEFORE UPDATE OR DELETE ON policy_audit
  FOR EACH ROW EXECUTE FUNCTION slo_scout_refuse_change();
CREATE TRIGGER policy_audit_no_truncate BEFORE TRUNCATE ON policy_audit
  FOR EACH STATEMENT EXECUTE FUNCTION slo_scout_refuse_change();
