-- Policy Guard evaluations as the details page shows them (issue 14): one row per evaluation of a
-- PR head (verdict, limits vs the change, cost arithmetic, approvers), newest wins. Append-only
-- like the audit log: a later evaluation adds a row, it never rewrites one.
CREATE TABLE policy_evaluations (
  id           bigserial PRIMARY KEY,
  repo         text NOT NULL,
  pr_number    integer NOT NULL,
  head_sha     text NOT NULL,
  evaluation   jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX policy_evaluations_pr ON policy_evaluations (repo, pr_number, created_at DESC);

CREATE TRIGGER policy_evaluations_append_only BEFORE UPDATE OR DELETE ON policy_evaluations
  FOR EACH ROW EXECUTE FUNCTION slo_scout_refuse_change();
