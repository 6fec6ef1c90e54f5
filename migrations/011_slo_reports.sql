-- GitHub App state: the last report per repo (explain / variant re-render without re-querying
-- Prometheus) and variant choices made with `/slo-scout variant`, which later runs keep.
CREATE TABLE IF NOT EXISTS slo_reports (
  id          bigserial PRIMARY KEY,
  platform    text NOT NULL DEFAULT 'github',
  repo        text NOT NULL,
  report      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS slo_reports_latest ON slo_reports (platform, repo, created_at DESC);

CREATE TABLE IF NOT EXISTS slo_variant_overrides (
  platform    text NOT NULL DEFAULT 'github',
  repo        text NOT NULL,
  slo_id      text NOT NULL,               -- '*' = every SLO of the repo
  variant     text NOT NULL CHECK (variant IN ('conservative', 'balanced', 'aggressive')),
  set_by      text NOT NULL,
  set_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, slo_id)
);
