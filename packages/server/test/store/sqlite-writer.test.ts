import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSqliteStore } from '../../src/store/index.ts';
import { createSqliteWriterThread } from '../../src/store/sqlite-writer.ts';
import { makeEvent, tempDir } from './store-fixtures.ts';

test('events written by the writer thread are read back by the store, and the inline writer agrees', async () => {
  const dir = tempDir();
  try {
    const threaded = createSqliteStore({ dataDir: dir.dir });
    await threaded.insertEvents([makeEvent('evt_thread_1'), makeEvent('evt_thread_2')]);
    assert.deepEqual(await threaded.getEvent('evt_thread_1'), makeEvent('evt_thread_1'));
    await threaded.close();
    const inline = createSqliteStore({ dataDir: dir.dir, writerThread: false });
    await inline.insertEvents([makeEvent('evt_inline_1'), makeEvent('evt_thread_1')]);
    assert.equal(await inline.countEvents(), 3);
    await inline.close();
  } finally {
    dir.remove();
  }
});

test('a failing write rejects with the SQLite error, and the thread keeps serving', async () => {
  const dir = tempDir();
  try {
    const store = createSqliteStore({ dataDir: dir.dir });
    await store.close();
    const writer = createSqliteWriterThread({ file: join(dir.dir, 'parapet.db'), busyTimeoutMs: 100 });
    const bad = { ...makeEvent('evt_bad'), time: 'not a time' };
    await assert.rejects(writer.insert([bad]), /time/);
    await writer.insert([makeEvent('evt_good')]);
    await writer.close();
    await assert.rejects(writer.insert([makeEvent('evt_late')]), /closed/);
  } finally {
    dir.remove();
  }
});

test('a writer thread that cannot open its file rejects the batch instead of losing it silently', async () => {
  const dir = tempDir();
  try {
    chmodSync(dir.dir, 0o500);
    const writer = createSqliteWriterThread({
      file: join(dir.dir, 'missing', 'parapet.db'),
      busyTimeoutMs: 100,
    });
    await assert.rejects(writer.insert([makeEvent('evt_x')]));
    await writer.close();
  } finally {
    chmodSync(dir.dir, 0o700);
    dir.remove();
  }
});
