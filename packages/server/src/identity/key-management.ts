/**
 * Creating, listing and revoking virtual keys: the logic shared by `parapet keys …` and the admin API's
 * `/keys` routes, so both make the same records, show the same fields and read `expires` the same way.
 * Secrets never leave `createVirtualKey`'s answer; listings carry neither the secret nor its hash.
 */
import type { KeyRecord, KeyStore } from '../store/ports.ts';
import { generateVirtualKey, keyUsability, parseDuration } from './virtual-keys.ts';

/** What a new key is for. Absent fields: no user, no groups, no app, every model, no expiry. */
export interface NewKeySpec {
  user?: string | null;
  groups?: readonly string[];
  app?: string | null;
  /** Models the key may use; null or absent: all. */
  models?: readonly string[] | null;
  /** ISO-8601 time, already resolved (see resolveExpiry). */
  expiresAt?: string | null;
}

/** A key as listings show it: never the secret, never the hash. */
export interface ListedKey {
  id: string;
  user: string | null;
  groups: string[];
  app: string | null;
  models: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  status: 'ok' | 'expired' | 'revoked';
}

/** A key just created: `key` is the secret, shown once; `record` is what was stored (hash only). */
export interface CreatedKey {
  key: string;
  record: KeyRecord;
}

/**
 * Generates a key, stores its record (the SHA-256 hash, never the secret) and returns both. Groups and
 * models are de-duplicated, keeping their first order.
 */
export async function createVirtualKey(
  keys: Pick<KeyStore, 'createKey'>,
  spec: NewKeySpec,
  options: { now: Date; randomBytes: (n: number) => Buffer },
): Promise<CreatedKey> {
  const generated = generateVirtualKey(options.randomBytes);
  const record: KeyRecord = {
    id: generated.id,
    hash: generated.hash,
    user: spec.user ?? null,
    groups: dedupe(spec.groups ?? []),
    app: spec.app ?? null,
    models: spec.models === undefined || spec.models === null ? null : dedupe(spec.models),
    createdAt: options.now.toISOString(),
    expiresAt: spec.expiresAt ?? null,
    revokedAt: null,
  };
  await keys.createKey(record);
  return { key: generated.key, record };
}

/** The listing form of a stored key, with its status at `now`. */
export function listedKey(record: KeyRecord, now: Date): ListedKey {
  return {
    id: record.id,
    user: record.user,
    groups: record.groups,
    app: record.app,
    models: record.models,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    status: keyUsability(record, now),
  };
}

/** The outcome of revoking a key: done now, done before, or no such key. */
export type RevokeOutcome = 'revoked' | 'already' | 'missing';

/** Revokes a key by id at `at` (ISO time); a key revoked before keeps its first revocation time. */
export async function revokeVirtualKey(
  keys: Pick<KeyStore, 'findKey' | 'revokeKey'>,
  id: string,
  at: string,
): Promise<RevokeOutcome> {
  const existing = await keys.findKey(id);
  if (existing === null) return 'missing';
  if (existing.revokedAt !== null) return 'already';
  return (await keys.revokeKey(id, at)) ? 'revoked' : 'missing';
}

/** How `expires` text is described to users, in CLI and API messages alike. */
export const EXPIRY_USAGE = 'a duration such as `30d`, `12h`, `90m` or an ISO date such as `2026-01-31`';

/**
 * Turns an expiry into an ISO time: a duration from `now` (`90m`, `12h`, `30d`, also `s` and `w`) or an
 * ISO date or date-time, which must be after `now`. `format`: neither form; `past`: not after `now`.
 */
export function resolveExpiry(text: string, now: Date): { at: string } | { problem: 'format' | 'past' } {
  const duration = parseDuration(text);
  if (duration !== null) return { at: new Date(now.getTime() + duration).toISOString() };
  if (!looksLikeIsoDate(text) || Number.isNaN(Date.parse(text))) return { problem: 'format' };
  const at = new Date(Date.parse(text));
  if (at.getTime() <= now.getTime()) return { problem: 'past' };
  return { at: at.toISOString() };
}

/** `YYYY-MM-DD`, optionally followed by `T` or a space and a time; checked without a RegExp. */
function looksLikeIsoDate(text: string): boolean {
  if (text.length < 10 || text.length > 35) return false;
  for (let i = 0; i < 10; i++) {
    const char = text[i]!;
    const dash = i === 4 || i === 7;
    if (dash ? char !== '-' : char < '0' || char > '9') return false;
  }
  return text.length === 10 || text[10] === 'T' || text[10] === ' ';
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}
