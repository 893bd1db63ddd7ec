import type { Migration } from '../migrations.ts';

/** Shadow-AI discovery: imported proxy-log runs, usage per user and service, candidates, service status. */
export const DISCOVERY_MIGRATION: Migration = {
  version: 5,
  name: 'shadow-AI discovery',
  sqlite: `
CREATE TABLE discovery_runs (
  id TEXT PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  format TEXT NOT NULL,
  files TEXT NOT NULL,
  lines INTEGER NOT NULL,
  malformed INTEGER NOT NULL,
  matched INTEGER NOT NULL
);
CREATE TABLE discovery_usage (
  user_name TEXT NOT NULL,
  service_id TEXT NOT NULL,
  host TEXT NOT NULL,
  requests INTEGER NOT NULL,
  bytes_up INTEGER NOT NULL,
  bytes_down INTEGER NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (user_name, service_id, host)
);
CREATE TABLE discovery_candidates (
  host TEXT PRIMARY KEY,
  requests INTEGER NOT NULL,
  users INTEGER NOT NULL,
  bytes_up INTEGER NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE TABLE discovery_service_status (
  service_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  note TEXT,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  postgres: `
CREATE TABLE discovery_runs (
  id text PRIMARY KEY,
  started_at text NOT NULL,
  finished_at text,
  format text NOT NULL,
  files jsonb NOT NULL,
  lines bigint NOT NULL,
  malformed bigint NOT NULL,
  matched bigint NOT NULL
);
CREATE TABLE discovery_usage (
  user_name text NOT NULL,
  service_id text NOT NULL,
  host text NOT NULL,
  requests bigint NOT NULL,
  bytes_up bigint NOT NULL,
  bytes_down bigint NOT NULL,
  first_seen text NOT NULL,
  last_seen text NOT NULL,
  PRIMARY KEY (user_name, service_id, host)
);
CREATE TABLE discovery_candidates (
  host text PRIMARY KEY,
  requests bigint NOT NULL,
  users bigint NOT NULL,
  bytes_up bigint NOT NULL,
  first_seen text NOT NULL,
  last_seen text NOT NULL,
  reason text NOT NULL
);
CREATE TABLE discovery_service_status (
  service_id text PRIMARY KEY,
  status text NOT NULL,
  note text,
  updated_by text NOT NULL,
  updated_at text NOT NULL
);
`,
};
