/**
 * The admin audit trail: who did what, when, from where, to what. The handler appends an entry for
 * every successful state-changing request; routes and helpers append explicit ones with recordAudit
 * (sign-ins, content reveals). Entries are never updated or deleted (the tables refuse it).
 */
import { type AccessStore, type AuditRecord, accessStoreFor } from '../../store/access-store.ts';
import type { AdminActor, AdminDeps } from '../context.ts';

/** The audit trail's view of who acted: an AdminActor, or the CLI (`cli:<os user>`). */
export interface AuditActor {
  name: string;
  kind: AdminActor['kind'] | 'cli';
  ip?: string | null;
}

/** Largest `details` kept, as JSON characters; bigger details are replaced by a note saying so. */
export const MAX_AUDIT_DETAILS_CHARS = 4096;

/**
 * Appends one entry to the admin audit trail and returns it. Call it for actions the handler does not
 * record on its own: anything a GET route does that must be traceable (revealing content: action
 * `events.reveal`, target `{event: id}`), or an outcome other than the request itself.
 *
 * - `action`: a short stable name (`events.reveal`, `login.failed`); the handler's own entries use
 *   `METHOD /path-template`.
 * - `target`: what was acted on, as small scalars (`{event: "evt_…"}`), or null.
 * - `details`: a small summary; NEVER secrets, passwords, tokens, policy text or event content. Over
 *   MAX_AUDIT_DETAILS_CHARS of JSON it is replaced by `{truncated: true, chars}`.
 *
 * The time is `deps.clock`'s; the address is the actor's. Rejects when the store does: a caller that
 * must not act unaudited (a reveal) should await it before answering.
 */
export async function recordAudit(
  deps: Pick<AdminDeps, 'store' | 'clock'>,
  actor: AdminActor | AuditActor,
  action: string,
  target: Record<string, string | number> | null,
  details: Record<string, unknown> | null,
): Promise<AuditRecord> {
  return appendAudit(accessStoreFor(deps.store.sql), deps.clock.wallMs(), actor, action, target, details);
}

/** recordAudit on a given access store (the CLI has no AdminDeps). */
export async function appendAudit(
  access: AccessStore,
  nowMs: number,
  actor: AuditActor,
  action: string,
  target: Record<string, string | number> | null,
  details: Record<string, unknown> | null,
): Promise<AuditRecord> {
  return access.appendAudit({
    time: new Date(nowMs).toISOString(),
    actor: actor.name,
    actorKind: actor.kind,
    action: action.slice(0, 200),
    target,
    details: bounded(details),
    ip: actor.ip ?? null,
  });
}

function bounded(details: Record<string, unknown> | null): Record<string, unknown> | null {
  if (details === null) return null;
  const chars = JSON.stringify(details).length;
  return chars > MAX_AUDIT_DETAILS_CHARS ? { truncated: true, chars } : details;
}

/**
 * Body fields whose text is kept in an automatic audit entry (short words a person chose: names,
 * roles, reasons). Every other string is recorded only by its length, so a policy, a password, a
 * message or content never lands in the trail by accident.
 */
const KEPT_TEXT_FIELDS = new Set([
  'name',
  'role',
  'reason',
  'comment',
  'label',
  'labels',
  'status',
  'id',
  'ids',
  'version',
  'format',
  'service',
  'services',
  'action',
  'expires',
  'since',
  'until',
  'against',
  'direction',
  'user',
  'users',
  'app',
  'apps',
  'group',
  'groups',
  'model',
  'models',
  'blocked_apps',
  'blocked_models',
  'blocked_users',
  'blocked_groups',
  'blocked_providers',
  'blocked_keys',
  'category',
  'sanctioned',
]);

/** Field names never recorded in any form, not even their length. */
function isSecretField(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    ['password', 'passphrase', 'secret', 'token', 'credential'].some((part) => lower.includes(part)) ||
    lower === 'key' ||
    lower.endsWith('_key') ||
    lower.endsWith('apikey')
  );
}

const MAX_TEXT = 200;
const MAX_ITEMS = 50;
const MAX_FIELDS = 40;

/** A description of an omitted value. */
interface Omitted {
  omitted: 'text' | 'list' | 'object' | 'secret';
  length?: number;
}

/**
 * The automatic audit details of a request: the body summarised (numbers and booleans as sent, the
 * text of KEPT_TEXT_FIELDS, lengths of other text and lists, secret-looking fields as `{omitted:
 * "secret"}`), and, from the answer, the identifying fields of what was created (`id`, `name`,
 * `version`, `revision`).
 */
export function automaticAuditDetails(body: unknown, answer: unknown): Record<string, unknown> | null {
  const details: Record<string, unknown> = {};
  if (body !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const summary = summarizeObject(body as Record<string, unknown>, 0);
    if (Object.keys(summary).length > 0) details['body'] = summary;
  }
  if (answer !== null && typeof answer === 'object' && !Array.isArray(answer)) {
    const result: Record<string, unknown> = {};
    for (const field of ['id', 'name', 'version', 'revision'] as const) {
      const value = (answer as Record<string, unknown>)[field];
      if (typeof value === 'number' || (typeof value === 'string' && value.length <= MAX_TEXT)) {
        result[field] = value;
      }
    }
    if (Object.keys(result).length > 0) details['result'] = result;
  }
  return Object.keys(details).length === 0 ? null : details;
}

function summarizeObject(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (const key of keys.slice(0, MAX_FIELDS)) out[key] = summarizeField(key, value[key], depth);
  if (keys.length > MAX_FIELDS) out['…'] = { omitted: 'object', length: keys.length - MAX_FIELDS };
  return out;
}

function summarizeField(key: string, value: unknown, depth: number): unknown {
  if (isSecretField(key)) return { omitted: 'secret' } satisfies Omitted;
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  const kept = KEPT_TEXT_FIELDS.has(key);
  if (typeof value === 'string') {
    if (!kept) return { omitted: 'text', length: value.length } satisfies Omitted;
    return value.length <= MAX_TEXT ? value : `${value.slice(0, MAX_TEXT)}…`;
  }
  if (Array.isArray(value)) {
    const scalars = value.every(
      (v) =>
        typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= MAX_TEXT),
    );
    if (kept && scalars && value.length <= MAX_ITEMS) return value;
    return { omitted: 'list', length: value.length } satisfies Omitted;
  }
  if (typeof value === 'object' && depth < 2)
    return summarizeObject(value as Record<string, unknown>, depth + 1);
  return { omitted: 'object' } satisfies Omitted;
}
