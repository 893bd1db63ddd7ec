import type { Migration } from '../migrations.ts';

/**
 * The event search index behind the Activity table (see store/event-search.ts), filled on ingest by
 * store/ingest-search.ts in the same transaction as the events it indexes.
 *
 * - `event_search`: one row per event. `seq` is the event's place in the newest-first order: its time in
 *   milliseconds shifted left by 15 bits, plus a 15-bit number from a hash of its id (the next free one
 *   when taken), so ordering by `seq` is ordering by time, and one integer is the paging key. `preview_*`
 *   hold the redacted preview (Event.preview); `words` (PostgreSQL) the normalised words of it.
 * - `event_search_terms`: one row per (filter value, event), e.g. `u:alice`, `f:pii`, `x:block`: every
 *   filter is a range of this primary key, already in `seq` order.
 * - SQLite `event_search_text`: a contentless FTS5 index of the preview's normalised words (rowid = seq,
 *   detail=none: words only, no positions). PostgreSQL: a GIN index on `words` (a tsvector built from the
 *   same words with array_to_tsvector, so both dialects match the same words).
 */
export const EVENT_SEARCH_MIGRATION: Migration = {
  version: 6,
  name: 'event search index',
  sqlite: `
CREATE TABLE event_search (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  preview_input TEXT,
  preview_output TEXT
);
CREATE TABLE event_search_terms (
  term TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (term, seq)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE event_search_text USING fts5(words, content='', tokenize='ascii', detail='none', columnsize=0);
`,
  postgres: `
CREATE TABLE event_search (
  seq bigint PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  preview_input text,
  preview_output text,
  words tsvector NOT NULL
);
CREATE INDEX event_search_words_idx ON event_search USING gin (words);
CREATE TABLE event_search_terms (
  term text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (term, seq)
);
`,
};
