import type { Migration } from '../migrations.ts';

/** Admin accounts, sessions, API tokens, login throttling, the admin audit trail and reviewer labels. */
export const ADMIN_ACCESS_MIGRATION: Migration = {
  version: 3,
  name: 'admin accounts, sessions, api tokens, audit trail, labels',
  sqlite: `
CREATE TABLE admin_users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled_at TEXT,
  last_login_at TEXT
);
CREATE TABLE admin_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  csrf_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);
CREATE TABLE admin_api_tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE TABLE admin_login_attempts (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start TEXT NOT NULL,
  locked_until TEXT
);
CREATE TABLE admin_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  details TEXT,
  ip TEXT
);
CREATE INDEX admin_audit_time_idx ON admin_audit (time);
CREATE TABLE event_labels (
  event_id TEXT NOT NULL,
  label TEXT NOT NULL,
  note TEXT,
  labelled_by TEXT NOT NULL,
  labelled_at TEXT NOT NULL,
  PRIMARY KEY (event_id, label)
);
`,
  postgres: `
CREATE TABLE admin_users (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  role text NOT NULL,
  password_hash text NOT NULL,
  created_at text NOT NULL,
  disabled_at text,
  last_login_at text
);
CREATE TABLE admin_sessions (
  id_hash text PRIMARY KEY,
  user_id text NOT NULL,
  csrf_hash text NOT NULL,
  created_at text NOT NULL,
  expires_at text NOT NULL,
  last_seen_at text NOT NULL
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);
CREATE TABLE admin_api_tokens (
  id text PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  name text NOT NULL,
  role text NOT NULL,
  created_by text NOT NULL,
  created_at text NOT NULL,
  expires_at text,
  revoked_at text,
  last_used_at text
);
CREATE TABLE admin_login_attempts (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  window_start text NOT NULL,
  locked_until text
);
CREATE TABLE admin_audit (
  id bigserial PRIMARY KEY,
  time text NOT NULL,
  actor text NOT NULL,
  actor_kind text NOT NULL,
  action text NOT NULL,
  target text,
  details jsonb,
  ip text
);
CREATE INDEX admin_audit_time_idx ON admin_audit (time);
CREATE TABLE event_labels (
  event_id text NOT NULL,
  label text NOT NULL,
  note text,
  labelled_by text NOT NULL,
  labelled_at text NOT NULL,
  PRIMARY KEY (event_id, label)
);
`,
};
