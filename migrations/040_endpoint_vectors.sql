-- Name embeddings of endpoints (issue 15, app/store/vectors.ts) for similar-endpoint lookups:
-- borrowed priors and criticality neighbours across runs and repositories.
--   * pgvector when `CREATE EXTENSION vector` succeeds: an extra `vector` column, HNSW indexes per
--     dimension (created by the repository the first time a model of that width is stored) and `<=>`;
--   * plain PostgreSQL otherwise: the real[] column only, cosine computed in process.
-- The real[] column is always written, so the plain path works on any server. The chosen path is
-- recorded in slo_scout_meta('vector_storage').
CREATE TABLE endpoint_vectors (
  tenant text NOT NULL DEFAULT '',
  model text NOT NULL,
  service text NOT NULL,
  endpoint text NOT NULL DEFAULT '',
  dims integer NOT NULL CHECK (dims > 0 AND dims <= 4096),
  embedding real[] NOT NULL CHECK (cardinality(embedding) = dims),
  profile jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, model, service, endpoint)
);
CREATE INDEX endpoint_vectors_model ON endpoint_vectors (tenant, model, updated_at);

DO $$
DECLARE
  pgv boolean := false;
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS vector;
    ALTER TABLE endpoint_vectors ADD COLUMN embedding_v vector;
    pgv := true;
  EXCEPTION WHEN OTHERS THEN
    -- Not installed on this server: the plain real[] path.
    pgv := false;
  END;
  INSERT INTO slo_scout_meta (key, value) VALUES ('vector_storage', CASE WHEN pgv THEN 'pgvector' ELSE 'plain' END)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
END $$;
