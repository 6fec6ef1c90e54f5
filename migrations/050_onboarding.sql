-- Onboarding pull requests (issue 12): one per repository, ever. The row is written before the PR
-- is opened and kept after it is merged or closed, so a repository is never asked twice.
CREATE TABLE IF NOT EXISTS onboarding_prs (
  platform    text NOT NULL DEFAULT 'github',
  repo        text NOT NULL,
  state       text NOT NULL CHECK (state IN ('claimed', 'opened')),
  pr_number   integer,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo)
);
