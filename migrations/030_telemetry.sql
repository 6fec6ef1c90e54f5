-- Telemetry intake (issue 6): per-minute span aggregates (DDSketch bytes), capsules, raw tier, alerts.
-- Two storage paths behind one repository (app/store/telemetry.ts):
--   * TimescaleDB when `CREATE EXTENSION timescaledb` succeeds: hypertables + retention policies;
--   * plain PostgreSQL otherwise: native range partitions (daily raw/capsules, monthly aggregates),
--     created ahead by the repository and dropped whole by the retention worker.
-- The chosen path is recorded in slo_scout_meta('telemetry_storage').
DO $$
DECLARE
  ts boolean := false;
  part text;
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    ts := true;
  EXCEPTION WHEN OTHERS THEN
    -- Not installed or not in shared_preload_libraries: use native partitions.
    ts := false;
  END;

  part := CASE WHEN ts THEN '' ELSE ' PARTITION BY RANGE (%s)' END;

  EXECUTE format('CREATE TABLE telemetry_aggregates (
      tenant text NOT NULL,
      minute timestamptz NOT NULL,
      service text NOT NULL,
      endpoint text NOT NULL,
      status text NOT NULL,
      version text NOT NULL DEFAULT '''',
      environment text NOT NULL DEFAULT '''',
      count bigint NOT NULL CHECK (count > 0),
      errors bigint NOT NULL CHECK (errors >= 0 AND errors <= count),
      sum_seconds double precision NOT NULL,
      sketch bytea NOT NULL,
      exemplars jsonb NOT NULL DEFAULT ''[]''
    )' || format(part, 'minute'));

  EXECUTE format('CREATE TABLE telemetry_capsule_counts (
      tenant text NOT NULL,
      service text NOT NULL,
      capsule_id text NOT NULL,
      minute timestamptz NOT NULL,
      count bigint NOT NULL CHECK (count > 0),
      severity smallint NOT NULL,
      first_seen timestamptz NOT NULL,
      last_seen timestamptz NOT NULL,
      trace_ids text[] NOT NULL DEFAULT ''{}'',
      samples text[] NOT NULL DEFAULT ''{}''
    )' || format(part, 'minute'));

  EXECUTE format('CREATE TABLE telemetry_raw_logs (
      tenant text NOT NULL,
      time timestamptz NOT NULL,
      service text NOT NULL,
      severity smallint NOT NULL,
      body text NOT NULL,
      trace_id text NOT NULL DEFAULT '''',
      capsule_id text NOT NULL
    )' || format(part, 'time'));

  EXECUTE format('CREATE TABLE telemetry_raw_spans (
      tenant text NOT NULL,
      time timestamptz NOT NULL,
      service text NOT NULL,
      endpoint text NOT NULL,
      trace_id text NOT NULL,
      span_id text NOT NULL,
      duration_seconds double precision NOT NULL,
      error boolean NOT NULL
    )' || format(part, 'time'));

  IF ts THEN
    PERFORM create_hypertable('telemetry_aggregates', 'minute', chunk_time_interval => interval '1 day');
    PERFORM create_hypertable('telemetry_capsule_counts', 'minute', chunk_time_interval => interval '1 day');
    PERFORM create_hypertable('telemetry_raw_logs', 'time', chunk_time_interval => interval '1 day');
    PERFORM create_hypertable('telemetry_raw_spans', 'time', chunk_time_interval => interval '1 day');
    PERFORM add_retention_policy('telemetry_aggregates', interval '365 days');
    PERFORM add_retention_policy('telemetry_capsule_counts', interval '90 days');
    PERFORM add_retention_policy('telemetry_raw_logs', interval '7 days');
    PERFORM add_retention_policy('telemetry_raw_spans', interval '7 days');
  END IF;

  INSERT INTO slo_scout_meta (key, value) VALUES ('telemetry_storage', CASE WHEN ts THEN 'timescaledb' ELSE 'native' END)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
END $$;

-- Indexes on a partitioned parent are created on every partition, present and future.
CREATE INDEX telemetry_aggregates_lookup ON telemetry_aggregates (tenant, service, endpoint, minute);
CREATE INDEX telemetry_capsule_counts_lookup ON telemetry_capsule_counts (tenant, service, minute);
CREATE INDEX telemetry_raw_logs_trace ON telemetry_raw_logs (trace_id) WHERE trace_id <> '';

-- Capsule templates (small: one row per template); rows unseen for the capsule retention are deleted.
CREATE TABLE telemetry_capsules (
  tenant text NOT NULL,
  service text NOT NULL,
  capsule_id text NOT NULL,
  template text NOT NULL,
  severity smallint NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (tenant, service, capsule_id)
);

-- Alertmanager webhook events (firing/resolved), linked to a service by label.
CREATE TABLE telemetry_alert_events (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  fingerprint text NOT NULL,
  status text NOT NULL CHECK (status IN ('firing', 'resolved')),
  alertname text NOT NULL,
  service text,
  slo text,
  severity text,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  labels jsonb NOT NULL,
  annotations jsonb NOT NULL,
  generator_url text,
  UNIQUE (tenant, fingerprint, status, starts_at)
);
CREATE INDEX telemetry_alert_events_service ON telemetry_alert_events (tenant, service, starts_at);
