-- Telemetry rows the flush could not write (issue 9): kept with the reason instead of blocking the
-- flush of every other row and tenant. One row per rejected aggregate / capsule / raw record;
-- `row` is its JSON form (sketches as base64 DDSketch protobuf) so it can be inspected or replayed.
CREATE TABLE telemetry_dead_letter (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  tenant text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('aggregate', 'capsule', 'raw_span', 'raw_log')),
  reason text NOT NULL,
  row jsonb NOT NULL
);
CREATE INDEX telemetry_dead_letter_tenant_time ON telemetry_dead_letter (tenant, created_at);
