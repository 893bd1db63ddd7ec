import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  createSqliteStore,
  LATEST_SCHEMA_VERSION,
  openStore,
  SQLITE_FILE_NAME,
} from '../../src/store/index.ts';
import { runControlContract } from './control-contract.ts';
import { runStoreContract } from './store-contract.ts';
import { makeEvent, sqliteUnderTest, tempDir } from './store-fixtures.ts';

runStoreContract('sqlite', sqliteUnderTest);
runControlContract('sqlite', sqliteUnderTest);

function runChild(dataDir: string): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures/open-sqlite-store.ts'), dataDir],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('sqlite store', () => {
  test('creates <dataDir>/parapet.db in WAL mode with one row per migration, opened twice', async () => {
    const tmp = tempDir();
    try {
      const dataDir = join(tmp.dir, 'nested', 'data');
      await (await openStore({ dataDir, url: null })).close();
      const store = await openStore({ dataDir });
      assert.equal(store.kind, 'sqlite');
      await store.close();
      const file = join(dataDir, SQLITE_FILE_NAME);
      assert.ok(existsSync(file));
      const db = new Database(file, { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
        assert.deepEqual(
          versions,
          Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
        );
      } finally {
        db.close();
      }
    } finally {
      tmp.remove();
    }
  });

  test('several processes opening a new directory at once all succeed and migrate once', async () => {
    const tmp = tempDir();
    try {
      const codes = await Promise.all([1, 2, 3, 4].map(() => runChild(tmp.dir)));
      assert.deepEqual(codes, [0, 0, 0, 0]);
      const store = createSqliteStore({ dataDir: tmp.dir });
      try {
        assert.equal(await store.countEvents(), 4);
      } finally {
        await store.close();
      }
      const db = new Database(join(tmp.dir, SQLITE_FILE_NAME), { readonly: true });
      try {
        assert.equal(
          db.prepare('SELECT count(*) FROM schema_migrations').pluck().get(),
          LATEST_SCHEMA_VERSION,
        );
      } finally {
        db.close();
      }
    } finally {
      tmp.remove();
    }
  });

  test('a second connection (the keys CLI) reads and writes while the server holds the store open', async () => {
    const tmp = tempDir();
    const server = createSqliteStore({ dataDir: tmp.dir });
    const cli = createSqliteStore({ dataDir: tmp.dir });
    try {
      await server.insertEvents([makeEvent('shared-1')]);
      await cli.createKey({
        id: 'k1',
        hash: 'h1',
        user: null,
        groups: [],
        app: null,
        models: null,
        createdAt: '2025-01-01T00:00:00.000Z',
        expiresAt: null,
        revokedAt: null,
      });
      assert.equal((await server.findKey('k1'))?.id, 'k1');
      assert.equal(await cli.countEvents(), 1);
    } finally {
      await server.close();
      await cli.close();
      tmp.remove();
    }
  });

  test('a database migrated by a newer Parapet is refused', async () => {
    const tmp = tempDir();
    try {
      await (await openStore({ dataDir: tmp.dir })).close();
      const db = new Database(join(tmp.dir, SQLITE_FILE_NAME));
      db.prepare(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')",
      ).run();
      db.close();
      assert.throws(() => createSqliteStore({ dataDir: tmp.dir }), /version 999.*upgrade Parapet/);
    } finally {
      tmp.remove();
    }
  });

  test('openStore refuses a URL scheme it does not know, without echoing the URL', async () => {
    await assert.rejects(
      openStore({ dataDir: '/nonexistent', url: 'mysql://root:s3cret@db/x' }),
      (error: Error) => {
        assert.match(error.message, /unsupported store URL scheme `mysql`/);
        assert.doesNotMatch(error.message, /s3cret/);
        return true;
      },
    );
  });
});
