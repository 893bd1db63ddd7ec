/**
 * The store folder's public API: the event, key and control-plane stores (SQLite, PostgreSQL), their
 * migrations, the batched event recorder with its on-disk spool, and content encryption.
 */
export {
  CONTENT_KEY_FILE_NAME,
  type ContentKey,
  decryptContent,
  encryptContent,
  type LoadContentKeyOptions,
  loadContentKey,
  parseContentKey,
} from './content-crypto.ts';
export {
  createEventRecorder,
  type EventRecorder,
  type EventRecorderOptions,
  type RecorderStats,
  type RecorderTimers,
} from './event-recorder.ts';
export { type EventSpool, type EventSpoolOptions, openEventSpool, type SpoolSegment } from './event-spool.ts';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration, pendingMigrations } from './migrations.ts';
export { openStore, storeKindForUrl } from './open-store.ts';
export {
  type AcknowledgementRecord,
  type AcknowledgementStore,
  APPROVAL_STATUSES,
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalStatus,
  type ApprovalStore,
  type EventQuery,
  type EventStore,
  type KeyRecord,
  type KeyStore,
  type OpenStoreOptions,
  type PolicyActivation,
  type PolicyStore,
  type PolicyVersionRecord,
  type SettingRecord,
  type SettingsStore,
  type Store,
  type VaultEntry,
  type VaultStore,
} from './ports.ts';
export {
  applyPostgresMigrations,
  createPostgresStore,
  type ParsedPostgresUrl,
  type PostgresStoreOptions,
  parsePostgresUrl,
} from './postgres-store.ts';
export {
  applySqliteMigrations,
  createSqliteStore,
  SQLITE_FILE_NAME,
  type SqliteStoreOptions,
} from './sqlite-store.ts';
export { DEFAULT_QUERY_LIMIT, KeyConflictError, MAX_QUERY_LIMIT, RecordConflictError } from './store-rows.ts';
