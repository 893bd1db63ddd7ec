import type { Event } from '@parapet/core';

/** A stored virtual key. Only the hash of the secret is kept. */
export interface KeyRecord {
  /** Public id, also embedded in the key string. */
  id: string;
  /** Hex SHA-256 of the full key string. */
  hash: string;
  user: string | null;
  groups: string[];
  app: string | null;
  /** Models the key may use; null means all. */
  models: string[] | null;
  /** ISO-8601 times. */
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface EventQuery {
  /** Newest first. */
  limit?: number;
  since?: string;
  /** Only events strictly before this time. */
  until?: string;
  /**
   * Keyset paging: only events after this one in the newest-first order (older time, or the same time
   * and a smaller id). Pass the time and id of the last event of the previous page.
   */
  after?: { time: string; id: string };
  user?: string;
  keyId?: string;
}

export interface EventStore {
  /** Writes a batch atomically: all or none. Rejects when the store is unreachable. */
  insertEvents(events: readonly Event[]): Promise<void>;
  queryEvents(query: EventQuery): Promise<Event[]>;
  getEvent(id: string): Promise<Event | null>;
  countEvents(): Promise<number>;
}

export interface KeyStore {
  createKey(record: KeyRecord): Promise<void>;
  findKey(id: string): Promise<KeyRecord | null>;
  listKeys(): Promise<KeyRecord[]>;
  /** Sets revokedAt; false when no such key. */
  revokeKey(id: string, at: string): Promise<boolean>;
}

/*
 * Control-plane records (policy versions, runtime settings, approvals, the redaction vault,
 * acknowledgements). Rules shared by every port below:
 * - Times are ISO-8601 strings; the store keeps and returns them in `Date#toISOString()` form (UTC,
 *   milliseconds), so `2025-01-01T01:00:00+01:00` reads back as `2025-01-01T00:00:00.000Z`. A time `Date`
 *   cannot read is refused with a RangeError.
 * - `limit` options default to 100 and accept integers from 1 to 10 000 (RangeError otherwise).
 * - JSON-valued fields are stored as `JSON.stringify` of the value and read back with `JSON.parse`.
 * - Every compare-and-set below is safe between replicas sharing one database: one statement or one
 *   transaction decides, never a read followed by a separate write.
 */

/** One stored version of the policy document. */
export interface PolicyVersionRecord {
  /** 1, 2, 3 … assigned by the store, atomically: two replicas inserting at once get distinct numbers. */
  version: number;
  /** The policy text as submitted (YAML or JSON), verbatim. */
  document: string;
  /** Who stored it (`config-file`, a user name, `cli`). */
  author: string;
  comment: string | null;
  createdAt: string;
  /** Last time this version was made active; null when it never was. */
  activatedAt: string | null;
}

/** One entry of the policy activation log. */
export interface PolicyActivation {
  version: number;
  by: string;
  at: string;
}

/** Versioned policy documents and which one is active. */
export interface PolicyStore {
  /** Stores a new version numbered one past the highest so far (1 for the first). */
  insertPolicyVersion(v: {
    document: string;
    author: string;
    comment: string | null;
    createdAt: string;
  }): Promise<PolicyVersionRecord>;
  /** The version, or null when there is none with that number. */
  getPolicyVersion(version: number): Promise<PolicyVersionRecord | null>;
  /** Newest (highest version) first. */
  listPolicyVersions(options?: { limit?: number }): Promise<PolicyVersionRecord[]>;
  /**
   * Makes `version` the active one and appends `{version, by, at}` to the activation log, atomically;
   * false (and nothing recorded) when no such version. The active version is the one activated last
   * (in the order activations were recorded, whatever their `at`).
   */
  activatePolicyVersion(version: number, by: string, at: string): Promise<boolean>;
  /** The active version, or null when none was ever activated. */
  getActivePolicyVersion(): Promise<PolicyVersionRecord | null>;
  /** Activation history, newest first. */
  listPolicyActivations(options?: { limit?: number }): Promise<PolicyActivation[]>;
}

/** A runtime setting: a JSON value under a key (e.g. the policy's `global` kill switch and block lists). */
export interface SettingRecord {
  key: string;
  value: unknown;
  updatedBy: string;
  updatedAt: string;
  /** 1 after the first write of the key, +1 on every later write. */
  revision: number;
}

/** Runtime settings that change without a restart. */
export interface SettingsStore {
  /** The setting, or null when the key was never written. */
  getSetting(key: string): Promise<SettingRecord | null>;
  /**
   * Upserts atomically; revision increments by 1 on every write of that key (starts at 1). Throws a
   * RangeError on an empty key or a value JSON cannot represent (`undefined`, a function).
   */
  putSetting(key: string, value: unknown, by: string, at: string): Promise<SettingRecord>;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** Every ApprovalStatus, in the order a reviewer meets them. */
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = Object.freeze([
  'pending',
  'approved',
  'denied',
  'expired',
]);

/** A request held for a human decision (the policy's `hold` action). */
export interface ApprovalRecord {
  /** Chosen by the caller; unique. */
  id: string;
  /** The event of the held request. */
  eventId: string;
  /** The rule that held it. */
  ruleId: string;
  status: ApprovalStatus;
  principal: { keyId: string | null; user: string | null; groups: string[]; app: string | null };
  model: string | null;
  /** Short redacted summary for the reviewer (never raw content). */
  summary: string;
  /** Findings summary, e.g. `[{family, type, score}]`. */
  findings: unknown;
  createdAt: string;
  /** After this instant the approval can no longer be approved or denied, only expired. */
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}

/** What a decision sets on a pending approval. */
export interface ApprovalDecision {
  status: 'approved' | 'denied' | 'expired';
  by: string;
  reason: string | null;
  at: string;
}

/** The queue of held requests. */
export interface ApprovalStore {
  /**
   * Stores a new approval with status `pending`. Rejects with RecordConflictError when the id exists.
   */
  createApproval(
    a: Omit<ApprovalRecord, 'status' | 'decidedBy' | 'decidedAt' | 'reason'>,
  ): Promise<ApprovalRecord>;
  getApproval(id: string): Promise<ApprovalRecord | null>;
  /** Newest (createdAt) first, ties by id descending; every status when `status` is absent. */
  listApprovals(q?: { status?: ApprovalStatus; limit?: number }): Promise<ApprovalRecord[]>;
  /**
   * Compare-and-set: decides a *pending* approval. Returns the updated record, or null when it does not
   * exist or is no longer pending (already decided or expired) — two reviewers deciding at once: exactly
   * one wins. `approved` and `denied` also need `at` before `expiresAt` (null otherwise: the hold timed
   * out); `expired` may be set at any time while pending. Any other status is a RangeError.
   */
  decideApproval(id: string, d: ApprovalDecision): Promise<ApprovalRecord | null>;
  /**
   * Marks every pending approval whose expiresAt is at or before `now` as `expired` (decidedBy `by`,
   * decidedAt `now`, reason null) and returns them, oldest first. For a sweeper: a replica that died while
   * holding a request leaves its approval pending.
   */
  expirePendingApprovals(now: string, by: string): Promise<ApprovalRecord[]>;
}

/** One reversible-redaction mapping: within a conversation scope, a value and its placeholder. */
export interface VaultEntry {
  /** Conversation scope key (opaque string chosen by the gateway, e.g. a hash). */
  scope: string;
  /** Keyed hash of the original value (hex); unique per scope. */
  valueHash: string;
  /** e.g. `[EMAIL_ADDRESS_1]`; unique per scope. */
  placeholder: string;
  /** The value encrypted by the gateway (opaque to the store). */
  ciphertext: string;
  createdAt: string;
  expiresAt: string;
}

/** The reversible-redaction vault, shared by the replicas serving one conversation. */
export interface VaultStore {
  /**
   * Inserts entries that are absent (by scope+valueHash) and returns the entries now stored for those
   * valueHashes, in the order of the input, once each (existing ones win: a value keeps its first
   * placeholder and ciphertext; its expiresAt is extended to the later of the two). If a placeholder is
   * already taken in the scope by a different value, that insert is skipped and the caller sees it
   * missing from the result (it will renumber). An entry that expired at or before the new entry's
   * createdAt no longer counts: it is replaced. All in one transaction.
   */
  putVaultEntries(entries: readonly VaultEntry[]): Promise<VaultEntry[]>;
  /** Every unexpired entry of a scope (expiresAt > now), oldest first. */
  getVaultEntries(scope: string, now: string): Promise<VaultEntry[]>;
  /** Deletes expired entries (expiresAt <= now); returns how many. */
  purgeExpiredVault(now: string): Promise<number>;
}

/**
 * A `warn` decision waiting for the user's acknowledgement. The gateway hands the user a random token
 * and stores only its hash; re-sending with the token uses the acknowledgement once.
 */
export interface AcknowledgementRecord {
  /** Keyed hash of the token (hex); the token itself is a secret and is never stored. */
  tokenHash: string;
  /** The event that was warned. */
  eventId: string;
  /** The rule that warned. */
  ruleId: string;
  /** Who was warned: only they may acknowledge (the gateway checks). */
  keyId: string | null;
  user: string | null;
  /** Optional hash binding the token to the warned request's content (chosen by the gateway). */
  requestHash: string | null;
  createdAt: string;
  expiresAt: string;
  /** When the token was used; null while unused. */
  usedAt: string | null;
  /** The event of the request that used it. */
  usedEventId: string | null;
  /** The user's justification, recorded when used. */
  justification: string | null;
}

/** Single-use acknowledgement tokens of the `warn` action, valid on every replica. */
export interface AcknowledgementStore {
  /** Stores a new, unused acknowledgement. Rejects with RecordConflictError when the hash exists. */
  createAcknowledgement(
    a: Omit<AcknowledgementRecord, 'usedAt' | 'usedEventId' | 'justification'>,
  ): Promise<AcknowledgementRecord>;
  getAcknowledgement(tokenHash: string): Promise<AcknowledgementRecord | null>;
  /**
   * Compare-and-set: marks an unused acknowledgement whose expiresAt is after `u.at` as used, and returns
   * it; null when it does not exist, was already used or has expired (two requests re-sent with the same
   * token at once: exactly one proceeds).
   */
  useAcknowledgement(
    tokenHash: string,
    u: { at: string; eventId: string; justification: string | null },
  ): Promise<AcknowledgementRecord | null>;
  /** Deletes acknowledgements whose expiresAt <= now, used or not; returns how many. */
  purgeExpiredAcknowledgements(now: string): Promise<number>;
}

/**
 * Direct SQL access for domain stores that live in their own modules (admin access, analytics,
 * discovery): they get the dialect and a way to run statements, and keep their SQL next to their logic.
 * SQLite statements run synchronously on the main connection; PostgreSQL ones on the pool, with
 * `transaction` for several statements that must commit together.
 */
export type SqlAccess =
  | {
      readonly dialect: 'sqlite';
      readonly db: import('better-sqlite3').Database;
      /**
       * Runs a read-only statement off the event loop (a reader thread with its own connection), for heavy
       * admin reads; absent when the store runs without threads.
       */
      readonly read?: <R extends Record<string, unknown>>(
        sql: string,
        params: readonly unknown[],
      ) => Promise<R[]>;
    }
  | {
      readonly dialect: 'postgres';
      query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
      transaction<T>(
        work: (
          q: <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>,
        ) => Promise<T>,
      ): Promise<T>;
    };

export interface Store
  extends EventStore,
    KeyStore,
    PolicyStore,
    SettingsStore,
    ApprovalStore,
    VaultStore,
    AcknowledgementStore {
  readonly kind: 'sqlite' | 'postgres';
  /** SQL access for the domain stores built on this connection (see SqlAccess). */
  readonly sql: SqlAccess;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; null/undefined selects SQLite in dataDir. */
  url?: string | null;
  dataDir: string;
}
