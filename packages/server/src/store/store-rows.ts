import type { Event } from '@parapet/core';
import {
  type AcknowledgementRecord,
  APPROVAL_STATUSES,
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalStatus,
  type EventQuery,
  type KeyRecord,
  type PolicyActivation,
  type PolicyVersionRecord,
  type SettingRecord,
  type VaultEntry,
} from './ports.ts';

/**
 * Mapping between the model (Event, KeyRecord, control-plane records) and table rows, shared by both stores so they store and
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
  until: string | null;
  after: { time: string; id: string } | null;
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
  let until: string | null = null;
  let after: { time: string; id: string } | null = null;
  try {
    if (query.until !== undefined) until = canonicalTime(query.until, 'query `until`');
    if (query.after !== undefined) {
      after = {
        time: canonicalTime(query.after.time, 'query `after.time`'),
        id: storableText(query.after.id),
      };
    }
  } catch (error) {
    throw new RangeError((error as Error).message);
  }
  return {
    limit,
    since,
    until,
    after,
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

// ---------------------------------------------------------------------------------------------------------
// Control-plane records (migration 2): policy versions, settings, approvals, vault entries,
// acknowledgements. Times are stored canonical (see controlTime), JSON as JSON text.

/**
 * The canonical form of a control-plane time, `YYYY-MM-DDTHH:mm:ss.sssZ`, whose text order is time order.
 * Throws a RangeError naming `what` on a string `Date` cannot read or a year outside 0000–9999.
 */
export function controlTime(value: string, what: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  const canonical = Number.isFinite(ms) ? new Date(ms).toISOString() : '';
  if (canonical.length !== 24) {
    throw new RangeError(
      `invalid ${what} \`${String(value)}\`; expected an ISO-8601 time such as 2025-01-31T12:00:00Z`,
    );
  }
  return canonical;
}

/** Validates a `limit` option of the control-plane lists (default 100, 1 to MAX_QUERY_LIMIT). */
export function normalizeLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(value) || value < 1 || value > MAX_QUERY_LIMIT) {
    throw new RangeError(`invalid limit \`${value}\`; use an integer from 1 to ${MAX_QUERY_LIMIT}`);
  }
  return value;
}

/** JSON text of a value the store must keep; RangeError when JSON cannot represent it. */
export function requiredJson(value: unknown, what: string): string {
  let encoded: string | undefined;
  try {
    encoded = json(value);
  } catch (error) {
    throw new RangeError(`${what} cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (encoded === undefined)
    throw new RangeError(`${what} cannot be stored as JSON (it is \`${typeof value}\`)`);
  return encoded;
}

/** A non-empty identifier (key, id, scope, hash); RangeError otherwise. */
export function requiredText(value: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new RangeError(`${what} must be a non-empty string`);
  return storableText(value);
}

/** Thrown when a record with the same identity already exists (an approval id, a token hash). */
export class RecordConflictError extends Error {
  /** What kind of record: `approval`, `acknowledgement`. */
  readonly record: string;
  readonly id: string;
  constructor(record: string, id: string, options?: { cause?: unknown }) {
    super(`an ${record} with id \`${id}\` already exists`, options);
    this.name = 'RecordConflictError';
    this.record = record;
    this.id = id;
  }
}

/** A `policy_versions` row as selected (drivers may return integers as strings). */
export interface PolicyVersionRow {
  version: number | string;
  document: string;
  author: string;
  comment: string | null;
  created_at: string;
  activated_at: string | null;
}

export function fromPolicyVersionRow(row: PolicyVersionRow): PolicyVersionRecord {
  return {
    version: Number(row.version),
    document: row.document,
    author: row.author,
    comment: row.comment,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
  };
}

/** The checked row of a new policy version (without its number, which the store assigns). */
export function toPolicyVersionRow(v: {
  document: string;
  author: string;
  comment: string | null;
  createdAt: string;
}): Omit<PolicyVersionRow, 'version' | 'activated_at'> {
  if (typeof v.document !== 'string') throw new RangeError('a policy document must be a string');
  return {
    document: storableText(v.document),
    author: requiredText(v.author, 'a policy version author'),
    comment: text(v.comment ?? null),
    created_at: controlTime(v.createdAt, 'policy version createdAt'),
  };
}

/** True when `version` can name a policy version (a positive 32-bit integer). */
export function isPolicyVersionNumber(version: number): boolean {
  return Number.isInteger(version) && version >= 1 && version <= 2_147_483_647;
}

/** A `policy_activations` row as selected. */
export interface PolicyActivationRow {
  version: number | string;
  activated_by: string;
  activated_at: string;
}

export function fromPolicyActivationRow(row: PolicyActivationRow): PolicyActivation {
  return { version: Number(row.version), by: row.activated_by, at: row.activated_at };
}

/** A `settings` row as selected, the value as JSON text. */
export interface SettingRow {
  key: string;
  value: string;
  updated_by: string;
  updated_at: string;
  revision: number | string;
}

export function toSettingRow(
  key: string,
  value: unknown,
  by: string,
  at: string,
): Omit<SettingRow, 'revision'> {
  return {
    key: requiredText(key, 'a setting key'),
    value: requiredJson(value, `the value of setting \`${key}\``),
    updated_by: requiredText(by, 'a setting author'),
    updated_at: controlTime(at, 'setting updatedAt'),
  };
}

export function fromSettingRow(row: SettingRow): SettingRecord {
  return {
    key: row.key,
    value: JSON.parse(row.value) as unknown,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
    revision: Number(row.revision),
  };
}

/** One `approvals` row; JSON columns as JSON text. */
export interface ApprovalRow {
  id: string;
  event_id: string;
  rule_id: string;
  status: string;
  key_id: string | null;
  user_name: string | null;
  groups: string;
  app: string | null;
  model: string | null;
  summary: string;
  findings: string;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
}

/** Column order of the `approvals` table. */
export const APPROVAL_COLUMNS = [
  'id',
  'event_id',
  'rule_id',
  'status',
  'key_id',
  'user_name',
  'groups',
  'app',
  'model',
  'summary',
  'findings',
  'created_at',
  'expires_at',
  'decided_by',
  'decided_at',
  'reason',
] as const satisfies readonly (keyof ApprovalRow)[];

/** A new approval → its pending row. Throws a RangeError on a missing field or unreadable time. */
export function toApprovalRow(
  a: Omit<ApprovalRecord, 'status' | 'decidedBy' | 'decidedAt' | 'reason'>,
): ApprovalRow {
  const p = a.principal;
  if (p === null || typeof p !== 'object' || !Array.isArray(p.groups)) {
    throw new RangeError(`approval \`${a.id}\` needs a principal with a groups array`);
  }
  return {
    id: requiredText(a.id, 'an approval id'),
    event_id: requiredText(a.eventId, 'an approval eventId'),
    rule_id: requiredText(a.ruleId, 'an approval ruleId'),
    status: 'pending',
    key_id: text(p.keyId ?? null),
    user_name: text(p.user ?? null),
    groups: requiredJson(p.groups, 'approval principal groups'),
    app: text(p.app ?? null),
    model: text(a.model ?? null),
    summary: storableText(String(a.summary ?? '')),
    findings: requiredJson(a.findings, `the findings of approval \`${a.id}\``),
    created_at: controlTime(a.createdAt, 'approval createdAt'),
    expires_at: controlTime(a.expiresAt, 'approval expiresAt'),
    decided_by: null,
    decided_at: null,
    reason: null,
  };
}

export function fromApprovalRow(row: ApprovalRow): ApprovalRecord {
  return {
    id: row.id,
    eventId: row.event_id,
    ruleId: row.rule_id,
    status: row.status as ApprovalStatus,
    principal: {
      keyId: row.key_id,
      user: row.user_name,
      groups: JSON.parse(row.groups) as string[],
      app: row.app,
    },
    model: row.model,
    summary: row.summary,
    findings: JSON.parse(row.findings) as unknown,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reason: row.reason,
  };
}

const DECISION_STATUSES = new Set(['approved', 'denied', 'expired']);

/** A decision checked once: RangeError on another status or an unreadable time. */
export function normalizeDecision(d: ApprovalDecision): ApprovalDecision {
  if (!DECISION_STATUSES.has(d.status)) {
    throw new RangeError(
      `invalid approval decision \`${String(d.status)}\`; use \`approved\`, \`denied\` or \`expired\``,
    );
  }
  return {
    status: d.status,
    by: requiredText(d.by, 'the decider of an approval'),
    reason: text(d.reason ?? null),
    at: controlTime(d.at, 'decision time'),
  };
}

/** A status filter checked once: RangeError on an unknown status. */
export function normalizeApprovalStatus(status: ApprovalStatus | undefined): ApprovalStatus | null {
  if (status === undefined) return null;
  if (!APPROVAL_STATUSES.includes(status)) {
    throw new RangeError(
      `invalid approval status \`${String(status)}\`; use one of ${APPROVAL_STATUSES.join(', ')}`,
    );
  }
  return status;
}

/** One `vault_entries` row. */
export interface VaultRow {
  scope: string;
  value_hash: string;
  placeholder: string;
  ciphertext: string;
  created_at: string;
  expires_at: string;
}

export function toVaultRow(entry: VaultEntry): VaultRow {
  return {
    scope: requiredText(entry.scope, 'a vault scope'),
    value_hash: requiredText(entry.valueHash, 'a vault valueHash'),
    placeholder: requiredText(entry.placeholder, 'a vault placeholder'),
    ciphertext: requiredText(entry.ciphertext, 'a vault ciphertext'),
    created_at: controlTime(entry.createdAt, 'vault entry createdAt'),
    expires_at: controlTime(entry.expiresAt, 'vault entry expiresAt'),
  };
}

export function fromVaultRow(row: VaultRow): VaultEntry {
  return {
    scope: row.scope,
    valueHash: row.value_hash,
    placeholder: row.placeholder,
    ciphertext: row.ciphertext,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/**
 * The entries putVaultEntries returns: for each distinct (scope, valueHash) of the input, in input order,
 * the stored row when there is one.
 */
export function vaultResult(input: readonly VaultRow[], stored: readonly VaultRow[]): VaultEntry[] {
  const byKey = new Map(stored.map((row) => [vaultKey(row), row]));
  const result: VaultEntry[] = [];
  const seen = new Set<string>();
  for (const row of input) {
    const key = vaultKey(row);
    if (seen.has(key)) continue;
    seen.add(key);
    const found = byKey.get(key);
    if (found !== undefined) result.push(fromVaultRow(found));
  }
  return result;
}

function vaultKey(row: { scope: string; value_hash: string }): string {
  return JSON.stringify([row.scope, row.value_hash]);
}

/** One `acknowledgements` row. */
export interface AcknowledgementRow {
  token_hash: string;
  event_id: string;
  rule_id: string;
  key_id: string | null;
  user_name: string | null;
  request_hash: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_event_id: string | null;
  justification: string | null;
}

/** Column order of the `acknowledgements` table. */
export const ACKNOWLEDGEMENT_COLUMNS = [
  'token_hash',
  'event_id',
  'rule_id',
  'key_id',
  'user_name',
  'request_hash',
  'created_at',
  'expires_at',
  'used_at',
  'used_event_id',
  'justification',
] as const satisfies readonly (keyof AcknowledgementRow)[];

export function toAcknowledgementRow(
  a: Omit<AcknowledgementRecord, 'usedAt' | 'usedEventId' | 'justification'>,
): AcknowledgementRow {
  return {
    token_hash: requiredText(a.tokenHash, 'an acknowledgement tokenHash'),
    event_id: requiredText(a.eventId, 'an acknowledgement eventId'),
    rule_id: requiredText(a.ruleId, 'an acknowledgement ruleId'),
    key_id: text(a.keyId ?? null),
    user_name: text(a.user ?? null),
    request_hash: text(a.requestHash ?? null),
    created_at: controlTime(a.createdAt, 'acknowledgement createdAt'),
    expires_at: controlTime(a.expiresAt, 'acknowledgement expiresAt'),
    used_at: null,
    used_event_id: null,
    justification: null,
  };
}

export function fromAcknowledgementRow(row: AcknowledgementRow): AcknowledgementRecord {
  return {
    tokenHash: row.token_hash,
    eventId: row.event_id,
    ruleId: row.rule_id,
    keyId: row.key_id,
    user: row.user_name,
    requestHash: row.request_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    usedEventId: row.used_event_id,
    justification: row.justification,
  };
}

/** The use of an acknowledgement, checked once. */
export function normalizeAcknowledgementUse(u: {
  at: string;
  eventId: string;
  justification: string | null;
}): {
  at: string;
  eventId: string;
  justification: string | null;
} {
  return {
    at: controlTime(u.at, 'acknowledgement use time'),
    eventId: requiredText(u.eventId, 'the eventId using an acknowledgement'),
    justification: text(u.justification ?? null),
  };
}
