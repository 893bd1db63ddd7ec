/**
 * The SQLite reader thread: the admin API's heavy reads run on their own read-only connection, off the
 * event loop, and see what the writer thread committed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/store/ports.ts';
import { createSqliteStore } from '../../src/store/sqlite-store.ts';

describe('SQLite reader thread', () => {
  let dir: string;
  let store: Store;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parapet-reader-'));
    store = createSqliteStore({ dataDir: dir });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function reader() {
    const sql = store.sql;
    assert.equal(sql.dialect, 'sqlite');
    if (sql.dialect !== 'sqlite' || sql.read === undefined) throw new Error('no reader thread');
    return sql.read;
  }

  test('answers rows with bound parameters, and sees writes committed by another connection', async () => {
    const read = reader();
    assert.deepEqual(await read('SELECT ? + 1 AS n, ? AS s', [41, 'x']), [{ n: 42, s: 'x' }]);
    if (store.sql.dialect === 'sqlite') {
      store.sql.db
        .prepare(
          "INSERT INTO settings (key, value, updated_by, updated_at, revision) VALUES ('reader-test', '1', 't', 'now', 1)",
        )
        .run();
    }
    const rows = await read<{ value: string }>("SELECT value FROM settings WHERE key = 'reader-test'", []);
    assert.deepEqual(rows, [{ value: '1' }]);
  });

  test('refuses statements that write, and reports SQL errors, without stopping', async () => {
    const read = reader();
    await assert.rejects(
      read("DELETE FROM settings WHERE key = 'reader-test'", []),
      /only runs statements that return rows/,
    );
    await assert.rejects(read('SELECT * FROM no_such_table', []), /no such table/);
    assert.deepEqual(await read('SELECT 1 AS one', []), [{ one: 1 }]);
  });

  test('many reads in flight at once each get their own answer', async () => {
    const read = reader();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => read<{ i: number }>('SELECT ? AS i', [i])),
    );
    assert.deepEqual(
      answers.map((r) => r[0]?.i),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});
