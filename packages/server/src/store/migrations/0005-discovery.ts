import type { Migration } from '../migrations.ts';

/**
 * Shadow-AI discovery (store/discovery-store.ts): proxy-log imports (runs), usage per user × catalog
 * service × host, AI-looking hosts outside the catalog per host × user (candidates), and the status an
 * admin gave a service. Usage and candidate rows are merged across imports (counts added, first/last seen
 * widened). Times are canonical ISO-8601 text in both dialects (PostgreSQL columns `COLLATE "C"`), so
 * min/max and ordering compare instants.
 */
export const DISCOVERY_MIGRATION: Migration = {
  version: 5,
  name: 'shadow-AI discovery',
  sqlite: `
CREATE TABLE discovery_runs (
  id TEXT PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('cli', 'api')),
  actor TEXT NOT NULL,
  format TEXT NOT NULL,
  files TEXT NOT NULL,
  lines INTEGER NOT NULL,
  records INTEGER NOT NULL,
  malformed INTEGER NOT NULL,
  matched INTEGER NOT NULL,
  candidate_records INTEGER NOT NULL,
  services INTEGER NOT NULL,
  users INTEGER NOT NULL
);
CREATE INDEX discovery_runs_started_idx ON discovery_runs (started_at);
CREATE TABLE discovery_usage (
  user_name TEXT NOT NULL,
  service_id TEXT NOT NULL,
  host TEXT NOT NULL,
  requests INTEGER NOT NULL,
  bytes_up INTEGER NOT NULL,
  bytes_down INTEGER NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (service_id, user_name, host)
);
CREATE TABLE discovery_candidates (
  host TEXT NOT NULL,
  user_name TEXT NOT NULL,
  reason TEXT NOT NULL,
  requests INTEGER NOT NULL,
  bytes_up INTEGER NOT NULL,
  bytes_down INTEGER NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (host, user_name)
);
CREATE TABLE discovery_service_status (
  service_id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('sanctioned', 'blocked', 'unreviewed')),
  note TEXT,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  postgres: `
CREATE TABLE discovery_runs (
  id text PRIMARY KEY,
  started_at text COLLATE "C" NOT NULL,
  finished_at text COLLATE "C" NOT NULL,
  source text NOT NULL CHECK (source IN ('cli', 'api')),
  actor text NOT NULL,
  format text NOT NULL,
  files jsonb NOT NULL,
  lines bigint NOT NULL,
  records bigint NOT NULL,
  malformed bigint NOT NULL,
  matched bigint NOT NULL,
  candidate_records bigint NOT NULL,
  services integer NOT NULL,
  users integer NOT NULL
);
CREATE INDEX discovery_runs_started_idx ON discovery_runs (started_at);
CREATE TABLE discovery_usage (
  user_name text NOT NULL,
  service_id text NOT NULL,
  host text NOT NULL,
  requests bigint NOT NULL,
  bytes_up bigint NOT NULL,
  bytes_down bigint NOT NULL,
  first_seen text COLLATE "C" NOT NULL,
  last_seen text COLLATE "C" NOT NULL,
  PRIMARY KEY (service_id, user_name, host)
);
CREATE TABLE discovery_candidates (
  host text NOT NULL,
  user_name text NOT NULL,
  reason text NOT NULL,
  requests bigint NOT NULL,
  bytes_up bigint NOT NULL,
  bytes_down bigint NOT NULL,
  first_seen text COLLATE "C" NOT NULL,
  last_seen text COLLATE "C" NOT NULL,
  PRIMARY KEY (host, user_name)
);
CREATE TABLE discovery_service_status (
  service_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('sanctioned', 'blocked', 'unreviewed')),
  note text,
  updated_by text NOT NULL,
  updated_at text COLLATE "C" NOT NULL
);
`,
};
