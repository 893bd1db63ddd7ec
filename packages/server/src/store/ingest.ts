/**
 * Work done in the same transaction as an event batch insert, for the events that were new (a replayed
 * batch inserts nothing and adds nothing): analytics rollups and the search index. Both dialects; the
 * SQLite hooks also run inside the writer thread, so they are plain functions of the connection.
 */
import type { Event } from '@parapet/core';
import type Database from 'better-sqlite3';
import { postgresRollupIngest, sqliteRollupIngest } from './ingest-rollups.ts';
import { postgresSearchIngest, sqliteSearchIngest } from './ingest-search.ts';

/** A query on the insert transaction's connection. */
export type PgQuery = <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/** Prepares its statements once per connection; the returned function runs inside the insert transaction. */
export type SqliteIngestHook = (db: Database.Database) => (events: readonly Event[]) => void;
export type PostgresIngestHook = (q: PgQuery, events: readonly Event[]) => Promise<void>;

const SQLITE_HOOKS: readonly SqliteIngestHook[] = [sqliteRollupIngest, sqliteSearchIngest];
const POSTGRES_HOOKS: readonly PostgresIngestHook[] = [postgresRollupIngest, postgresSearchIngest];

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
