/**
 * The one versioned list of schema migrations. Each version carries its SQLite and its PostgreSQL SQL
 * side by side, so the two schemas cannot drift: a change to one dialect is reviewed next to the other.
 *
 * Rules: never edit a shipped version, append a new one. Versions are applied in order, each in the same
 * transaction as its `schema_migrations` row, by `applySqliteMigrations` (sqlite-store.ts) and
 * `applyPostgresMigrations` (postgres-store.ts).
 *
 * Column notes (both dialects):
 * - `time` is the canonical form of `Event.time` (`Date#toISOString()` in SQLite, `timestamptz` in
 *   PostgreSQL), used to sort and filter; `time_original` keeps the Event's own string when it differs,
 *   so `getEvent` returns exactly what was inserted.
 * - JSON columns hold `JSON.stringify` of the Event field (TEXT in SQLite, `jsonb` in PostgreSQL).
 * - `virtual_keys` times are ISO-8601 text, returned verbatim.
 * - Control-plane tables (version 2: policy versions and activations, settings, approvals, vault entries,
 *   acknowledgements) keep times as canonical ISO-8601 text (`Date#toISOString()`) in both dialects, so
 *   `<`/`>` on the text compares instants and the two stores behave identically (PostgreSQL time columns
 *   are `COLLATE "C"`, byte order, whatever the database's collation).
 */
import { ADMIN_ACCESS_MIGRATION } from './migrations/0003-admin-access.ts';
import { ANALYTICS_MIGRATION } from './migrations/0004-analytics.ts';
import { DISCOVERY_MIGRATION } from './migrations/0005-discovery.ts';
import { EVENT_SEARCH_MIGRATION } from './migrations/0006-event-search.ts';
import { EVENT_FEED_MIGRATION } from './migrations/0007-event-feed.ts';

export interface Migration {
  /** 1, 2, 3, … without gaps. */
  readonly version: number;
  /** Short description, stored in `schema_migrations.name`. */
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'events and virtual keys',
    sqlite: `
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  time TEXT NOT NULL,
  time_original TEXT,
  key_id TEXT,
  user_name TEXT,
  groups TEXT NOT NULL,
  app TEXT,
  principal_via TEXT NOT NULL,
  route TEXT NOT NULL,
  provider TEXT,
  model_requested TEXT,
  model_served TEXT,
  stream INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  status TEXT NOT NULL,
  error_code TEXT,
  latency TEXT NOT NULL,
  usage TEXT,
  cost_usd REAL,
  findings TEXT NOT NULL,
  decision TEXT NOT NULL,
  content_mode TEXT NOT NULL,
  content TEXT
);
CREATE INDEX events_time_idx ON events (time);
CREATE INDEX events_user_time_idx ON events (user_name, time);
CREATE INDEX events_key_time_idx ON events (key_id, time);
CREATE TABLE virtual_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  user_name TEXT,
  groups TEXT NOT NULL,
  app TEXT,
  models TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
`,
    postgres: `
CREATE TABLE events (
  id text PRIMARY KEY,
  time timestamptz NOT NULL,
  time_original text,
  key_id text,
  user_name text,
  groups jsonb NOT NULL,
  app text,
  principal_via text NOT NULL,
  route text NOT NULL,
  provider text,
  model_requested text,
  model_served text,
  stream boolean NOT NULL,
  http_status integer NOT NULL,
  status text NOT NULL,
  error_code text,
  latency jsonb NOT NULL,
  usage jsonb,
  cost_usd double precision,
  findings jsonb NOT NULL,
  decision jsonb NOT NULL,
  content_mode text NOT NULL,
  content text
);
CREATE INDEX events_time_idx ON events (time);
CREATE INDEX events_user_time_idx ON events (user_name, time);
CREATE INDEX events_key_time_idx ON events (key_id, time);
CREATE TABLE virtual_keys (
  id text PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  user_name text,
  groups jsonb NOT NULL,
  app text,
  models jsonb,
  created_at text NOT NULL,
  expires_at text,
  revoked_at text
);
`,
  },
  {
    version: 2,
    name: 'policy versions, settings, approvals, redaction vault, acknowledgements',
    sqlite: `
CREATE TABLE policy_versions (
  version INTEGER PRIMARY KEY,
  document TEXT NOT NULL,
  author TEXT NOT NULL,
  comment TEXT,
  created_at TEXT NOT NULL,
  activated_at TEXT
);
CREATE TABLE policy_activations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version INTEGER NOT NULL REFERENCES policy_versions (version),
  activated_by TEXT NOT NULL,
  activated_at TEXT NOT NULL
);
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  revision INTEGER NOT NULL
);
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
  key_id TEXT,
  user_name TEXT,
  groups TEXT NOT NULL,
  app TEXT,
  model TEXT,
  summary TEXT NOT NULL,
  findings TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT
);
CREATE INDEX approvals_status_created_idx ON approvals (status, created_at);
CREATE TABLE vault_entries (
  scope TEXT NOT NULL,
  value_hash TEXT NOT NULL,
  placeholder TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (scope, value_hash),
  UNIQUE (scope, placeholder)
);
CREATE INDEX vault_entries_expires_idx ON vault_entries (expires_at);
CREATE TABLE acknowledgements (
  token_hash TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  key_id TEXT,
  user_name TEXT,
  request_hash TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  used_event_id TEXT,
  justification TEXT
);
CREATE INDEX acknowledgements_expires_idx ON acknowledgements (expires_at);
`,
    postgres: `
CREATE TABLE policy_versions (
  version integer PRIMARY KEY,
  document text NOT NULL,
  author text NOT NULL,
  comment text,
  created_at text COLLATE "C" NOT NULL,
  activated_at text COLLATE "C"
);
CREATE TABLE policy_activations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version integer NOT NULL REFERENCES policy_versions (version),
  activated_by text NOT NULL,
  activated_at text COLLATE "C" NOT NULL
);
CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_by text NOT NULL,
  updated_at text COLLATE "C" NOT NULL,
  revision integer NOT NULL
);
CREATE TABLE approvals (
  id text PRIMARY KEY,
  event_id text NOT NULL,
  rule_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
  key_id text,
  user_name text,
  groups jsonb NOT NULL,
  app text,
  model text,
  summary text NOT NULL,
  findings jsonb NOT NULL,
  created_at text COLLATE "C" NOT NULL,
  expires_at text COLLATE "C" NOT NULL,
  decided_by text,
  decided_at text COLLATE "C",
  reason text
);
CREATE INDEX approvals_status_created_idx ON approvals (status, created_at);
CREATE TABLE vault_entries (
  scope text NOT NULL,
  value_hash text NOT NULL,
  placeholder text NOT NULL,
  ciphertext text NOT NULL,
  created_at text COLLATE "C" NOT NULL,
  expires_at text COLLATE "C" NOT NULL,
  PRIMARY KEY (scope, value_hash),
  UNIQUE (scope, placeholder)
);
CREATE INDEX vault_entries_expires_idx ON vault_entries (expires_at);
CREATE TABLE acknowledgements (
  token_hash text PRIMARY KEY,
  event_id text NOT NULL,
  rule_id text NOT NULL,
  key_id text,
  user_name text,
  request_hash text,
  created_at text COLLATE "C" NOT NULL,
  expires_at text COLLATE "C" NOT NULL,
  used_at text COLLATE "C",
  used_event_id text,
  justification text
);
CREATE INDEX acknowledgements_expires_idx ON acknowledgements (expires_at);
`,
  },
  ADMIN_ACCESS_MIGRATION,
  ANALYTICS_MIGRATION,
  DISCOVERY_MIGRATION,
  EVENT_SEARCH_MIGRATION,
  EVENT_FEED_MIGRATION,
]);

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * The migrations still to apply given the versions already recorded, in order. Throws when the database
 * was migrated by a newer Parapet, because writing to it could corrupt data this version does not know.
 */
export function pendingMigrations(applied: Iterable<number>): Migration[] {
  const done = new Set(applied);
  for (const version of done) {
    if (version > LATEST_SCHEMA_VERSION) {
      throw new Error(
        `the database schema is at version ${version} but this Parapet knows up to ${LATEST_SCHEMA_VERSION}; upgrade Parapet`,
      );
    }
  }
  return MIGRATIONS.filter((m) => !done.has(m.version));
}
