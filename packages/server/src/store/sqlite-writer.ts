import { Worker } from 'node:worker_threads';
import type { Event } from '@parapet/core';

export interface SqliteWriterThreadOptions {
  /** The database file, already created and migrated by the caller. */
  file: string;
  busyTimeoutMs: number;
}

export interface SqliteWriterThread {
  /** Inserts a batch in the worker; rejects with the worker's error. */
  insert(events: readonly Event[]): Promise<void>;
  /** Waits for pending writes, then stops the worker. */
  close(): Promise<void>;
}

type Reply = { id: number; ok: true } | { id: number; ok: false; message: string; code?: string };

// Sources run through tsx (a small JS loader registers it in the worker); the bundle
// (scripts/build.mjs) ships the compiled worker beside itself.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './sqlite-writer-worker-loader.mjs' : './sqlite-writer-worker.mjs',
  import.meta.url,
);

/**
 * A worker thread that owns a second connection to the SQLite file and performs the event inserts, so
 * fsyncs at WAL checkpoints never block the gateway's event loop. Started on the first insert (the
 * `parapet keys` commands never start it) and restarted if it dies; a batch in flight when it dies
 * rejects, and the event recorder spools it.
 */
export function createSqliteWriterThread(options: SqliteWriterThreadOptions): SqliteWriterThread {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let closing = false;

  const failAll = (error: Error): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  const start = (): Worker => {
    const w = new Worker(WORKER_URL, {
      workerData: { file: options.file, busyTimeoutMs: options.busyTimeoutMs },
      // The worker only maps rows and calls SQLite: a small young generation keeps its memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    w.unref();
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if (reply.ok) p.resolve();
      else
        p.reject(
          Object.assign(new Error(reply.message), reply.code === undefined ? {} : { code: reply.code }),
        );
    });
    w.on('error', (error) => {
      if (worker === w) worker = null;
      failAll(error);
    });
    w.on('exit', () => {
      if (worker === w) worker = null;
      failAll(new Error('the SQLite writer thread stopped'));
    });
    return w;
  };

  return {
    insert(events) {
      if (closing) return Promise.reject(new Error('the SQLite store is closed'));
      worker ??= start();
      const w = worker;
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.ref();
        w.postMessage({ id, events });
      });
    },
    async close() {
      closing = true;
      const w = worker;
      if (w === null) return;
      const waits = [...pending.values()].map(
        (p) =>
          new Promise<void>((resolve) => {
            const { resolve: done, reject } = p;
            p.resolve = () => {
              done();
              resolve();
            };
            p.reject = (e) => {
              reject(e);
              resolve();
            };
          }),
      );
      await Promise.all(waits);
      worker = null;
      await w.terminate();
    },
  };
}
