import type { OpenStoreOptions, Store } from './ports.ts';
import { createPostgresStore } from './postgres-store.ts';
import { createSqliteStore } from './sqlite-store.ts';

/** Which store a URL selects: PostgreSQL for `postgres://`/`postgresql://`, SQLite when empty or unset. */
export function storeKindForUrl(url: string | null | undefined): Store['kind'] {
  if (url === null || url === undefined || url.trim() === '') return 'sqlite';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  throw new Error(
    `unsupported store URL scheme \`${scheme ?? ''}\`; use \`postgres://…\` or leave the URL unset for SQLite in the data directory`,
  );
}

/**
 * Opens the store the options select (see OpenStoreOptions): PostgreSQL when `url` is a `postgres://`
 * URL (its `?schema=` parameter is honoured), otherwise SQLite at `<dataDir>/parapet.db`. Migrates it.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (storeKindForUrl(options.url) === 'postgres') {
    return createPostgresStore({ url: (options.url as string).trim() });
  }
  return createSqliteStore({ dataDir: options.dataDir });
}
