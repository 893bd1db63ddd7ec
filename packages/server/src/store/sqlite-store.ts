import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '@parapet/core';
import Database from 'better-sqlite3';
import { pendingMigrations } from './migrations.ts';
import type { EventQuery, KeyRecord, Store } from './ports.ts';
import { createSqliteWriterThread } from './sqlite-writer.ts';
import {
  EVENT_COLUMNS,
  fromEventRow,
  fromKeyRow,
  KeyConflictError,
  type KeyRow,
  normalizeQuery,
  type StoredEventRow,
  storableText,
  toEventRow,
  toKeyRow,
} from './store-rows.ts';

/** The database file name inside the data directory. */
export const SQLITE_FILE_NAME = 'parapet.db';

export interface SqliteStoreOptions {
  /** Directory holding `parapet.db`; created (mode 0700) when missing. */
  dataDir: string;
  /** How long a writer waits for another process's lock before failing, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Write events from a worker thread (default true); false writes on the calling thread. */
  writerThread?: boolean;
}

type Db = Database.Database;

/**
 * Applies the pending migrations in one `BEGIN IMMEDIATE` transaction, which takes the write lock first,
 * so two processes opening the same file at once migrate it once. Idempotent.
 */
export function applySqliteMigrations(db: Db): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const applied = db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[];
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pendingMigrations(applied)) {
      db.exec(migration.sqlite);
      record.run(migration.version, migration.name, new Date().toISOString());
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * The batch insert of events on one connection: one `BEGIN IMMEDIATE` transaction, idempotent on the event
 * id. Used on the main thread or inside the writer thread.
 */
export function sqliteEventInserter(db: Db): (events: readonly Event[]) => void {
  const columns = EVENT_COLUMNS.join(', ');
  const insertEvent = db.prepare(
    `INSERT INTO events (${columns}) VALUES (${EVENT_COLUMNS.map((c) => `@${c}`).join(', ')}) ON CONFLICT (id) DO NOTHING`,
  );
  const insertBatch = db.transaction((events: readonly Event[]) => {
    // Map everything first, so a bad event fails the batch before anything is written.
    const rows = events.map((event) => {
      const row = toEventRow(event);
      return { ...row, stream: row.stream ? 1 : 0 };
    });
    for (const row of rows) insertEvent.run(row);
  });
  return (events) => insertBatch.immediate(events);
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Opens (creating and migrating when needed) the SQLite store at `<dataDir>/parapet.db`: WAL journal,
 * `synchronous=NORMAL`, a 5 s busy timeout, so the `parapet keys` CLI and a running server can share the
 * directory. Throws when the file cannot be opened or was migrated by a newer Parapet.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = join(options.dataDir, SQLITE_FILE_NAME);
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    applySqliteMigrations(db);
  } catch (error) {
    db.close();
    throw error;
  }

  const columns = EVENT_COLUMNS.join(', ');
  const insertInline = sqliteEventInserter(db);
  // Writes go to a worker thread by default: SQLite's WAL checkpoints fsync, which would otherwise stall
  // the event loop (and every request on it) for milliseconds at a time.
  const writer = options.writerThread === false ? null : createSqliteWriterThread({ file, busyTimeoutMs });
  const selectEvent = db.prepare(`SELECT ${columns} FROM events WHERE id = ?`);
  const countAll = db.prepare('SELECT count(*) FROM events').pluck();
  const insertKey = db.prepare(
    'INSERT INTO virtual_keys (id, hash, user_name, groups, app, models, created_at, expires_at, revoked_at) VALUES (@id, @hash, @user_name, @groups, @app, @models, @created_at, @expires_at, @revoked_at)',
  );
  const selectKey = db.prepare('SELECT * FROM virtual_keys WHERE id = ?');
  const selectKeys = db.prepare('SELECT * FROM virtual_keys ORDER BY created_at, id');
  const revoke = db.prepare('UPDATE virtual_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?');
  const ping = db.prepare('SELECT 1').pluck();

  let closed = false;
  function open(): Db {
    if (closed) throw new Error('the SQLite store is closed');
    return db;
  }

  return {
    kind: 'sqlite',

    async insertEvents(events) {
      open();
      if (events.length === 0) return;
      if (writer === null) insertInline(events);
      else await writer.insert(events);
    },

    async queryEvents(query: EventQuery) {
      const q = normalizeQuery(query);
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.since !== null) {
        where.push('time >= ?');
        params.push(q.since);
      }
      if (q.user !== null) {
        where.push('user_name = ?');
        params.push(q.user);
      }
      if (q.keyId !== null) {
        where.push('key_id = ?');
        params.push(q.keyId);
      }
      const sql = `SELECT ${columns} FROM events${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, id DESC LIMIT ?`;
      params.push(q.limit);
      const rows = open()
        .prepare(sql)
        .all(...params) as StoredEventRow[];
      return rows.map(fromEventRow);
    },

    async getEvent(id) {
      open();
      const row = selectEvent.get(storableText(id)) as StoredEventRow | undefined;
      return row === undefined ? null : fromEventRow(row);
    },

    async countEvents() {
      open();
      return Number(countAll.get());
    },

    async createKey(record: KeyRecord) {
      open();
      try {
        insertKey.run(toKeyRow(record));
      } catch (error) {
        if (isUniqueViolation(error)) throw new KeyConflictError(record.id, { cause: error });
        throw error;
      }
    },

    async findKey(id) {
      open();
      const row = selectKey.get(storableText(id)) as KeyRow | undefined;
      return row === undefined ? null : fromKeyRow(row);
    },

    async listKeys() {
      open();
      return (selectKeys.all() as KeyRow[]).map(fromKeyRow);
    },

    async revokeKey(id, at) {
      open();
      return revoke.run(storableText(at), storableText(id)).changes > 0;
    },

    async ping() {
      open();
      ping.get();
    },

    async close() {
      if (closed) return;
      closed = true;
      await writer?.close();
      db.close();
    },
  };
}
