import type { Event } from '@parapet/core';
import pg from 'pg';
import { postgresIngest } from './ingest.ts';
import { pendingMigrations } from './migrations.ts';
import type { EventQuery, KeyRecord, Store } from './ports.ts';
import {
  ACKNOWLEDGEMENT_COLUMNS,
  type AcknowledgementRow,
  APPROVAL_COLUMNS,
  type ApprovalRow,
  controlTime,
  EVENT_COLUMNS,
  type EventColumn,
  type EventRow,
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

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; a `?schema=name` parameter sets `schema`. */
  url: string;
  /**
   * Schema for Parapet's tables: set as the `search_path` of every pooled connection and created when
   * missing. Lower-case letters, digits and `_`. Overrides the URL's `?schema=`. Default: the server's
   * search_path (usually `public`).
   */
  schema?: string;
  /** Pool size. Default 10. */
  poolMax?: number;
  /** Give up connecting after this many ms. Default 5000. */
  connectionTimeoutMs?: number;
  /** Give up on a query after this many ms (client side). Default 30000. */
  queryTimeoutMs?: number;
  /** Errors of idle pooled connections (the server went away); they never crash the process. */
  onError?: (error: Error) => void;
}

/** A PostgreSQL URL split into what `pg` gets and what Parapet reads from it. */
export interface ParsedPostgresUrl {
  /** The URL without Parapet's own parameters. */
  connectionString: string;
  schema: string | null;
  /** `host:port/database`, safe to show: no user name or password. */
  display: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Column types for the `unnest` bulk insert, in EVENT_COLUMNS order. */
const EVENT_COLUMN_TYPES: Record<EventColumn, string> = {
  id: 'text',
  time: 'timestamptz',
  time_original: 'text',
  key_id: 'text',
  user_name: 'text',
  groups: 'jsonb',
  app: 'text',
  principal_via: 'text',
  route: 'text',
  provider: 'text',
  model_requested: 'text',
  model_served: 'text',
  stream: 'boolean',
  http_status: 'integer',
  status: 'text',
  error_code: 'text',
  latency: 'jsonb',
  usage: 'jsonb',
  cost_usd: 'double precision',
  findings: 'jsonb',
  decision: 'jsonb',
  content_mode: 'text',
  content: 'text',
};

const JSON_COLUMNS = new Set<EventColumn>(['groups', 'latency', 'usage', 'findings', 'decision']);

/** SELECT list returning every column as the shared row mapper expects (JSON as text, time canonical). */
const EVENT_SELECT = EVENT_COLUMNS.map((c) => {
  if (c === 'time') return `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time`;
  if (JSON_COLUMNS.has(c)) return `${c}::text AS ${c}`;
  return c;
}).join(', ');

const KEY_SELECT =
  'id, hash, user_name, groups::text AS groups, app, models::text AS models, created_at, expires_at, revoked_at';

const INSERT_EVENTS = `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) SELECT * FROM unnest(${EVENT_COLUMNS.map(
  (c, i) => `$${i + 1}::${EVENT_COLUMN_TYPES[c]}[]`,
).join(', ')}) ON CONFLICT (id) DO NOTHING`;

const POLICY_VERSION_SELECT = 'version, document, author, comment, created_at, activated_at';

/** SELECT list of `approvals` (JSON as text). */
const APPROVAL_SELECT = APPROVAL_COLUMNS.map((c) =>
  c === 'groups' || c === 'findings' ? `${c}::text AS ${c}` : c,
).join(', ');

const APPROVAL_INSERT = `INSERT INTO approvals (${APPROVAL_COLUMNS.join(', ')}) VALUES (${APPROVAL_COLUMNS.map(
  (c, i) => `$${i + 1}${c === 'groups' || c === 'findings' ? '::jsonb' : ''}`,
).join(', ')}) RETURNING ${APPROVAL_SELECT}`;

const ACK_SELECT = ACKNOWLEDGEMENT_COLUMNS.join(', ');

const ACK_INSERT = `INSERT INTO acknowledgements (${ACK_SELECT}) VALUES (${ACKNOWLEDGEMENT_COLUMNS.map((_c, i) => `$${i + 1}`).join(', ')}) RETURNING ${ACK_SELECT}`;

const VAULT_SELECT = 'scope, value_hash, placeholder, ciphertext, created_at, expires_at';

/** The input rows of putVaultEntries as a relation: `unnest` of six text arrays. */
const VAULT_INPUT =
  'unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u (scope, value_hash, placeholder, ciphertext, created_at, expires_at)';

/** Ties on the time columns are broken by id in byte order, as SQLite does, whatever the collation. */
const BYTE_ORDER = 'COLLATE "C"';

/**
 * Splits a `postgres://` URL: removes and validates `?schema=`. Throws on a URL that cannot be read or a
 * bad schema name; the message never repeats the URL, which may hold a password.
 */
export function parsePostgresUrl(url: string): ParsedPostgresUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      'the PostgreSQL URL cannot be read; expected `postgres://user:password@host:port/database`',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`unsupported PostgreSQL URL scheme \`${parsed.protocol}\`; use \`postgres://\``);
  }
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null) checkSchemaName(schema);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    connectionString: parsed.toString(),
    schema,
    display: `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`,
  };
}

function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `invalid PostgreSQL schema name \`${schema}\`; use lower-case letters, digits and \`_\`, starting with a letter or \`_\``,
    );
  }
}

/**
 * Applies the pending migrations in one transaction under an advisory lock keyed on the schema, so two
 * processes opening at once migrate once. Creates the schema when one is named. Idempotent.
 */
export async function applyPostgresMigrations(client: pg.ClientBase, schema: string | null): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtext('parapet.migrate.' || coalesce($1::text, current_schema(), '')))`,
      [schema],
    );
    if (schema !== null) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    for (const migration of pendingMigrations(applied.rows.map((r) => Number(r.version)))) {
      await client.query(migration.postgres);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

const CONNECTION_LOST_MESSAGE = /^Connection terminated|not queryable/;

/** True for errors that mean the connection died, not that the statement was wrong. */
function isConnectionLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || code === '57P01' || code === '57P02') return true;
    if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  }
  return typeof message === 'string' && CONNECTION_LOST_MESSAGE.test(message);
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error && error.message !== '') return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(describe(error));
}

/**
 * Opens the PostgreSQL store: a pool of at most 10 connections (each with the schema as search_path),
 * then migrations. Rejects, without hanging, with an error naming `host:port/database` when the server
 * cannot be reached or the migration fails. Idle-connection errors go to `onError`, never to a crash.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const parsed = parsePostgresUrl(options.url);
  const schema = options.schema ?? parsed.schema;
  if (schema !== null) checkSchemaName(schema);
  const pool = new pg.Pool({
    connectionString: parsed.connectionString,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
  });
  const onError = options.onError ?? (() => {});
  pool.on('error', (error) => onError(toError(error)));

  try {
    const client = await pool.connect();
    const onClientError = (error: Error) => onError(error);
    client.on('error', onClientError);
    try {
      await applyPostgresMigrations(client, schema);
    } finally {
      client.removeListener('error', onClientError);
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`could not open the PostgreSQL store at \`${parsed.display}\`: ${describe(error)}`, {
      cause: error,
    });
  }

  let closed = false;
  /**
   * Runs one statement. A statement that failed because its pooled connection had died (server restart,
   * failover, killed backend) is retried once on a fresh connection, unless `retry` is false.
   */
  async function query<R extends pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
    retry = true,
  ): Promise<R[]> {
    if (closed) throw new Error('the PostgreSQL store is closed');
    try {
      return (await pool.query<R>(sql, params)).rows;
    } catch (error) {
      if (!retry || closed || !isConnectionLost(error)) throw error;
      return (await pool.query<R>(sql, params)).rows;
    }
  }

  /**
   * Runs `work` in one transaction on one pooled connection. Never retried: the commit may have landed
   * before the connection died. A connection that failed is discarded rather than returned to the pool.
   */
  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (closed) throw new Error('the PostgreSQL store is closed');
    const client = await pool.connect();
    let broken: Error | undefined;
    const onClientError = (error: Error) => {
      broken = error;
      onError(error);
    };
    client.on('error', onClientError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionLost(error)) {
        broken ??= toError(error);
      } else {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken ??= toError(rollbackError);
        }
      }
      throw error;
    } finally {
      client.removeListener('error', onClientError);
      client.release(broken);
    }
  }

  return {
    kind: 'postgres',
    sql: {
      dialect: 'postgres',
      query: (sql, params) => query(sql, params),
      transaction: (work) =>
        transaction((client) =>
          work(
            async <R extends Record<string, unknown>>(sql: string, params?: unknown[]) =>
              (await client.query<R & pg.QueryResultRow>(sql, params)).rows,
          ),
        ),
    },

    async insertEvents(events: readonly Event[]) {
      if (events.length === 0) return;
      const rows: EventRow[] = events.map(toEventRow);
      const columns = EVENT_COLUMNS.map((c) => rows.map((row) => row[c]));
      // One transaction: the batch and what ingest derives from its new events commit together.
      await transaction(async (client) => {
        const result = await client.query<{ id: string }>(`${INSERT_EVENTS} RETURNING id`, columns);
        const fresh = new Set(result.rows.map((r) => r.id));
        const inserted = events.filter((e) => fresh.has(e.id));
        await postgresIngest(
          async <R extends Record<string, unknown>>(sql: string, params?: unknown[]) =>
            (await client.query<R & pg.QueryResultRow>(sql, params)).rows,
          inserted,
        );
      });
    },

    async queryEvents(eventQuery: EventQuery) {
      const q = normalizeQuery(eventQuery);
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.since !== null) {
        params.push(q.since);
        where.push(`time >= $${params.length}::timestamptz`);
      }
      if (q.until !== null) {
        params.push(q.until);
        where.push(`time < $${params.length}::timestamptz`);
      }
      if (q.after !== null) {
        params.push(q.after.time, q.after.id);
        const t = params.length - 1;
        where.push(`time <= $${t}::timestamptz AND (time < $${t}::timestamptz OR id < $${t + 1})`);
      }
      if (q.user !== null) {
        params.push(q.user);
        where.push(`user_name = $${params.length}`);
      }
      if (q.keyId !== null) {
        params.push(q.keyId);
        where.push(`key_id = $${params.length}`);
      }
      params.push(q.limit);
      const sql = `SELECT ${EVENT_SELECT} FROM events${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY events.time DESC, id DESC LIMIT $${params.length}`;
      return (await query<StoredEventRow>(sql, params)).map(fromEventRow);
    },

    async getEvent(id) {
      const rows = await query<StoredEventRow>(`SELECT ${EVENT_SELECT} FROM events WHERE id = $1`, [
        storableText(id),
      ]);
      return rows[0] === undefined ? null : fromEventRow(rows[0]);
    },

    async countEvents() {
      const rows = await query<{ n: string }>('SELECT count(*)::text AS n FROM events');
      return Number(rows[0]?.n ?? 0);
    },

    async createKey(record: KeyRecord) {
      const row = toKeyRow(record);
      try {
        await query(
          'INSERT INTO virtual_keys (id, hash, user_name, groups, app, models, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7, $8, $9)',
          [
            row.id,
            row.hash,
            row.user_name,
            row.groups,
            row.app,
            row.models,
            row.created_at,
            row.expires_at,
            row.revoked_at,
          ],
          false,
        );
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505')
          throw new KeyConflictError(record.id, { cause: error });
        throw error;
      }
    },

    async findKey(id) {
      const rows = await query<KeyRow>(`SELECT ${KEY_SELECT} FROM virtual_keys WHERE id = $1`, [
        storableText(id),
      ]);
      return rows[0] === undefined ? null : fromKeyRow(rows[0]);
    },

    async listKeys() {
      const rows = await query<KeyRow>(`SELECT ${KEY_SELECT} FROM virtual_keys ORDER BY created_at, id`);
      return rows.map(fromKeyRow);
    },

    async revokeKey(id, at) {
      const rows = await query<{ id: string }>(
        'UPDATE virtual_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING id',
        [storableText(at), storableText(id)],
      );
      return rows.length > 0;
    },

    async insertPolicyVersion(v) {
      const row = toPolicyVersionRow(v);
      return await transaction(async (client) => {
        // Self-conflicting lock: concurrent inserts (any replica) queue here, so max + 1 is never taken
        // twice and numbers stay gapless; readers are not blocked.
        await client.query('LOCK TABLE policy_versions IN SHARE ROW EXCLUSIVE MODE');
        const result = await client.query<PolicyVersionRow>(
          `INSERT INTO policy_versions (version, document, author, comment, created_at) SELECT coalesce(max(version), 0) + 1, $1, $2, $3, $4 FROM policy_versions RETURNING ${POLICY_VERSION_SELECT}`,
          [row.document, row.author, row.comment, row.created_at],
        );
        return fromPolicyVersionRow(result.rows[0]!);
      });
    },

    async getPolicyVersion(version) {
      if (!isPolicyVersionNumber(version)) {
        if (closed) throw new Error('the PostgreSQL store is closed');
        return null;
      }
      const rows = await query<PolicyVersionRow>(
        `SELECT ${POLICY_VERSION_SELECT} FROM policy_versions WHERE version = $1`,
        [version],
      );
      return rows[0] === undefined ? null : fromPolicyVersionRow(rows[0]);
    },

    async listPolicyVersions(options = {}) {
      const rows = await query<PolicyVersionRow>(
        `SELECT ${POLICY_VERSION_SELECT} FROM policy_versions ORDER BY version DESC LIMIT $1`,
        [normalizeLimit(options.limit)],
      );
      return rows.map(fromPolicyVersionRow);
    },

    async activatePolicyVersion(version, by, at) {
      const who = requiredText(by, 'the activator of a policy version');
      const when = controlTime(at, 'activation time');
      if (!isPolicyVersionNumber(version)) {
        if (closed) throw new Error('the PostgreSQL store is closed');
        return false;
      }
      // One statement: the version is marked and the log appended together, or neither.
      const rows = await query<{ version: number }>(
        'WITH v AS (UPDATE policy_versions SET activated_at = $3 WHERE version = $1 RETURNING version) INSERT INTO policy_activations (version, activated_by, activated_at) SELECT version, $2, $3 FROM v RETURNING version',
        [version, who, when],
        false,
      );
      return rows.length > 0;
    },

    async getActivePolicyVersion() {
      const rows = await query<PolicyVersionRow>(
        `SELECT ${POLICY_VERSION_SELECT.split(', ')
          .map((c) => `v.${c}`)
          .join(
            ', ',
          )} FROM policy_activations a JOIN policy_versions v ON v.version = a.version ORDER BY a.id DESC LIMIT 1`,
      );
      return rows[0] === undefined ? null : fromPolicyVersionRow(rows[0]);
    },

    async listPolicyActivations(options = {}) {
      const rows = await query<PolicyActivationRow>(
        'SELECT version, activated_by, activated_at FROM policy_activations ORDER BY id DESC LIMIT $1',
        [normalizeLimit(options.limit)],
      );
      return rows.map(fromPolicyActivationRow);
    },

    async getSetting(key) {
      const rows = await query<SettingRow>(
        'SELECT key, value::text AS value, updated_by, updated_at, revision FROM settings WHERE key = $1',
        [storableText(key)],
      );
      return rows[0] === undefined ? null : fromSettingRow(rows[0]);
    },

    async putSetting(key, value, by, at) {
      const row = toSettingRow(key, value, by, at);
      const rows = await query<SettingRow>(
        'INSERT INTO settings (key, value, updated_by, updated_at, revision) VALUES ($1, $2::jsonb, $3, $4, 1) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at, revision = settings.revision + 1 RETURNING key, value::text AS value, updated_by, updated_at, revision',
        [row.key, row.value, row.updated_by, row.updated_at],
        false,
      );
      return fromSettingRow(rows[0]!);
    },

    async createApproval(a) {
      const row = toApprovalRow(a);
      try {
        const rows = await query<ApprovalRow>(
          APPROVAL_INSERT,
          APPROVAL_COLUMNS.map((c) => row[c]),
          false,
        );
        return fromApprovalRow(rows[0]!);
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505') {
          throw new RecordConflictError('approval', row.id, { cause: error });
        }
        throw error;
      }
    },

    async getApproval(id) {
      const rows = await query<ApprovalRow>(`SELECT ${APPROVAL_SELECT} FROM approvals WHERE id = $1`, [
        storableText(id),
      ]);
      return rows[0] === undefined ? null : fromApprovalRow(rows[0]);
    },

    async listApprovals(q = {}) {
      const status = normalizeApprovalStatus(q.status);
      const limit = normalizeLimit(q.limit);
      const order = `ORDER BY created_at DESC, id ${BYTE_ORDER} DESC`;
      const rows =
        status === null
          ? await query<ApprovalRow>(`SELECT ${APPROVAL_SELECT} FROM approvals ${order} LIMIT $1`, [limit])
          : await query<ApprovalRow>(
              `SELECT ${APPROVAL_SELECT} FROM approvals WHERE status = $1 ${order} LIMIT $2`,
              [status, limit],
            );
      return rows.map(fromApprovalRow);
    },

    async decideApproval(id, d) {
      const decision = normalizeDecision(d);
      // Compare-and-set in one UPDATE: a concurrent decision makes this one re-check `status` and miss.
      const rows = await query<ApprovalRow>(
        `UPDATE approvals SET status = $2, decided_by = $3, decided_at = $4, reason = $5 WHERE id = $1 AND status = 'pending' AND ($2 = 'expired' OR expires_at > $4) RETURNING ${APPROVAL_SELECT}`,
        [storableText(id), decision.status, decision.by, decision.at, decision.reason],
        false,
      );
      return rows[0] === undefined ? null : fromApprovalRow(rows[0]);
    },

    async expirePendingApprovals(now, by) {
      const rows = await query<ApprovalRow>(
        `WITH expired AS (UPDATE approvals SET status = 'expired', decided_by = $2, decided_at = $1, reason = NULL WHERE status = 'pending' AND expires_at <= $1 RETURNING ${APPROVAL_SELECT}) SELECT * FROM expired ORDER BY created_at, id ${BYTE_ORDER}`,
        [controlTime(now, 'expiry time'), requiredText(by, 'the expirer of approvals')],
        false,
      );
      return rows.map(fromApprovalRow);
    },

    async putVaultEntries(entries) {
      if (entries.length === 0) {
        if (closed) throw new Error('the PostgreSQL store is closed');
        return [];
      }
      const rows = entries.map(toVaultRow);
      const columns = (
        ['scope', 'value_hash', 'placeholder', 'ciphertext', 'created_at', 'expires_at'] as const
      ).map((c) => rows.map((row) => row[c]));
      return await transaction(async (client) => {
        // Expired entries in the way (same value or same placeholder) no longer count.
        await client.query(
          `DELETE FROM vault_entries v USING ${VAULT_INPUT} WHERE v.scope = u.scope AND (v.value_hash = u.value_hash OR v.placeholder = u.placeholder) AND v.expires_at <= u.created_at`,
          columns,
        );
        // No conflict target: a taken value *or* a taken placeholder skips the row, concurrent writers
        // included (the second waits for the first to commit, then skips).
        await client.query(
          `INSERT INTO vault_entries (${VAULT_SELECT}) SELECT * FROM ${VAULT_INPUT} ON CONFLICT DO NOTHING`,
          columns,
        );
        // A value seen again keeps its placeholder but lives as long as its latest use.
        await client.query(
          `UPDATE vault_entries v SET expires_at = u.expires_at FROM (SELECT scope, value_hash, max(expires_at) AS expires_at FROM ${VAULT_INPUT} GROUP BY scope, value_hash) u WHERE v.scope = u.scope AND v.value_hash = u.value_hash AND v.expires_at < u.expires_at`,
          columns,
        );
        const stored = await client.query<VaultRow>(
          `SELECT ${VAULT_SELECT} FROM vault_entries v WHERE (v.scope, v.value_hash) IN (SELECT scope, value_hash FROM ${VAULT_INPUT})`,
          columns,
        );
        return vaultResult(rows, stored.rows);
      });
    },

    async getVaultEntries(scope, now) {
      const rows = await query<VaultRow>(
        `SELECT ${VAULT_SELECT} FROM vault_entries WHERE scope = $1 AND expires_at > $2 ORDER BY created_at, placeholder ${BYTE_ORDER}`,
        [storableText(scope), controlTime(now, 'vault time')],
      );
      return rows.map(fromVaultRow);
    },

    async purgeExpiredVault(now) {
      const rows = await query<{ n: string }>(
        'WITH gone AS (DELETE FROM vault_entries WHERE expires_at <= $1 RETURNING 1) SELECT count(*)::text AS n FROM gone',
        [controlTime(now, 'vault purge time')],
        false,
      );
      return Number(rows[0]?.n ?? 0);
    },

    async createAcknowledgement(a) {
      const row = toAcknowledgementRow(a);
      try {
        const rows = await query<AcknowledgementRow>(
          ACK_INSERT,
          ACKNOWLEDGEMENT_COLUMNS.map((c) => row[c]),
          false,
        );
        return fromAcknowledgementRow(rows[0]!);
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505') {
          throw new RecordConflictError('acknowledgement', row.token_hash, { cause: error });
        }
        throw error;
      }
    },

    async getAcknowledgement(tokenHash) {
      const rows = await query<AcknowledgementRow>(
        `SELECT ${ACK_SELECT} FROM acknowledgements WHERE token_hash = $1`,
        [storableText(tokenHash)],
      );
      return rows[0] === undefined ? null : fromAcknowledgementRow(rows[0]);
    },

    async useAcknowledgement(tokenHash, u) {
      const use = normalizeAcknowledgementUse(u);
      const rows = await query<AcknowledgementRow>(
        `UPDATE acknowledgements SET used_at = $2, used_event_id = $3, justification = $4 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING ${ACK_SELECT}`,
        [storableText(tokenHash), use.at, use.eventId, use.justification],
        false,
      );
      return rows[0] === undefined ? null : fromAcknowledgementRow(rows[0]);
    },

    async purgeExpiredAcknowledgements(now) {
      const rows = await query<{ n: string }>(
        'WITH gone AS (DELETE FROM acknowledgements WHERE expires_at <= $1 RETURNING 1) SELECT count(*)::text AS n FROM gone',
        [controlTime(now, 'acknowledgement purge time')],
        false,
      );
      return Number(rows[0]?.n ?? 0);
    },

    async ping() {
      await query('SELECT 1');
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
