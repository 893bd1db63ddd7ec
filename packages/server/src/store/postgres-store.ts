import type { Event } from '@parapet/core';
import pg from 'pg';
import { pendingMigrations } from './migrations.ts';
import type { EventQuery, KeyRecord, Store } from './ports.ts';
import {
  EVENT_COLUMNS,
  type EventColumn,
  type EventRow,
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

  return {
    kind: 'postgres',

    async insertEvents(events: readonly Event[]) {
      if (events.length === 0) return;
      const rows: EventRow[] = events.map(toEventRow);
      const columns = EVENT_COLUMNS.map((c) => rows.map((row) => row[c]));
      // One statement: atomic on its own, whatever the batch size.
      await query(INSERT_EVENTS, columns);
    },

    async queryEvents(eventQuery: EventQuery) {
      const q = normalizeQuery(eventQuery);
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.since !== null) {
        params.push(q.since);
        where.push(`time >= $${params.length}::timestamptz`);
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
