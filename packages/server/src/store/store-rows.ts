import type { Event } from '@parapet/core';
import type { EventQuery, KeyRecord } from './ports.ts';

/**
 * Mapping between the model (Event, KeyRecord) and table rows, shared by both stores so they store and
 * return exactly the same thing. Internal to the store folder.
 *
 * Strings are stored as UTF-8, and PostgreSQL text cannot hold NUL: both stores therefore replace lone
 * UTF-16 surrogates and U+0000 with U+FFFD (the one case where a stored value differs from the input).
 */

/** Column order of the `events` table as written by both stores. */
export const EVENT_COLUMNS = [
  'id',
  'time',
  'time_original',
  'key_id',
  'user_name',
  'groups',
  'app',
  'principal_via',
  'route',
  'provider',
  'model_requested',
  'model_served',
  'stream',
  'http_status',
  'status',
  'error_code',
  'latency',
  'usage',
  'cost_usd',
  'findings',
  'decision',
  'content_mode',
  'content',
] as const;

export type EventColumn = (typeof EVENT_COLUMNS)[number];

/** One `events` row; JSON columns as JSON text, `stream` as a boolean (SQLite maps it to 0/1). */
export interface EventRow {
  id: string;
  time: string;
  time_original: string | null;
  key_id: string | null;
  user_name: string | null;
  groups: string;
  app: string | null;
  principal_via: string;
  route: string;
  provider: string | null;
  model_requested: string | null;
  model_served: string | null;
  stream: boolean;
  http_status: number;
  status: string;
  error_code: string | null;
  latency: string;
  usage: string | null;
  cost_usd: number | null;
  findings: string;
  decision: string;
  content_mode: string;
  content: string | null;
}

/** What a SELECT returns: like EventRow but drivers differ in how they return booleans and numbers. */
export type StoredEventRow = Omit<EventRow, 'stream' | 'cost_usd' | 'http_status'> & {
  stream: boolean | number;
  http_status: number | string;
  cost_usd: number | string | null;
};

const UNSTORABLE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

/** Replaces what UTF-8 text columns cannot hold (lone surrogates, NUL) with U+FFFD. */
export function storableText(value: string): string {
  return value.replace(UNSTORABLE, '\uFFFD');
}

function text<T extends string | null>(value: T): T {
  return (typeof value === 'string' ? storableText(value) : value) as T;
}

function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? storableText(v) : v));
}

/**
 * The canonical, sortable form of an ISO-8601 time (`Date#toISOString()`). Throws on a string `Date`
 * cannot read.
 */
export function canonicalTime(value: string, what = 'time'): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`invalid ${what} \`${value}\`; expected an ISO-8601 time`);
  return new Date(ms).toISOString();
}

/** Event → row. Throws when the Event's time cannot be read. */
export function toEventRow(event: Event): EventRow {
  const time = canonicalTime(event.time, `time in event \`${event.id}\``);
  const p = event.principal;
  return {
    id: text(event.id),
    time,
    time_original: time === event.time ? null : text(event.time),
    key_id: text(p.keyId),
    user_name: text(p.user),
    groups: json(p.groups),
    app: text(p.app),
    principal_via: p.via,
    route: event.route,
    provider: text(event.provider),
    model_requested: text(event.modelRequested),
    model_served: text(event.modelServed),
    stream: event.stream,
    http_status: event.httpStatus,
    status: event.status,
    error_code: text(event.errorCode),
    latency: json(event.latency),
    usage: event.usage === null ? null : json(event.usage),
    cost_usd: event.costUsd,
    findings: json(event.findings),
    decision: json(event.decision),
    content_mode: event.contentMode,
    content: text(event.content),
  };
}

/** Row → Event, the inverse of toEventRow. */
export function fromEventRow(row: StoredEventRow): Event {
  return {
    id: row.id,
    time: row.time_original ?? row.time,
    principal: {
      keyId: row.key_id,
      user: row.user_name,
      groups: JSON.parse(row.groups) as string[],
      app: row.app,
      via: row.principal_via as Event['principal']['via'],
    },
    route: row.route as Event['route'],
    provider: row.provider,
    modelRequested: row.model_requested,
    modelServed: row.model_served,
    stream: row.stream === true || row.stream === 1,
    httpStatus: Number(row.http_status),
    status: row.status as Event['status'],
    errorCode: row.error_code,
    latency: JSON.parse(row.latency) as Event['latency'],
    usage: row.usage === null ? null : (JSON.parse(row.usage) as Event['usage']),
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    findings: JSON.parse(row.findings) as Event['findings'],
    decision: JSON.parse(row.decision) as Event['decision'],
    contentMode: row.content_mode as Event['contentMode'],
    content: row.content,
  };
}

/** One `virtual_keys` row; JSON columns as JSON text. */
export interface KeyRow {
  id: string;
  hash: string;
  user_name: string | null;
  groups: string;
  app: string | null;
  models: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export function toKeyRow(record: KeyRecord): KeyRow {
  return {
    id: text(record.id),
    hash: text(record.hash),
    user_name: text(record.user),
    groups: json(record.groups),
    app: text(record.app),
    models: record.models === null ? null : json(record.models),
    created_at: text(record.createdAt),
    expires_at: text(record.expiresAt),
    revoked_at: text(record.revokedAt),
  };
}

export function fromKeyRow(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    hash: row.hash,
    user: row.user_name,
    groups: JSON.parse(row.groups) as string[],
    app: row.app,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** Default and maximum `EventQuery.limit`. */
export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;

/** An EventQuery checked and normalised once, for either store. */
export interface NormalizedQuery {
  limit: number;
  since: string | null;
  user: string | null;
  keyId: string | null;
}

/** Validates an EventQuery; throws a RangeError on a bad limit or an unreadable `since`. */
export function normalizeQuery(query: EventQuery): NormalizedQuery {
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new RangeError(`invalid query limit \`${limit}\`; use an integer from 1 to ${MAX_QUERY_LIMIT}`);
  }
  let since: string | null = null;
  if (query.since !== undefined) {
    try {
      since = canonicalTime(query.since, 'query `since`');
    } catch (error) {
      throw new RangeError((error as Error).message);
    }
  }
  return {
    limit,
    since,
    user: query.user === undefined ? null : storableText(query.user),
    keyId: query.keyId === undefined ? null : storableText(query.keyId),
  };
}

/** Thrown by `createKey` when a key with the same id or hash already exists. */
export class KeyConflictError extends Error {
  readonly keyId: string;
  constructor(keyId: string, options?: { cause?: unknown }) {
    super(`a key with id \`${keyId}\` or the same secret already exists`, options);
    this.name = 'KeyConflictError';
    this.keyId = keyId;
  }
}
