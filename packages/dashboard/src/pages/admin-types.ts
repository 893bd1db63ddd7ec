/**
 * Shapes of the admin API answers used by the Keys, Users & tokens and Settings pages (as the OpenAPI
 * document states them: packages/server/src/admin/platform-schemas.ts, schemas.ts, auth/schemas.ts), and
 * small helpers they share.
 */
import { ApiError } from '../api.ts';

// ---------------------------------------------------------------------------------------------------
// Keys

export interface KeySummary {
  id: string;
  user: string | null;
  groups: string[];
  app: string | null;
  /** Models the key may use; null: all. */
  models: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  status: 'ok' | 'expired' | 'revoked';
}

export interface KeyList {
  keys: KeySummary[];
}

/** POST /keys answer: the key itself (`ppk_…`) is in this answer only. */
export interface NewKey extends KeySummary {
  key: string;
}

export interface RevokedKey extends KeySummary {
  alreadyRevoked: boolean;
}

export interface CreateKeyRequest {
  user?: string | null;
  groups?: string[];
  app?: string | null;
  models?: string[] | null;
  expires?: string | null;
}

// ---------------------------------------------------------------------------------------------------
// Users and API tokens

export const ADMIN_ROLES = ['admin', 'policy_author', 'reviewer', 'analyst', 'auditor'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** One line per role, as docs/admin-access.md puts it. */
export const ROLE_DESCRIPTIONS: Readonly<Record<AdminRole, string>> = {
  admin: 'everything, including accounts, tokens, keys and settings',
  policy_author:
    'policies (validate, simulate, store, activate, roll back), discovery, usage, redacted events',
  reviewer: 'the approval queue, labels on events, revealing content to judge a finding (audited)',
  analyst: 'analytics, events with redacted content only, export (redacted)',
  auditor: 'read-only, including accounts, keys, settings and the audit trail; never unredacted content',
};

export interface AdminUser {
  name: string;
  role: AdminRole;
  status: 'active' | 'disabled';
  createdAt: string;
  disabledAt: string | null;
  lastLoginAt: string | null;
}

export interface UserList {
  users: AdminUser[];
}

export interface ApiToken {
  id: string;
  name: string;
  role: AdminRole;
  status: 'active' | 'expired' | 'revoked';
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface TokenList {
  tokens: ApiToken[];
}

/** POST /tokens answer: the token itself (`pat_…`) is in this answer only. */
export interface CreatedToken extends ApiToken {
  token: string;
}

// ---------------------------------------------------------------------------------------------------
// Settings: the global section, the SIEM sink, the audit trail

export interface PolicyIssue {
  path: (string | number)[];
  message: string;
  severity?: 'error' | 'warning';
  suggestion?: string;
}

export interface SettingMeta {
  revision: number;
  updatedBy: string;
  updatedAt: string;
}

export interface GlobalSection {
  block_all: boolean;
  message?: string;
  blocked_apps: string[];
  blocked_models: string[];
  blocked_users: string[];
  blocked_groups: string[];
  blocked_keys: string[];
  blocked_providers: string[];
}

export type BlockListName =
  | 'blocked_users'
  | 'blocked_groups'
  | 'blocked_apps'
  | 'blocked_models'
  | 'blocked_providers'
  | 'blocked_keys';

export const BLOCK_LISTS: readonly { name: BlockListName; label: string; hint: string }[] = [
  { name: 'blocked_users', label: 'Users', hint: 'user names, as keys and events carry them' },
  { name: 'blocked_groups', label: 'Groups', hint: 'groups of the key or the identity provider' },
  { name: 'blocked_apps', label: 'Apps', hint: 'applications (blocking a discovered service adds it here)' },
  { name: 'blocked_models', label: 'Models', hint: 'model names or aliases this gateway serves' },
  { name: 'blocked_providers', label: 'Providers', hint: 'upstream providers of this gateway' },
  { name: 'blocked_keys', label: 'Keys', hint: 'virtual key ids' },
];

export interface GlobalState {
  /** `setting`: written at run time through the admin API; `policy`: the active policy version. */
  source: 'setting' | 'policy';
  policyVersion: number | null;
  setting: SettingMeta | null;
  global: GlobalSection;
}

export interface GlobalChanged extends GlobalState {
  warnings: PolicyIssue[];
}

export type SiemContent = 'redacted' | 'none';
export type SiemStart = 'now' | 'beginning';

export interface SiemSettingsView {
  enabled: boolean;
  url: string | null;
  secretSet: boolean;
  batchSize: number;
  flushIntervalMs: number;
  maxRetries: number;
  timeoutMs: number;
  delayMs: number;
  content: SiemContent;
  start: SiemStart;
}

export interface SiemView {
  source: 'config' | 'setting';
  setting: SettingMeta | null;
  problem: string | null;
  settings: SiemSettingsView;
  status: {
    lease: { holder: string; expiresAt: string; active: boolean } | null;
    cursor: { from: string; until: string | null; after: { time: string; id: string } | null } | null;
    lagMs: number | null;
    stats: { batches: number; events: number; lastDelivery: string | null; lastDeliveredAt: string | null };
    lastError: { at: string; message: string; status: number | null; delivery: string | null } | null;
    failures: number;
  };
}

export interface PutSiemRequest {
  enabled?: boolean;
  url?: string | null;
  secret?: string;
  batchSize?: number;
  flushIntervalMs?: number;
  maxRetries?: number;
  timeoutMs?: number;
  delayMs?: number;
  content?: SiemContent;
  start?: SiemStart;
}

export interface AuditEntry {
  id: number;
  time: string;
  actor: string;
  actorKind: 'user' | 'token' | 'bootstrap' | 'cli';
  action: string;
  target: Record<string, string | number> | null;
  details: Record<string, unknown> | null;
  ip: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  next: string | null;
}

/** Actions worth filtering on (the automatic ones are `METHOD /path-template`). */
export const AUDIT_ACTIONS: readonly string[] = [
  'login',
  'login.failed',
  'events.reveal',
  'POST /kill-switch',
  'PUT /global',
  'PUT /siem',
  'POST /keys',
  'DELETE /keys/{id}',
  'POST /users',
  'PATCH /users/{name}',
  'POST /tokens',
  'DELETE /tokens/{id}',
  'POST /policies',
  'POST /policies/{version}/activate',
  'POST /policies/rollback',
  'POST /approvals/{id}/approve',
  'POST /approvals/{id}/deny',
  'PUT /discovery/services/{id}/status',
  'POST /discovery/import',
  'users.add',
  'users.set-role',
  'users.disable',
  'users.enable',
  'users.passwd',
  'tokens.create',
  'tokens.revoke',
];

// ---------------------------------------------------------------------------------------------------
// Helpers

/** `a, b\nc` → `['a', 'b', 'c']`: trimmed, empty ones and repeats dropped. */
export function splitList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[,\n]/)) {
    const v = part.trim();
    if (v !== '' && !out.includes(v)) out.push(v);
  }
  return out;
}

/** The `issues` an API error carries (validation errors), or none. */
export function issuesOf(error: Error | null): PolicyIssue[] {
  if (!(error instanceof ApiError)) return [];
  const details = error.details as { issues?: unknown } | null;
  const issues = details?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (i): i is PolicyIssue =>
      typeof i === 'object' &&
      i !== null &&
      Array.isArray((i as PolicyIssue).path) &&
      typeof (i as PolicyIssue).message === 'string',
  );
}

/** `['blocked_models', 0]` → `blocked_models[0]`. */
export function issuePath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** A value of an audit entry's details or target as short text: `{"omitted":"secret"}` → `(secret)`. */
export function compactValue(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(compactValue).join(', ')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o['omitted'] === 'secret') return '(secret, not recorded)';
    if (typeof o['omitted'] === 'string' && typeof o['length'] === 'number')
      return `(${o['omitted']}, ${o['length']} chars)`;
    return `{${Object.entries(o)
      .map(([k, v]) => `${k}: ${compactValue(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** `{a: 1, b: 'x'}` → `a=1 · b=x` (null → ''). */
export function compactRecord(record: Record<string, unknown> | null): string {
  if (record === null) return '';
  return Object.entries(record)
    .map(([k, v]) => `${k}=${compactValue(v)}`)
    .join(' · ');
}

/**
 * An audit entry's details as one line: the request summary (`body`) as `k=v`, what it created or
 * changed (`result`) after an arrow; other shapes as `k=v` too.
 */
export function compactDetails(details: Record<string, unknown> | null): string {
  if (details === null) return '';
  const { body, result, ...rest } = details;
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const parts: string[] = [];
  if (isRecord(body)) parts.push(compactRecord(body));
  else if (body !== undefined) parts.push(`body=${compactValue(body)}`);
  if (Object.keys(rest).length > 0) parts.push(compactRecord(rest));
  if (isRecord(result)) parts.push(`→ ${compactRecord(result)}`);
  else if (result !== undefined) parts.push(`→ ${compactValue(result)}`);
  return parts.filter((p) => p !== '').join(' · ');
}

/** Milliseconds as the shortest readable duration: 120000 → `2 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${trim(s)} s`;
  if (s < 3600) return `${trim(s / 60)} min`;
  if (s < 86_400) return `${trim(s / 3600)} h`;
  return `${trim(s / 86_400)} d`;
}

function trim(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}
