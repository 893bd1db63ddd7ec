import type { Event } from '@parapet/core';
import { type EventSpool, openEventSpool, type SpoolSegment } from './event-spool.ts';
import type { EventStore, Store } from './ports.ts';

/** Interval timers, injectable for tests. The defaults unref their handles. */
export interface RecorderTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface EventRecorderOptions {
  /** Where events go. `ping` tells an unreachable store from a batch the store refuses. */
  store: Pick<EventStore, 'insertEvents'> & Pick<Store, 'ping'>;
  /** Directory of the on-disk spool; created (mode 0700) when missing. One recorder per directory. */
  spoolDir: string;
  /** Events per store write and per spool file. Default 200. */
  batchSize?: number;
  /** How often queued events are written. Default 100 ms. */
  flushIntervalMs?: number;
  /** Bound on the spool's size on disk. Default 1 GiB. */
  maxSpoolBytes?: number;
  /** How often the spool is replayed, and a failing store retried. Default 2000 ms. */
  replayIntervalMs?: number;
  /** Bound on events held in memory; beyond it they go to the spool at once. Default 10,000. */
  maxQueued?: number;
  /**
   * Told about every failure: store errors, events the store refuses, spool I/O errors. Messages carry
   * event ids and error text, never content. Must not throw (if it does, the error is ignored).
   */
  onError?: (error: Error) => void;
  timers?: RecorderTimers;
}

/** A snapshot of the recorder's counters. */
export interface RecorderStats {
  /** Events held in memory (queued or being written). */
  queued: number;
  /** Events and bytes waiting in the spool. */
  spooled: { events: number; bytes: number };
  /** Events the store accepted. */
  written: number;
  /** Events lost because memory and spool were full (or recorded after close). */
  dropped: number;
  /** Events the store refused while it was reachable (bad data), and unreadable spool lines. */
  rejected: number;
  /** Message of the last failure, or null. */
  lastError: string | null;
  /** False from a failed store write until the next successful one. */
  healthy: boolean;
}

/** Records Events to a store in batches, through an on-disk spool when the store is down. */
export interface EventRecorder {
  /** Queues an event. Never blocks, never throws. */
  record(event: Event): void;
  /**
   * Writes everything queued now, trying the store even while it is failing; what it will not take goes
   * to the spool. Resolves when done.
   */
  flush(): Promise<void>;
  /** Stops the timers, flushes what it can and leaves the rest in the spool. Idempotent. */
  close(): Promise<void>;
  stats(): RecorderStats;
}

const DEFAULT_TIMERS: RecorderTimers = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};

type WriteResult = { ok: true } | { ok: false; remaining: Event[] };

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  if (error instanceof Error && error.message !== '') return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(error);
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`invalid recorder option \`${name}\` \`${value}\`; use a positive number`);
  }
  return value;
}

/**
 * Creates a recorder. Events are queued in memory and written in batches of `batchSize` every
 * `flushIntervalMs` (or as soon as a batch is full). When a write fails and the store does not answer a
 * ping, the batch goes to the spool, the recorder marks itself unhealthy and sends every later batch to
 * the spool until a replay (every `replayIntervalMs`) gets through; then the spool is written oldest
 * first, before newer events, and the recorder is healthy again. When a write fails but the store
 * answers, the batch is written one event at a time and the events it refuses are counted as `rejected`.
 * When the spool is full, the newest `maxQueued` events stay in memory and older ones are `dropped`.
 * A new recorder on the same `spoolDir` replays what an earlier one left.
 */
export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const store = options.store;
  const batchSize = Math.trunc(positive('batchSize', options.batchSize ?? 200));
  const flushIntervalMs = positive('flushIntervalMs', options.flushIntervalMs ?? 100);
  const replayIntervalMs = positive('replayIntervalMs', options.replayIntervalMs ?? 2000);
  const maxSpoolBytes = positive('maxSpoolBytes', options.maxSpoolBytes ?? 1024 ** 3);
  const maxQueued = Math.max(batchSize, Math.trunc(positive('maxQueued', options.maxQueued ?? 10_000)));
  const timers = options.timers ?? DEFAULT_TIMERS;
  const onError = options.onError;
  const spool: EventSpool = openEventSpool({ dir: options.spoolDir, maxBytes: maxSpoolBytes });

  const queue: Event[] = [];
  let inFlight = 0;
  let written = 0;
  let dropped = 0;
  let rejected = 0;
  let lastError: string | null = null;
  let healthy = true;
  let spoolFull = false;
  let closed = false;

  function report(error: unknown): void {
    lastError = messageOf(error);
    if (onError === undefined) return;
    try {
      onError(error instanceof Error ? error : new Error(lastError));
    } catch {
      // A failing error handler must not break recording.
    }
  }

  /** Starts writing a batch to the spool; false (nothing written) when the spool is full. */
  function spill(batch: readonly Event[], seq?: number): boolean {
    const writing = spool.append(batch, seq === undefined ? undefined : { seq });
    if (writing === null) {
      spoolFull = true;
      return false;
    }
    writing.catch((error: unknown) => {
      dropped += batch.length;
      report(new Error(`could not write ${batch.length} events to the spool: ${messageOf(error)}`));
    });
    return true;
  }

  /** Keeps at most maxQueued events in memory: spills the oldest, or drops them when the spool is full. */
  function trimQueue(): void {
    while (queue.length > maxQueued) {
      if (!spoolFull) {
        const batch = queue.slice(0, batchSize);
        if (spill(batch)) {
          queue.splice(0, batch.length);
          continue;
        }
      }
      const excess = queue.length - maxQueued;
      queue.splice(0, excess);
      dropped += excess;
    }
  }

  /** Moves what is queued (only whole batches when `fullOnly`) to the spool, as long as it has room. */
  function spillQueue(fullOnly = false): void {
    while (queue.length >= (fullOnly ? batchSize : 1)) {
      const batch = queue.slice(0, batchSize);
      if (!spill(batch)) break;
      queue.splice(0, batch.length);
    }
  }

  async function reachable(): Promise<boolean> {
    try {
      await store.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** Writes a batch; on failure tells "store down" (returns what is left) from "bad events" (rejects them). */
  async function write(batch: readonly Event[]): Promise<WriteResult> {
    try {
      await store.insertEvents(batch);
      written += batch.length;
      healthy = true;
      return { ok: true };
    } catch (error) {
      if (!(await reachable())) {
        healthy = false;
        report(error);
        return { ok: false, remaining: [...batch] };
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i] as Event;
      try {
        await store.insertEvents([event]);
        written++;
      } catch (error) {
        if (!(await reachable())) {
          healthy = false;
          report(error);
          return { ok: false, remaining: batch.slice(i) };
        }
        rejected++;
        const id = (event as Partial<Event> | null | undefined)?.id;
        report(new Error(`the store refused event \`${String(id)}\`: ${messageOf(error)}`));
      }
    }
    healthy = true;
    return { ok: true };
  }

  /** Replays one spool segment; false when the store is down. */
  async function replay(segment: SpoolSegment): Promise<boolean> {
    let events: Event[];
    try {
      const read = await spool.read(segment);
      events = read.events;
      if (read.invalidLines > 0) {
        rejected += read.invalidLines;
        report(new Error(`skipped ${read.invalidLines} unreadable lines in spool file \`${segment.name}\``));
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        await spool.remove(segment);
        return true;
      }
      throw error;
    }
    const result = await write(events);
    if (!result.ok && result.remaining.length < events.length) {
      // Keep only what is left, in the same place in the order.
      await spool.append(result.remaining, { seq: segment.seq, force: true });
    }
    if (result.ok || result.remaining.length < events.length) {
      await spool.remove(segment);
      spoolFull = false;
    }
    return result.ok;
  }

  /**
   * One pass of the writer: until both are empty, the oldest spool segment if there is one (spooled
   * events are older than queued ones), else the next queued batch.
   */
  async function drain(force: boolean): Promise<void> {
    if (!healthy && !force) {
      // Between retries, whole batches go to disk; a partial one waits for the next retry.
      spillQueue(true);
      return;
    }
    for (;;) {
      const segment = spool.oldest();
      if (segment !== undefined) {
        if (!(await replay(segment))) {
          spillQueue();
          return;
        }
        continue;
      }
      if (queue.length === 0) return;
      const batch = queue.splice(0, batchSize);
      const seq = spool.reserve();
      inFlight += batch.length;
      try {
        const result = await write(batch);
        if (!result.ok) {
          if (!spill(result.remaining, seq)) {
            queue.unshift(...result.remaining);
            trimQueue();
          }
          spillQueue();
          return;
        }
      } finally {
        inFlight -= batch.length;
      }
    }
  }

  /**
   * Writes until the queue is empty and, while the store answers, the spool too, including segments
   * whose write was still in progress when a pass began. Stops when a pass makes no progress.
   */
  async function settle(): Promise<void> {
    await spool.idle();
    for (;;) {
      const before = spool.events;
      await kick(true);
      await spool.idle();
      if (!healthy || spool.segments === 0 || spool.events >= before) return;
    }
  }

  let running: Promise<void> | null = null;
  let again = false;
  let againForce = false;

  /** Runs the writer, one pass at a time; a call while it runs asks for one more pass. */
  function kick(force: boolean): Promise<void> {
    if (running !== null) {
      again = true;
      againForce ||= force;
      return running;
    }
    running = (async () => {
      await null; // let `running` be assigned before the loop can clear it
      let pass = force;
      for (;;) {
        try {
          await drain(pass);
        } catch (error) {
          report(error);
        }
        if (!again) {
          running = null;
          return;
        }
        pass = againForce;
        again = false;
        againForce = false;
      }
    })();
    return running;
  }

  const flushTimer = timers.setInterval(() => {
    if (queue.length > 0 || (healthy && spool.segments > 0)) void kick(false);
  }, flushIntervalMs);
  const replayTimer = timers.setInterval(() => {
    if (!healthy || spool.segments > 0) void kick(true);
  }, replayIntervalMs);

  return {
    record(event) {
      try {
        if (closed) {
          dropped++;
          return;
        }
        queue.push(event);
        if (queue.length > maxQueued) trimQueue();
        else if (healthy && queue.length >= batchSize) void kick(false);
      } catch (error) {
        report(error);
      }
    },

    async flush() {
      await settle();
    },

    async close() {
      if (closed) return;
      closed = true;
      timers.clearInterval(flushTimer);
      timers.clearInterval(replayTimer);
      await settle();
      if (queue.length > 0) {
        dropped += queue.length;
        report(new Error(`dropped ${queue.length} events at close: the spool is full`));
        queue.length = 0;
      }
    },

    stats() {
      return {
        queued: queue.length + inFlight,
        spooled: { events: spool.events, bytes: spool.bytes },
        written,
        dropped,
        rejected,
        lastError,
        healthy,
      };
    },
  };
}
