/** The SQLite reader thread (see sqlite-reader.ts): one read-only connection, one statement per message. */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs: number };
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
const cache = new Map<string, Database.Statement>();

parentPort?.on('message', (message: { id: number; sql: string; params: unknown[] }) => {
  try {
    let statement = cache.get(message.sql);
    if (statement === undefined) {
      statement = db.prepare(message.sql);
      if (!statement.reader)
        throw new Error('the SQLite reader thread only runs statements that return rows');
      if (cache.size >= 500) cache.clear();
      cache.set(message.sql, statement);
    }
    parentPort?.postMessage({ id: message.id, ok: true, rows: statement.all(message.params) });
  } catch (error) {
    const e = error as { message?: unknown; code?: unknown };
    parentPort?.postMessage({
      id: message.id,
      ok: false,
      message: typeof e.message === 'string' ? e.message : 'the SQLite read failed',
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
    });
  }
});
