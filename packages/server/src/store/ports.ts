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

export interface Store extends EventStore, KeyStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; null/undefined selects SQLite in dataDir. */
  url?: string | null;
  dataDir: string;
}
