-- The ledger table slo_scout_migrations is created by the runner itself (app/store/migrate.ts).
-- Common state tables live in the following files; this one records the schema's origin.
CREATE TABLE IF NOT EXISTS slo_scout_meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO slo_scout_meta (key, value) VALUES ('schema_origin', 'slo-scout') ON CONFLICT (key) DO NOTHING;
