import { Worker } from 'node:worker_threads';

export interface SqliteReaderThreadOptions {
  /** The database file, already created and migrated (WAL mode). */
  file: string;
  busyTimeoutMs: number;
}

export interface SqliteReaderThread {
  /** Runs a read-only statement in the worker and answers its rows; rejects with the worker's error. */
  all<R extends Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<R[]>;
  /** Waits for the reads in flight, then stops the worker. */
  close(): Promise<void>;
}

type Reply =
  | { id: number; ok: true; rows: Record<string, unknown>[] }
  | { id: number; ok: false; message: string; code?: string };

// Like the writer thread: sources load through a tsx loader, the bundle ships a compiled worker.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './sqlite-reader-worker-loader.mjs' : './sqlite-reader-worker.mjs',
  import.meta.url,
);

/**
 * A worker thread with a read-only connection to the SQLite file, for the admin API's heavy reads
 * (analytics over the rollups): a dashboard refresh that scans many rollup rows would otherwise hold the
 * gateway's event loop, and every request on it, for tens of milliseconds. WAL mode lets it read while
 * the writer thread writes; it sees committed data only, as the main connection does. Started on the
 * first read, restarted if it dies (the reads in flight reject).
 */
export function createSqliteReaderThread(options: SqliteReaderThreadOptions): SqliteReaderThread {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (rows: Record<string, unknown>[]) => void; reject: (e: Error) => void }
  >();
  let closing = false;
  let drained: (() => void) | null = null;

  const settle = (w: Worker): void => {
    if (pending.size > 0) return;
    w.unref();
    drained?.();
  };

  const failAll = (error: Error): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    drained?.();
  };

  const start = (): Worker => {
    const w = new Worker(WORKER_URL, {
      workerData: { file: options.file, busyTimeoutMs: options.busyTimeoutMs },
      resourceLimits: { maxYoungGenerationSizeMb: 16 },
    });
    w.unref();
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.rows);
      else
        p.reject(
          Object.assign(new Error(reply.message), reply.code === undefined ? {} : { code: reply.code }),
        );
      settle(w);
    });
    w.on('error', (error) => {
      if (worker === w) worker = null;
      failAll(error);
    });
    w.on('exit', () => {
      if (worker === w) worker = null;
      failAll(new Error('the SQLite reader thread stopped'));
    });
    return w;
  };

  return {
    all<R extends Record<string, unknown>>(sql: string, params: readonly unknown[]) {
      if (closing) return Promise.reject(new Error('the SQLite store is closed'));
      worker ??= start();
      const w = worker;
      const id = nextId++;
      return new Promise<R[]>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (rows: Record<string, unknown>[]) => void, reject });
        w.ref();
        w.postMessage({ id, sql, params });
      });
    },
    async close() {
      closing = true;
      const w = worker;
      if (w === null) return;
      if (pending.size > 0) await new Promise<void>((resolve) => (drained = resolve));
      worker = null;
      await w.terminate();
    },
  };
}
