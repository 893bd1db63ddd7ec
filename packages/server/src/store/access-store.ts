/**
 * The admin-access store: local accounts, sessions, API tokens, login throttling and the append-only
 * admin audit trail (tables of migration 0003), on SQLite or PostgreSQL through `Store.sql`.
 *
 * Rules (both dialects behave the same; one contract test runs on each):
 * - Times are ISO-8601 strings kept in `Date#toISOString()` form; an unreadable time is a RangeError.
 * - Only hashes of credentials are stored (see the migration); the callers hash.
 * - Every read-modify-write that matters between replicas is one statement (an upsert, a guarded
 *   UPDATE), never a read followed by a separate write.
 * - Roles are stored as text; this module does not interpret them beyond the last-admin guard.
 */
import type { SqlAccess } from './ports.ts';
import { canonicalTime, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, RecordConflictError } from './store-rows.ts';

/** A local admin account. */
export interface AdminUserRecord {
  id: string;
  /** Unique, as the person types it at sign-in. */
  name: string;
  role: string;
  /** `scrypt$N$r$p$salt$hash` (admin/auth/passwords.ts). */
  passwordHash: string;
  createdAt: string;
  disabledAt: string | null;
  lastLoginAt: string | null;
}

/** A signed-in session; the cookie value and the CSRF token are kept only as hex SHA-256. */
export interface AdminSessionRecord {
  idHash: string;
  userId: string;
  csrfHash: string;
  createdAt: string;
  /** Absolute expiry. */
  expiresAt: string;
  /** Last request seen (updated at most once a minute); with the idle limit it ends idle sessions. */
  lastSeenAt: string;
}

/** An API token for automation: one role, optional expiry; the token itself is kept only as hex SHA-256. */
export interface ApiTokenRecord {
  id: string;
  hash: string;
  /** Unique over every token ever created, revoked ones included (the audit trail names tokens by it). */
  name: string;
  role: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** Who an audit entry is about: an account, an API token, the bootstrap token, the CLI, or nobody signed in. */
export type AuditActorKind = 'user' | 'token' | 'bootstrap' | 'cli';

/** One entry of the admin audit trail. */
export interface AuditRecord {
  /** Increasing: a later entry has a larger id. */
  id: number;
  time: string;
  actor: string;
  actorKind: AuditActorKind;
  /** `METHOD /path-template` for admin API requests, or a name such as `login`, `login.failed`, `users.add`. */
  action: string;
  /** What was acted on (the path parameters of a request), or null. */
  target: Record<string, string | number> | null;
  /** A small summary, never secrets, passwords, policy text or content. */
  details: Record<string, unknown> | null;
  ip: string | null;
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;

export interface AuditQuery {
  /** Entries at or after this time. */
  since?: string;
  /** Entries strictly before this time. */
  until?: string;
  actor?: string;
  action?: string;
  /** Default 100, 1 to 10 000. */
  limit?: number;
  /** Keyset paging: only entries older than this id (the last id of the previous page). */
  after?: number;
}

/** Login throttling: `maxFailures` failures within `windowMs` lock the key for `lockMs`. */
export interface LoginLimits {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

/** A change to an account; absent fields stay as they are. */
export interface UserChange {
  role?: string;
  /** A time disables the account, null enables it again. */
  disabledAt?: string | null;
  passwordHash?: string;
}

export type UserUpdate =
  | { status: 'updated'; user: AdminUserRecord }
  | { status: 'missing' }
  /** The change would leave no enabled `admin` account (only with `keepAnAdmin`). */
  | { status: 'last-admin'; user: AdminUserRecord };

export interface AccessStore {
  /** Rejects with RecordConflictError when the name is taken. */
  createUser(user: AdminUserRecord): Promise<AdminUserRecord>;
  getUserByName(name: string): Promise<AdminUserRecord | null>;
  /** By name. */
  listUsers(): Promise<AdminUserRecord[]>;
  /** True when at least one account exists (enabled or not). */
  hasUsers(): Promise<boolean>;
  /**
   * Applies `change` in one statement. With `keepAnAdmin`, refuses (status `last-admin`) a change that
   * would demote or disable the last enabled account with role `admin`.
   */
  updateUser(name: string, change: UserChange, options?: { keepAnAdmin?: boolean }): Promise<UserUpdate>;
  recordLogin(userId: string, at: string): Promise<void>;

  createSession(session: AdminSessionRecord): Promise<void>;
  /** The session and its account, whatever their state (the caller checks expiry and `disabledAt`). */
  findSession(idHash: string): Promise<{ session: AdminSessionRecord; user: AdminUserRecord } | null>;
  /** Sets lastSeenAt to `at` when it is older than `ifBefore` (one write a minute, not one a request). */
  touchSession(idHash: string, at: string, ifBefore: string): Promise<void>;
  deleteSession(idHash: string): Promise<boolean>;
  /** Ends every session of an account; returns how many. */
  deleteUserSessions(userId: string): Promise<number>;
  /** Deletes sessions past their absolute expiry or idle since before `idleBefore`; returns how many. */
  purgeSessions(now: string, idleBefore: string): Promise<number>;

  /** Rejects with RecordConflictError when the name (or, astronomically unlikely, the id or hash) exists. */
  createToken(token: ApiTokenRecord): Promise<ApiTokenRecord>;
  getToken(id: string): Promise<ApiTokenRecord | null>;
  /** Newest first. */
  listTokens(): Promise<ApiTokenRecord[]>;
  /** Revokes an unrevoked token and returns it; null when it does not exist or was already revoked. */
  revokeToken(id: string, at: string): Promise<ApiTokenRecord | null>;
  /** Sets lastUsedAt to `at` when it is null or older than `ifBefore`. */
  touchToken(id: string, at: string, ifBefore: string): Promise<void>;

  /** The latest `lockedUntil` after `now` among `keys`, or null when none is locked. */
  loginLockedUntil(keys: readonly string[], now: string): Promise<string | null>;
  /**
   * Counts one failure for `key` (a new window when the last one is over) and locks the key when the
   * window reaches `limits.maxFailures`; one statement, so replicas count together.
   */
  recordLoginFailure(
    key: string,
    now: string,
    limits: LoginLimits,
  ): Promise<{ failures: number; lockedUntil: string | null }>;
  clearLoginFailures(key: string): Promise<void>;
  /** Deletes counters whose window and lock are both over; returns how many. */
  purgeLoginAttempts(now: string, windowMs: number): Promise<number>;

  /** Appends one entry and returns it with its id. There is no update and no delete. */
  appendAudit(entry: NewAuditRecord): Promise<AuditRecord>;
  /** Newest first. */
  queryAudit(query?: AuditQuery): Promise<AuditRecord[]>;
}

type Row = Record<string, unknown>;

/** Runs `?`-placeholder SQL on either dialect. */
interface Runner {
  all<R extends Row>(sql: string, params?: unknown[]): Promise<R[]>;
}

const stores = new WeakMap<object, AccessStore>();

/**
 * The access store on a Store's SQL connection; one instance per connection (cached), so callers such
 * as `recordAudit` can ask for it on every call.
 */
export function accessStoreFor(sql: SqlAccess): AccessStore {
  const key = sql.dialect === 'sqlite' ? sql.db : sql;
  let store = stores.get(key);
  if (store === undefined) {
    store = createAccessStore(sql);
    stores.set(key, store);
  }
  return store;
}

function runnerFor(sql: SqlAccess): Runner {
  if (sql.dialect === 'sqlite') {
    const db = sql.db;
    const statements = new Map<string, import('better-sqlite3').Statement>();
    return {
      async all<R extends Row>(text: string, params: unknown[] = []) {
        let statement = statements.get(text);
        if (statement === undefined) {
          statement = db.prepare(text);
          statements.set(text, statement);
        }
        if (statement.reader) return statement.all(...params) as R[];
        statement.run(...params);
        return [];
      },
    };
  }
  return {
    all: <R extends Row>(text: string, params: unknown[] = []) => sql.query<R>(toDollar(text), params),
  };
}

/** `?` placeholders → `$1, $2, …` (the SQL here has no `?` inside literals). */
function toDollar(text: string): string {
  let n = 0;
  let out = '';
  for (const char of text) out += char === '?' ? `$${++n}` : char;
  return out;
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function time(value: string, what: string): string {
  try {
    return canonicalTime(value, what);
  } catch (error) {
    throw new RangeError((error as Error).message);
  }
}

function optionalTime(value: string | null | undefined, what: string): string | null {
  return value === null || value === undefined ? null : time(value, what);
}

const USER_COLUMNS = 'id, name, role, password_hash, created_at, disabled_at, last_login_at';
const TOKEN_COLUMNS = 'id, hash, name, role, created_by, created_at, expires_at, revoked_at, last_used_at';
const AUDIT_COLUMNS = 'id, time, actor, actor_kind, action, target, details, ip';

function fromUserRow(row: Row, prefix = ''): AdminUserRecord {
  return {
    id: row[`${prefix}id`] as string,
    name: row[`${prefix}name`] as string,
    role: row[`${prefix}role`] as string,
    passwordHash: row[`${prefix}password_hash`] as string,
    createdAt: row[`${prefix}created_at`] as string,
    disabledAt: (row[`${prefix}disabled_at`] as string | null) ?? null,
    lastLoginAt: (row[`${prefix}last_login_at`] as string | null) ?? null,
  };
}

function fromTokenRow(row: Row): ApiTokenRecord {
  return {
    id: row['id'] as string,
    hash: row['hash'] as string,
    name: row['name'] as string,
    role: row['role'] as string,
    createdBy: row['created_by'] as string,
    createdAt: row['created_at'] as string,
    expiresAt: (row['expires_at'] as string | null) ?? null,
    revokedAt: (row['revoked_at'] as string | null) ?? null,
    lastUsedAt: (row['last_used_at'] as string | null) ?? null,
  };
}

function fromAuditRow(row: Row): AuditRecord {
  const json = (value: unknown) =>
    value === null || value === undefined ? null : JSON.parse(value as string);
  return {
    id: Number(row['id']),
    time: row['time'] as string,
    actor: row['actor'] as string,
    actorKind: row['actor_kind'] as AuditActorKind,
    action: row['action'] as string,
    target: json(row['target']),
    details: json(row['details']),
    ip: (row['ip'] as string | null) ?? null,
  };
}

/** Builds an access store; prefer accessStoreFor, which shares one per connection. */
export function createAccessStore(sql: SqlAccess): AccessStore {
  const db = runnerFor(sql);
  const pg = sql.dialect === 'postgres';
  /** PostgreSQL needs the type of a parameter that is only compared or tested for null. */
  const int = pg ? '?::integer' : '?';
  const text = pg ? '?::text' : '?';

  const getUserByName = async (name: string) => {
    const rows = await db.all(`SELECT ${USER_COLUMNS} FROM admin_users WHERE name = ?`, [name]);
    return rows[0] === undefined ? null : fromUserRow(rows[0]);
  };

  return {
    async createUser(user) {
      const row = {
        ...user,
        createdAt: time(user.createdAt, 'createdAt'),
        disabledAt: optionalTime(user.disabledAt, 'disabledAt'),
        lastLoginAt: optionalTime(user.lastLoginAt, 'lastLoginAt'),
      };
      try {
        await db.all(`INSERT INTO admin_users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
          row.id,
          row.name,
          row.role,
          row.passwordHash,
          row.createdAt,
          row.disabledAt,
          row.lastLoginAt,
        ]);
      } catch (error) {
        if (isUniqueViolation(error)) throw new RecordConflictError('account', user.name, { cause: error });
        throw error;
      }
      return row;
    },

    getUserByName,

    async listUsers() {
      const rows = await db.all(`SELECT ${USER_COLUMNS} FROM admin_users ORDER BY name`);
      return rows.map((r) => fromUserRow(r));
    },

    async hasUsers() {
      return (await db.all('SELECT 1 AS one FROM admin_users LIMIT 1')).length > 0;
    },

    async updateUser(name, change, options = {}) {
      const setDisabled = change.disabledAt !== undefined;
      const disabledAt = setDisabled ? optionalTime(change.disabledAt, 'disabledAt') : null;
      const newRole = change.role ?? null;
      const newDisabled = `(CASE WHEN ${int} = 1 THEN ${text} ELSE disabled_at END)`;
      // The guard: the account is not an enabled admin now, or stays one, or another enabled admin exists.
      const guard = options.keepAnAdmin
        ? `AND (NOT (role = 'admin' AND disabled_at IS NULL)
            OR (COALESCE(${text}, role) = 'admin' AND ${newDisabled} IS NULL)
            OR EXISTS (SELECT 1 FROM admin_users o
                       WHERE o.role = 'admin' AND o.disabled_at IS NULL AND o.name <> admin_users.name))`
        : '';
      const guardParams = options.keepAnAdmin ? [newRole, setDisabled ? 1 : 0, disabledAt] : [];
      const rows = await db.all(
        `UPDATE admin_users SET
           role = COALESCE(${text}, role),
           disabled_at = ${newDisabled},
           password_hash = COALESCE(${text}, password_hash)
         WHERE name = ? ${guard}
         RETURNING ${USER_COLUMNS}`,
        [newRole, setDisabled ? 1 : 0, disabledAt, change.passwordHash ?? null, name, ...guardParams],
      );
      if (rows[0] !== undefined) return { status: 'updated', user: fromUserRow(rows[0]) };
      const current = await getUserByName(name);
      return current === null ? { status: 'missing' } : { status: 'last-admin', user: current };
    },

    async recordLogin(userId, at) {
      await db.all('UPDATE admin_users SET last_login_at = ? WHERE id = ?', [time(at, 'at'), userId]);
    },

    async createSession(s) {
      await db.all(
        `INSERT INTO admin_sessions (id_hash, user_id, csrf_hash, created_at, expires_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [
          s.idHash,
          s.userId,
          s.csrfHash,
          time(s.createdAt, 'createdAt'),
          time(s.expiresAt, 'expiresAt'),
          time(s.lastSeenAt, 'lastSeenAt'),
        ],
      );
    },

    async findSession(idHash) {
      const rows = await db.all(
        `SELECT s.id_hash, s.user_id, s.csrf_hash, s.created_at, s.expires_at, s.last_seen_at,
                u.id AS u_id, u.name AS u_name, u.role AS u_role, u.password_hash AS u_password_hash,
                u.created_at AS u_created_at, u.disabled_at AS u_disabled_at, u.last_login_at AS u_last_login_at
         FROM admin_sessions s JOIN admin_users u ON u.id = s.user_id
         WHERE s.id_hash = ?`,
        [idHash],
      );
      const row = rows[0];
      if (row === undefined) return null;
      return {
        session: {
          idHash: row['id_hash'] as string,
          userId: row['user_id'] as string,
          csrfHash: row['csrf_hash'] as string,
          createdAt: row['created_at'] as string,
          expiresAt: row['expires_at'] as string,
          lastSeenAt: row['last_seen_at'] as string,
        },
        user: fromUserRow(row, 'u_'),
      };
    },

    async touchSession(idHash, at, ifBefore) {
      await db.all('UPDATE admin_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?', [
        time(at, 'at'),
        idHash,
        time(ifBefore, 'ifBefore'),
      ]);
    },

    async deleteSession(idHash) {
      const rows = await db.all('DELETE FROM admin_sessions WHERE id_hash = ? RETURNING id_hash', [idHash]);
      return rows.length > 0;
    },

    async deleteUserSessions(userId) {
      const rows = await db.all('DELETE FROM admin_sessions WHERE user_id = ? RETURNING id_hash', [userId]);
      return rows.length;
    },

    async purgeSessions(now, idleBefore) {
      const rows = await db.all(
        'DELETE FROM admin_sessions WHERE expires_at <= ? OR last_seen_at < ? RETURNING id_hash',
        [time(now, 'now'), time(idleBefore, 'idleBefore')],
      );
      return rows.length;
    },

    async createToken(token) {
      const row = {
        ...token,
        createdAt: time(token.createdAt, 'createdAt'),
        expiresAt: optionalTime(token.expiresAt, 'expiresAt'),
        revokedAt: optionalTime(token.revokedAt, 'revokedAt'),
        lastUsedAt: optionalTime(token.lastUsedAt, 'lastUsedAt'),
      };
      try {
        await db.all(`INSERT INTO admin_api_tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
          row.id,
          row.hash,
          row.name,
          row.role,
          row.createdBy,
          row.createdAt,
          row.expiresAt,
          row.revokedAt,
          row.lastUsedAt,
        ]);
      } catch (error) {
        if (isUniqueViolation(error))
          throw new RecordConflictError('API token', token.name, { cause: error });
        throw error;
      }
      return row;
    },

    async getToken(id) {
      const rows = await db.all(`SELECT ${TOKEN_COLUMNS} FROM admin_api_tokens WHERE id = ?`, [id]);
      return rows[0] === undefined ? null : fromTokenRow(rows[0]);
    },

    async listTokens() {
      const rows = await db.all(
        `SELECT ${TOKEN_COLUMNS} FROM admin_api_tokens ORDER BY created_at DESC, id DESC`,
      );
      return rows.map(fromTokenRow);
    },

    async revokeToken(id, at) {
      const rows = await db.all(
        `UPDATE admin_api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS}`,
        [time(at, 'at'), id],
      );
      return rows[0] === undefined ? null : fromTokenRow(rows[0]);
    },

    async touchToken(id, at, ifBefore) {
      await db.all(
        'UPDATE admin_api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
        [time(at, 'at'), id, time(ifBefore, 'ifBefore')],
      );
    },

    async loginLockedUntil(keys, now) {
      if (keys.length === 0) return null;
      const rows = await db.all<{ locked_until: string }>(
        `SELECT locked_until FROM admin_login_attempts
         WHERE key IN (${keys.map(() => '?').join(', ')}) AND locked_until > ?
         ORDER BY locked_until DESC LIMIT 1`,
        [...keys, time(now, 'now')],
      );
      return rows[0]?.locked_until ?? null;
    },

    async recordLoginFailure(key, now, limits) {
      const at = new Date(time(now, 'now'));
      const windowOpenedAfter = new Date(at.getTime() - limits.windowMs).toISOString();
      const lockUntil = new Date(at.getTime() + limits.lockMs).toISOString();
      // A window that started at or before `windowOpenedAfter` is over: this failure opens a new one.
      const fresh = `admin_login_attempts.window_start <= ${text}`;
      const rows = await db.all<{ failures: number; locked_until: string | null }>(
        `INSERT INTO admin_login_attempts (key, failures, window_start, locked_until)
         VALUES (?, 1, ?, CASE WHEN 1 >= ${int} THEN ${text} ELSE NULL END)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN ${fresh} THEN 1 ELSE admin_login_attempts.failures + 1 END,
           window_start = CASE WHEN ${fresh} THEN excluded.window_start
                               ELSE admin_login_attempts.window_start END,
           locked_until = CASE
             WHEN (CASE WHEN ${fresh} THEN 1 ELSE admin_login_attempts.failures + 1 END) >= ${int}
               THEN ${text}
             ELSE admin_login_attempts.locked_until END
         RETURNING failures, locked_until`,
        [
          key,
          at.toISOString(),
          limits.maxFailures,
          lockUntil,
          windowOpenedAfter,
          windowOpenedAfter,
          windowOpenedAfter,
          limits.maxFailures,
          lockUntil,
        ],
      );
      const row = rows[0]!;
      const lockedUntil = row.locked_until ?? null;
      return {
        failures: Number(row.failures),
        lockedUntil: lockedUntil !== null && lockedUntil > at.toISOString() ? lockedUntil : null,
      };
    },

    async clearLoginFailures(key) {
      await db.all('DELETE FROM admin_login_attempts WHERE key = ?', [key]);
    },

    async purgeLoginAttempts(now, windowMs) {
      const at = time(now, 'now');
      const windowOver = new Date(Date.parse(at) - windowMs).toISOString();
      const rows = await db.all(
        `DELETE FROM admin_login_attempts
         WHERE window_start <= ? AND (locked_until IS NULL OR locked_until <= ?) RETURNING key`,
        [windowOver, at],
      );
      return rows.length;
    },

    async appendAudit(entry) {
      const row = { ...entry, time: time(entry.time, 'time') };
      const rows = await db.all<{ id: number | string }>(
        `INSERT INTO admin_audit (time, actor, actor_kind, action, target, details, ip)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          row.time,
          row.actor,
          row.actorKind,
          row.action,
          row.target === null ? null : JSON.stringify(row.target),
          row.details === null ? null : JSON.stringify(row.details),
          row.ip,
        ],
      );
      return { id: Number(rows[0]!.id), ...row };
    },

    async queryAudit(query = {}) {
      const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
        throw new RangeError(`invalid query limit \`${limit}\`; use an integer from 1 to ${MAX_QUERY_LIMIT}`);
      }
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.since !== undefined) {
        where.push('time >= ?');
        params.push(time(query.since, 'query `since`'));
      }
      if (query.until !== undefined) {
        where.push('time < ?');
        params.push(time(query.until, 'query `until`'));
      }
      if (query.actor !== undefined) {
        where.push('actor = ?');
        params.push(query.actor);
      }
      if (query.action !== undefined) {
        where.push('action = ?');
        params.push(query.action);
      }
      if (query.after !== undefined) {
        if (!Number.isSafeInteger(query.after))
          throw new RangeError(`invalid \`after\` id \`${query.after}\``);
        where.push('id < ?');
        params.push(query.after);
      }
      const rows = await db.all(
        `SELECT ${AUDIT_COLUMNS} FROM admin_audit
         ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
         ORDER BY id DESC LIMIT ${limit}`,
        params,
      );
      return rows.map(fromAuditRow);
    },
  };
}
