import type { Migration } from '../migrations.ts';

/**
 * Analytics rollups maintained on ingest (store/ingest-rollups.ts, definitions in
 * store/analytics-rollup.ts), read by the analytics API (store/analytics-store.ts).
 *
 * Every table has a row per `grain` (bucket size in minutes: 1, 60 or 1440) and `bucket` (the epoch
 * minute, UTC, the bucket starts at), so any window of whole minutes is covered exactly by day rows in the
 * middle and hour and minute rows at the edges. Additive measures only: a batch adds to rows with
 * `INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x`, in the transaction that inserts its new events.
 * - `rollup_totals`: per outcome (blocked, held, …, none): requests, tokens, cost in nano-USD, errors.
 * - `rollup_entities`: per user, group, app, model and provider (`kind`, `name`; `''` when absent): the
 *   same usage, events per outcome, detections per severity and events with an attack. Active users,
 *   apps and models over a window are exact distinct counts of these rows' names.
 * - `rollup_findings`: per (family, type, destination model) — `type` and `model` `''` for the family as
 *   a whole — events holding it (either direction, input, output), the number of findings, and the
 *   events whose input held it per outcome (`in_blocked`…: did the data get there).
 * - `rollup_names`: per (kind, grain, bucket), the number of distinct non-empty names of `rollup_entities`
 *   (its rows, counted by a trigger when one is inserted: an upsert that adds to a row does not fire it),
 *   so the active users of a series bucket are read, not counted.
 */
export const ANALYTICS_MIGRATION: Migration = {
  version: 4,
  name: 'analytics rollups',
  sqlite: `
CREATE TABLE rollup_totals (
  grain INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  PRIMARY KEY (grain, bucket, outcome)
) WITHOUT ROWID;
CREATE TABLE rollup_entities (
  kind TEXT NOT NULL,
  grain INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  name TEXT NOT NULL,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  blocked INTEGER NOT NULL,
  held INTEGER NOT NULL,
  warned INTEGER NOT NULL,
  redacted INTEGER NOT NULL,
  routed INTEGER NOT NULL,
  monitored INTEGER NOT NULL,
  allowed INTEGER NOT NULL,
  no_decision INTEGER NOT NULL,
  sev_high INTEGER NOT NULL,
  sev_medium INTEGER NOT NULL,
  sev_low INTEGER NOT NULL,
  attacks INTEGER NOT NULL,
  PRIMARY KEY (kind, grain, bucket, name)
) WITHOUT ROWID;
CREATE TABLE rollup_findings (
  grain INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  family TEXT NOT NULL,
  type TEXT NOT NULL,
  model TEXT NOT NULL,
  events INTEGER NOT NULL,
  input_events INTEGER NOT NULL,
  output_events INTEGER NOT NULL,
  findings INTEGER NOT NULL,
  in_blocked INTEGER NOT NULL,
  in_held INTEGER NOT NULL,
  in_warned INTEGER NOT NULL,
  in_redacted INTEGER NOT NULL,
  in_routed INTEGER NOT NULL,
  in_monitored INTEGER NOT NULL,
  in_allowed INTEGER NOT NULL,
  in_no_decision INTEGER NOT NULL,
  PRIMARY KEY (grain, bucket, family, type, model)
) WITHOUT ROWID;
CREATE TABLE rollup_names (
  kind TEXT NOT NULL,
  grain INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  names INTEGER NOT NULL,
  PRIMARY KEY (kind, grain, bucket)
) WITHOUT ROWID;
CREATE TRIGGER rollup_entities_names AFTER INSERT ON rollup_entities WHEN NEW.name <> ''
BEGIN
  INSERT INTO rollup_names (kind, grain, bucket, names) VALUES (NEW.kind, NEW.grain, NEW.bucket, 1)
  ON CONFLICT (kind, grain, bucket) DO UPDATE SET names = names + 1;
END;
`,
  postgres: `
CREATE TABLE rollup_totals (
  grain integer NOT NULL,
  bucket integer NOT NULL,
  outcome text NOT NULL,
  requests bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_nano_usd bigint NOT NULL,
  errors bigint NOT NULL,
  PRIMARY KEY (grain, bucket, outcome)
);
CREATE TABLE rollup_entities (
  kind text NOT NULL,
  grain integer NOT NULL,
  bucket integer NOT NULL,
  name text NOT NULL,
  requests bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_nano_usd bigint NOT NULL,
  errors bigint NOT NULL,
  blocked bigint NOT NULL,
  held bigint NOT NULL,
  warned bigint NOT NULL,
  redacted bigint NOT NULL,
  routed bigint NOT NULL,
  monitored bigint NOT NULL,
  allowed bigint NOT NULL,
  no_decision bigint NOT NULL,
  sev_high bigint NOT NULL,
  sev_medium bigint NOT NULL,
  sev_low bigint NOT NULL,
  attacks bigint NOT NULL,
  PRIMARY KEY (kind, grain, bucket, name)
);
CREATE TABLE rollup_findings (
  grain integer NOT NULL,
  bucket integer NOT NULL,
  family text NOT NULL,
  type text NOT NULL,
  model text NOT NULL,
  events bigint NOT NULL,
  input_events bigint NOT NULL,
  output_events bigint NOT NULL,
  findings bigint NOT NULL,
  in_blocked bigint NOT NULL,
  in_held bigint NOT NULL,
  in_warned bigint NOT NULL,
  in_redacted bigint NOT NULL,
  in_routed bigint NOT NULL,
  in_monitored bigint NOT NULL,
  in_allowed bigint NOT NULL,
  in_no_decision bigint NOT NULL,
  PRIMARY KEY (grain, bucket, family, type, model)
);
CREATE TABLE rollup_names (
  kind text NOT NULL,
  grain integer NOT NULL,
  bucket integer NOT NULL,
  names bigint NOT NULL,
  PRIMARY KEY (kind, grain, bucket)
);
CREATE FUNCTION rollup_entities_names() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO rollup_names AS r (kind, grain, bucket, names) VALUES (NEW.kind, NEW.grain, NEW.bucket, 1)
  ON CONFLICT (kind, grain, bucket) DO UPDATE SET names = r.names + 1;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER rollup_entities_names AFTER INSERT ON rollup_entities
  FOR EACH ROW WHEN (NEW.name <> '') EXECUTE FUNCTION rollup_entities_names();
`,
};
