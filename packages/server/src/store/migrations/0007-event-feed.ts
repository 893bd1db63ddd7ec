import type { Migration } from '../migrations.ts';

/**
 * The event feed: every stored event in the order it was stored (ingest order), read by the SIEM sink
 * (siem/exporter.ts) so an event stored long after its own time is still exported. Written by
 * store/ingest-feed.ts in the transaction that inserts the event, for new events only.
 *
 * - `seq` grows with every stored event. SQLite: `AUTOINCREMENT`, one writer at a time, so rows commit in
 *   `seq` order and a rolled-back insert gives its numbers back. PostgreSQL: a sequence, so numbers are
 *   taken at insert while transactions commit in any order (a reader may see 11 before 10 commits) and a
 *   rolled-back insert leaves a gap; `inserted_at` (`clock_timestamp()`, the database clock, when the row
 *   was written) lets a reader wait until a row is older than a settle margin far longer than an insert
 *   transaction lasts (see ingest-feed.ts).
 * - The events stored before this version are added in (time, id) order, and the last number they got is
 *   kept in the setting `siem.feed.backfill` (`{"lastSeq": n}`): a SIEM cursor of an older version (which
 *   walked event time) is converted with it, so the events stored after the upgrade are all exported.
 */
export const EVENT_FEED_MIGRATION: Migration = {
  version: 7,
  name: 'event feed (ingest order)',
  sqlite: `
CREATE TABLE event_feed (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE
);
INSERT INTO event_feed (event_id) SELECT id FROM events ORDER BY time, id;
INSERT INTO settings (key, value, updated_by, updated_at, revision)
SELECT 'siem.feed.backfill', '{"lastSeq":' || coalesce(max(seq), 0) || '}', 'migration 7',
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 1
FROM event_feed;
`,
  postgres: `
CREATE TABLE event_feed (
  seq bigserial PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  inserted_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO event_feed (event_id) SELECT id FROM events ORDER BY time, id COLLATE "C";
INSERT INTO settings (key, value, updated_by, updated_at, revision)
SELECT 'siem.feed.backfill', jsonb_build_object('lastSeq', coalesce(max(seq), 0)), 'migration 7',
  to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 1
FROM event_feed;
`,
};
