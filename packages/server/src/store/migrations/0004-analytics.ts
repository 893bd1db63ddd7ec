import type { Migration } from '../migrations.ts';

/**
 * Rollups maintained on ingest (minute, hour, day) for the overview and the people & apps pages, and the
 * search columns of events. The analytics module owns this schema and may reshape it before it ships.
 */
export const ANALYTICS_MIGRATION: Migration = {
  version: 4,
  name: 'analytics rollups',
  sqlite: `
CREATE TABLE rollup_usage (
  granularity TEXT NOT NULL,
  bucket TEXT NOT NULL,
  user_name TEXT NOT NULL,
  app TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  PRIMARY KEY (granularity, bucket, user_name, app, model, provider, action, status)
);
CREATE TABLE rollup_findings (
  granularity TEXT NOT NULL,
  bucket TEXT NOT NULL,
  direction TEXT NOT NULL,
  family TEXT NOT NULL,
  type TEXT NOT NULL,
  model TEXT NOT NULL,
  action TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (granularity, bucket, direction, family, type, model, action)
);
`,
  postgres: `
CREATE TABLE rollup_usage (
  granularity text NOT NULL,
  bucket text NOT NULL,
  user_name text NOT NULL,
  app text NOT NULL,
  model text NOT NULL,
  provider text NOT NULL,
  action text NOT NULL,
  status text NOT NULL,
  requests bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_usd double precision NOT NULL,
  PRIMARY KEY (granularity, bucket, user_name, app, model, provider, action, status)
);
CREATE TABLE rollup_findings (
  granularity text NOT NULL,
  bucket text NOT NULL,
  direction text NOT NULL,
  family text NOT NULL,
  type text NOT NULL,
  model text NOT NULL,
  action text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (granularity, bucket, direction, family, type, model, action)
);
`,
};
