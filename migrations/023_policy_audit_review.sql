-- Policy Guard (issue 10): native GitHub review approvals are audited on their own channel.
-- Reviews are read from GitHub at evaluation time (dismissals and staleness are GitHub's facts),
-- so only the audit log learns the new channel; policy_decisions keeps its three.
ALTER TABLE policy_audit DROP CONSTRAINT policy_audit_channel_check;
ALTER TABLE policy_audit ADD CONSTRAINT policy_audit_channel_check
  CHECK (channel IN ('comment', 'review', 'slack', 'pagerduty', 'push', 'system'));
