import type { Migration } from '../migrations.ts';

/**
 * Admin accounts, sessions, API tokens, login throttling, the admin audit trail and reviewer labels.
 *
 * - Times are canonical ISO-8601 text (`Date#toISOString()`) in both dialects, compared as text
 *   (PostgreSQL columns `COLLATE "C"`), as in the control-plane tables of version 2.
 * - Secrets are never stored: `password_hash` is an scrypt encoding, `admin_sessions.id_hash`,
 *   `csrf_hash` and `admin_api_tokens.hash` are hex SHA-256 of the credentials.
 * - `admin_login_attempts.key` is `name:<account name>` or `ip:<client address>`.
 * - `admin_audit` is append-only: triggers refuse UPDATE and DELETE (and TRUNCATE in PostgreSQL).
 *   `target` and `details` hold JSON text; `id` orders the entries (newest = largest).
 * - `event_labels` belongs to the events part (reviewer labels on events).
 */
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
  user_id TEXT NOT NULL REFERENCES admin_users (id),
  csrf_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);
CREATE TABLE admin_api_tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
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
CREATE INDEX admin_audit_actor_idx ON admin_audit (actor, id);
CREATE INDEX admin_audit_action_idx ON admin_audit (action, id);
CREATE TRIGGER admin_audit_no_update BEFORE UPDATE ON admin_audit
BEGIN
  SELECT RAISE(ABORT, 'the admin audit trail is append-only');
END;
CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit
BEGIN
  SELECT RAISE(ABORT, 'the admin audit trail is append-only');
END;
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
  created_at text COLLATE "C" NOT NULL,
  disabled_at text COLLATE "C",
  last_login_at text COLLATE "C"
);
CREATE TABLE admin_sessions (
  id_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES admin_users (id),
  csrf_hash text NOT NULL,
  created_at text COLLATE "C" NOT NULL,
  expires_at text COLLATE "C" NOT NULL,
  last_seen_at text COLLATE "C" NOT NULL
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);
CREATE TABLE admin_api_tokens (
  id text PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  name text NOT NULL UNIQUE,
  role text NOT NULL,
  created_by text NOT NULL,
  created_at text COLLATE "C" NOT NULL,
  expires_at text COLLATE "C",
  revoked_at text COLLATE "C",
  last_used_at text COLLATE "C"
);
CREATE TABLE admin_login_attempts (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  window_start text COLLATE "C" NOT NULL,
  locked_until text COLLATE "C"
);
CREATE TABLE admin_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time text COLLATE "C" NOT NULL,
  actor text NOT NULL,
  actor_kind text NOT NULL,
  action text NOT NULL,
  target text,
  details text,
  ip text
);
CREATE INDEX admin_audit_time_idx ON admin_audit (time);
CREATE INDEX admin_audit_actor_idx ON admin_audit (actor, id);
CREATE INDEX admin_audit_action_idx ON admin_audit (action, id);
CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the admin audit trail is append-only';
END
$$;
CREATE TRIGGER admin_audit_no_change BEFORE UPDATE OR DELETE ON admin_audit
  FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only();
CREATE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON admin_audit
  FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_append_only();
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
