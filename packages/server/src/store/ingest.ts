/**
 * Work done in the same transaction as an event batch insert, for the events that were new (a replayed
 * batch inserts nothing and adds nothing): analytics rollups, the search index and the event feed (the
 * ingest order the SIEM sink follows). Both dialects; the SQLite hooks also run inside the writer thread,
 * so they are plain functions of the connection.
 *
 * Every path that stores events goes through here: `insertEvents` of both stores (sqlite-store.ts, also
 * in the writer thread, and postgres-store.ts), which the event recorder and its spool replay use.
 *
 * The feed hook runs last: on PostgreSQL its row's number and `inserted_at` are taken as late as possible
 * in the transaction, just before the commit, which the feed reader's settle margin relies on
 * (ingest-feed.ts).
 */
import type { Event } from '@parapet/core';
import type Database from 'better-sqlite3';
import { postgresFeedIngest, sqliteFeedIngest } from './ingest-feed.ts';
import { postgresRollupIngest, sqliteRollupIngest } from './ingest-rollups.ts';
import { postgresSearchIngest, sqliteSearchIngest } from './ingest-search.ts';

/** A query on the insert transaction's connection. */
export type PgQuery = <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/** Prepares its statements once per connection; the returned function runs inside the insert transaction. */
export type SqliteIngestHook = (db: Database.Database) => (events: readonly Event[]) => void;
export type PostgresIngestHook = (q: PgQuery, events: readonly Event[]) => Promise<void>;

// The feed hook stays last (see above).
const SQLITE_HOOKS: readonly SqliteIngestHook[] = [sqliteRollupIngest, sqliteSearchIngest, sqliteFeedIngest];
const POSTGRES_HOOKS: readonly PostgresIngestHook[] = [
  postgresRollupIngest,
  postgresSearchIngest,
  postgresFeedIngest,
];

export function sqliteIngest(db: Database.Database): (events: readonly Event[]) => void {
  const hooks = SQLITE_HOOKS.map((h) => h(db));
  return (events) => {
    if (events.length === 0) return;
    for (const run of hooks) run(events);
  };
}

export async function postgresIngest(q: PgQuery, events: readonly Event[]): Promise<void> {
  if (events.length === 0) return;
  for (const hook of POSTGRES_HOOKS) await hook(q, events);
}
