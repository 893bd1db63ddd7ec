/** The SQLite writer thread (see sqlite-writer.ts): one connection, one batch insert per message. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Event } from '@parapet/core';
import Database from 'better-sqlite3';
import { sqliteEventInserter } from './sqlite-store.ts';

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number };
const db = new Database(file);
db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
db.pragma('synchronous = NORMAL');
const insert = sqliteEventInserter(db);

parentPort?.on('message', (message: { id: number; events: Event[] }) => {
  try {
    insert(message.events);
    parentPort?.postMessage({ id: message.id, ok: true });
  } catch (error) {
    const e = error as { message?: unknown; code?: unknown };
    parentPort?.postMessage({
      id: message.id,
      ok: false,
      message: typeof e.message === 'string' ? e.message : 'the SQLite insert failed',
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
    });
  }
});
