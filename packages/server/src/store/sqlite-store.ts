import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '@parapet/core';
import Database from 'better-sqlite3';
import { sqliteIngest } from './ingest.ts';
import { pendingMigrations } from './migrations.ts';
import type { ApprovalRecord, EventQuery, KeyRecord, Store, VaultEntry } from './ports.ts';
import { createSqliteReaderThread } from './sqlite-reader.ts';
import { createSqliteWriterThread } from './sqlite-writer.ts';
import {
  ACKNOWLEDGEMENT_COLUMNS,
  type AcknowledgementRow,
  APPROVAL_COLUMNS,
  type ApprovalRow,
  controlTime,
  EVENT_COLUMNS,
  fromAcknowledgementRow,
  fromApprovalRow,
  fromEventRow,
  fromKeyRow,
  fromPolicyActivationRow,
  fromPolicyVersionRow,
  fromSettingRow,
  fromVaultRow,
  isPolicyVersionNumber,
  KeyConflictError,
  type KeyRow,
  normalizeAcknowledgementUse,
  normalizeApprovalStatus,
  normalizeDecision,
  normalizeLimit,
  normalizeQuery,
  type PolicyActivationRow,
  type PolicyVersionRow,
  RecordConflictError,
  requiredText,
  type SettingRow,
  type StoredEventRow,
  storableText,
  toAcknowledgementRow,
  toApprovalRow,
  toEventRow,
  toKeyRow,
  toPolicyVersionRow,
  toSettingRow,
  toVaultRow,
  type VaultRow,
  vaultResult,
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
  const ingest = sqliteIngest(db);
  const insertBatch = db.transaction((events: readonly Event[]) => {
    // Map everything first, so a bad event fails the batch before anything is written.
    const rows = events.map((event) => {
      const row = toEventRow(event);
      return { ...row, stream: row.stream ? 1 : 0 };
    });
    const inserted: Event[] = [];
    rows.forEach((row, i) => {
      if (insertEvent.run(row).changes === 1) inserted.push(events[i]!);
    });
    ingest(inserted);
  });
  return (events) => insertBatch.immediate(events);
}

function byCreatedThenId(a: ApprovalRecord, b: ApprovalRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The control-plane statements (migration 2), prepared once on the main connection: these tables are
 * small and written rarely, so they skip the event writer thread, as virtual keys do. Every write is one
 * statement or one `BEGIN IMMEDIATE` transaction, so two processes sharing the file cannot interleave.
 */
function sqliteControlStatements(db: Db) {
  const approvalColumns = APPROVAL_COLUMNS.join(', ');
  const ackColumns = ACKNOWLEDGEMENT_COLUMNS.join(', ');
  const insertActivation = db.prepare(
    'INSERT INTO policy_activations (version, activated_by, activated_at) VALUES (?, ?, ?)',
  );
  const markActivated = db.prepare('UPDATE policy_versions SET activated_at = ? WHERE version = ?');
  const deleteExpiredVault = db.prepare(
    'DELETE FROM vault_entries WHERE scope = @scope AND (value_hash = @value_hash OR placeholder = @placeholder) AND expires_at <= @created_at',
  );
  const insertVault = db.prepare(
    'INSERT INTO vault_entries (scope, value_hash, placeholder, ciphertext, created_at, expires_at) VALUES (@scope, @value_hash, @placeholder, @ciphertext, @created_at, @expires_at) ON CONFLICT DO NOTHING',
  );
  const extendVault = db.prepare(
    'UPDATE vault_entries SET expires_at = @expires_at WHERE scope = @scope AND value_hash = @value_hash AND expires_at < @expires_at',
  );
  const selectVaultEntry = db.prepare('SELECT * FROM vault_entries WHERE scope = ? AND value_hash = ?');

  return {
    insertPolicyVersion: db.prepare(
      // One statement under SQLite's write lock: max + 1 cannot be taken twice.
      'INSERT INTO policy_versions (version, document, author, comment, created_at) SELECT coalesce(max(version), 0) + 1, @document, @author, @comment, @created_at FROM policy_versions RETURNING *',
    ),
    selectPolicyVersion: db.prepare('SELECT * FROM policy_versions WHERE version = ?'),
    listPolicyVersions: db.prepare('SELECT * FROM policy_versions ORDER BY version DESC LIMIT ?'),
    activate: db.transaction((version: number, by: string, at: string): boolean => {
      if (markActivated.run(at, version).changes === 0) return false;
      insertActivation.run(version, by, at);
      return true;
    }),
    selectActivePolicyVersion: db.prepare(
      'SELECT v.* FROM policy_activations a JOIN policy_versions v ON v.version = a.version ORDER BY a.id DESC LIMIT 1',
    ),
    listActivations: db.prepare(
      'SELECT version, activated_by, activated_at FROM policy_activations ORDER BY id DESC LIMIT ?',
    ),
    selectSetting: db.prepare('SELECT * FROM settings WHERE key = ?'),
    upsertSetting: db.prepare(
      'INSERT INTO settings (key, value, updated_by, updated_at, revision) VALUES (@key, @value, @updated_by, @updated_at, 1) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at, revision = settings.revision + 1 RETURNING *',
    ),
    insertApproval: db.prepare(
      `INSERT INTO approvals (${approvalColumns}) VALUES (${APPROVAL_COLUMNS.map((c) => `@${c}`).join(', ')}) RETURNING *`,
    ),
    selectApproval: db.prepare('SELECT * FROM approvals WHERE id = ?'),
    listApprovals: db.prepare('SELECT * FROM approvals ORDER BY created_at DESC, id DESC LIMIT ?'),
    listApprovalsByStatus: db.prepare(
      'SELECT * FROM approvals WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT ?',
    ),
    decideApproval: db.prepare(
      "UPDATE approvals SET status = @status, decided_by = @by, decided_at = @at, reason = @reason WHERE id = @id AND status = 'pending' AND (@status = 'expired' OR expires_at > @at) RETURNING *",
    ),
    expireApprovals: db.prepare(
      "UPDATE approvals SET status = 'expired', decided_by = @by, decided_at = @now, reason = NULL WHERE status = 'pending' AND expires_at <= @now RETURNING *",
    ),
    putVault: db.transaction((rows: readonly VaultRow[]): VaultEntry[] => {
      for (const row of rows) {
        deleteExpiredVault.run(row);
        insertVault.run(row);
        extendVault.run(row);
      }
      const stored: VaultRow[] = [];
      for (const row of rows) {
        const found = selectVaultEntry.get(row.scope, row.value_hash) as VaultRow | undefined;
        if (found !== undefined) stored.push(found);
      }
      return vaultResult(rows, stored);
    }),
    selectVault: db.prepare(
      'SELECT * FROM vault_entries WHERE scope = ? AND expires_at > ? ORDER BY created_at, placeholder',
    ),
    purgeVault: db.prepare('DELETE FROM vault_entries WHERE expires_at <= ?'),
    insertAcknowledgement: db.prepare(
      `INSERT INTO acknowledgements (${ackColumns}) VALUES (${ACKNOWLEDGEMENT_COLUMNS.map((c) => `@${c}`).join(', ')}) RETURNING *`,
    ),
    selectAcknowledgement: db.prepare('SELECT * FROM acknowledgements WHERE token_hash = ?'),
    useAcknowledgement: db.prepare(
      'UPDATE acknowledgements SET used_at = @at, used_event_id = @eventId, justification = @justification WHERE token_hash = @token_hash AND used_at IS NULL AND expires_at > @at RETURNING *',
    ),
    purgeAcknowledgements: db.prepare('DELETE FROM acknowledgements WHERE expires_at <= ?'),
  };
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
  // Heavy admin reads (analytics) go to a reader thread for the same reason; with the threads off, inline.
  const reader = options.writerThread === false ? null : createSqliteReaderThread({ file, busyTimeoutMs });
  const selectEvent = db.prepare(`SELECT ${columns} FROM events WHERE id = ?`);
  const countAll = db.prepare('SELECT count(*) FROM events').pluck();
  const insertKey = db.prepare(
    'INSERT INTO virtual_keys (id, hash, user_name, groups, app, models, created_at, expires_at, revoked_at) VALUES (@id, @hash, @user_name, @groups, @app, @models, @created_at, @expires_at, @revoked_at)',
  );
  const selectKey = db.prepare('SELECT * FROM virtual_keys WHERE id = ?');
  const selectKeys = db.prepare('SELECT * FROM virtual_keys ORDER BY created_at, id');
  const revoke = db.prepare('UPDATE virtual_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?');
  const ping = db.prepare('SELECT 1').pluck();
  const control = sqliteControlStatements(db);

  let closed = false;
  function open(): Db {
    if (closed) throw new Error('the SQLite store is closed');
    return db;
  }

  return {
    kind: 'sqlite',
    sql: {
      dialect: 'sqlite',
      db,
      ...(reader === null
        ? {}
        : { read: (text: string, params: readonly unknown[]) => reader.all(text, params) }),
    },

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
      if (q.until !== null) {
        where.push('time < ?');
        params.push(q.until);
      }
      if (q.after !== null) {
        // `time <= ?` lets the time index bound the scan; the rest breaks ties on id.
        where.push('time <= ? AND (time < ? OR id < ?)');
        params.push(q.after.time, q.after.time, q.after.id);
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

    async insertPolicyVersion(v) {
      open();
      return fromPolicyVersionRow(control.insertPolicyVersion.get(toPolicyVersionRow(v)) as PolicyVersionRow);
    },

    async getPolicyVersion(version) {
      open();
      if (!isPolicyVersionNumber(version)) return null;
      const row = control.selectPolicyVersion.get(version) as PolicyVersionRow | undefined;
      return row === undefined ? null : fromPolicyVersionRow(row);
    },

    async listPolicyVersions(options = {}) {
      open();
      const rows = control.listPolicyVersions.all(normalizeLimit(options.limit)) as PolicyVersionRow[];
      return rows.map(fromPolicyVersionRow);
    },

    async activatePolicyVersion(version, by, at) {
      open();
      const who = requiredText(by, 'the activator of a policy version');
      const when = controlTime(at, 'activation time');
      if (!isPolicyVersionNumber(version)) return false;
      return control.activate.immediate(version, who, when);
    },

    async getActivePolicyVersion() {
      open();
      const row = control.selectActivePolicyVersion.get() as PolicyVersionRow | undefined;
      return row === undefined ? null : fromPolicyVersionRow(row);
    },

    async listPolicyActivations(options = {}) {
      open();
      const rows = control.listActivations.all(normalizeLimit(options.limit)) as PolicyActivationRow[];
      return rows.map(fromPolicyActivationRow);
    },

    async getSetting(key) {
      open();
      const row = control.selectSetting.get(storableText(key)) as SettingRow | undefined;
      return row === undefined ? null : fromSettingRow(row);
    },

    async putSetting(key, value, by, at) {
      open();
      return fromSettingRow(control.upsertSetting.get(toSettingRow(key, value, by, at)) as SettingRow);
    },

    async createApproval(a) {
      open();
      const row = toApprovalRow(a);
      try {
        return fromApprovalRow(control.insertApproval.get(row) as ApprovalRow);
      } catch (error) {
        if (isUniqueViolation(error)) throw new RecordConflictError('approval', row.id, { cause: error });
        throw error;
      }
    },

    async getApproval(id) {
      open();
      const row = control.selectApproval.get(storableText(id)) as ApprovalRow | undefined;
      return row === undefined ? null : fromApprovalRow(row);
    },

    async listApprovals(q = {}) {
      open();
      const status = normalizeApprovalStatus(q.status);
      const limit = normalizeLimit(q.limit);
      const rows = (
        status === null ? control.listApprovals.all(limit) : control.listApprovalsByStatus.all(status, limit)
      ) as ApprovalRow[];
      return rows.map(fromApprovalRow);
    },

    async decideApproval(id, d) {
      open();
      const decision = normalizeDecision(d);
      const row = control.decideApproval.get({ id: storableText(id), ...decision }) as
        | ApprovalRow
        | undefined;
      return row === undefined ? null : fromApprovalRow(row);
    },

    async expirePendingApprovals(now, by) {
      open();
      const rows = control.expireApprovals.all({
        now: controlTime(now, 'expiry time'),
        by: requiredText(by, 'the expirer of approvals'),
      }) as ApprovalRow[];
      return rows.map(fromApprovalRow).sort(byCreatedThenId);
    },

    async putVaultEntries(entries) {
      open();
      if (entries.length === 0) return [];
      const rows = entries.map(toVaultRow);
      return control.putVault.immediate(rows);
    },

    async getVaultEntries(scope, now) {
      open();
      const rows = control.selectVault.all(storableText(scope), controlTime(now, 'vault time')) as VaultRow[];
      return rows.map(fromVaultRow);
    },

    async purgeExpiredVault(now) {
      open();
      return control.purgeVault.run(controlTime(now, 'vault purge time')).changes;
    },

    async createAcknowledgement(a) {
      open();
      const row = toAcknowledgementRow(a);
      try {
        return fromAcknowledgementRow(control.insertAcknowledgement.get(row) as AcknowledgementRow);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new RecordConflictError('acknowledgement', row.token_hash, { cause: error });
        }
        throw error;
      }
    },

    async getAcknowledgement(tokenHash) {
      open();
      const row = control.selectAcknowledgement.get(storableText(tokenHash)) as
        | AcknowledgementRow
        | undefined;
      return row === undefined ? null : fromAcknowledgementRow(row);
    },

    async useAcknowledgement(tokenHash, u) {
      open();
      const use = normalizeAcknowledgementUse(u);
      const row = control.useAcknowledgement.get({ token_hash: storableText(tokenHash), ...use }) as
        | AcknowledgementRow
        | undefined;
      return row === undefined ? null : fromAcknowledgementRow(row);
    },

    async purgeExpiredAcknowledgements(now) {
      open();
      return control.purgeAcknowledgements.run(controlTime(now, 'acknowledgement purge time')).changes;
    },

    async ping() {
      open();
      ping.get();
    },

    async close() {
      if (closed) return;
      closed = true;
      await writer?.close();
      await reader?.close();
      db.close();
    },
  };
}
