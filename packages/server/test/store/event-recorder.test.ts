import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Event } from '@parapet/core';
import {
  createEventRecorder,
  createPostgresStore,
  createSqliteStore,
  type EventRecorderOptions,
  type RecorderTimers,
  type Store,
} from '../../src/store/index.ts';
import {
  adminQuery,
  createTestSchema,
  makeEvent,
  POSTGRES_SKIP,
  POSTGRES_URL,
  startProxy,
  tempDir,
  throughProxy,
  waitFor,
} from './store-fixtures.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Timers that only fire when the test says so. */
function manualTimers(): RecorderTimers & { fire(): void } {
  const callbacks = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval(callback) {
      callbacks.set(next, callback);
      return next++;
    },
    clearInterval(handle) {
      callbacks.delete(handle as number);
    },
    fire() {
      for (const callback of callbacks.values()) callback();
    },
  };
}

/** Wraps a store so a test can take it down; records the order of the ids it accepts. */
function switchable(store: Store) {
  let down = false;
  const accepted: string[] = [];
  const fail = () => Promise.reject(new Error('the store is unavailable'));
  return {
    store: {
      insertEvents: async (events: readonly Event[]) => {
        if (down) return fail();
        await store.insertEvents(events);
        for (const event of events) accepted.push(event.id);
      },
      ping: () => (down ? fail() : store.ping()),
    } satisfies EventRecorderOptions['store'],
    accepted,
    setDown(value: boolean) {
      down = value;
    },
  };
}

function ids(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
}

function settled(recorder: ReturnType<typeof createEventRecorder>): boolean {
  const stats = recorder.stats();
  return stats.healthy && stats.queued === 0 && stats.spooled.events === 0;
}

describe('event recorder against PostgreSQL through a proxy that is cut', { skip: POSTGRES_SKIP }, () => {
  async function setup() {
    const target = new URL(POSTGRES_URL as string);
    const proxy = await startProxy(target.hostname, Number(target.port || 5432));
    const schema = await createTestSchema();
    const store = await createPostgresStore({
      url: throughProxy(POSTGRES_URL as string, proxy),
      schema: schema.name,
      connectionTimeoutMs: 2000,
      queryTimeoutMs: 10_000,
    });
    const spool = tempDir('parapet-spool-');
    const storedIds = async () =>
      (await adminQuery<{ id: string }>(`SELECT id FROM ${schema.name}.events ORDER BY id`)).map((r) => r.id);
    const teardown = async () => {
      await store.close();
      await proxy.close();
      await schema.drop();
      spool.remove();
    };
    return { proxy, store, spoolDir: spool.dir, storedIds, teardown };
  }

  test('2,000 events recorded across an outage all land exactly once', async () => {
    const { proxy, store, spoolDir, storedIds, teardown } = await setup();
    const errors: Error[] = [];
    const recorder = createEventRecorder({
      store,
      spoolDir,
      batchSize: 50,
      flushIntervalMs: 5,
      replayIntervalMs: 50,
      onError: (e) => errors.push(e),
    });
    try {
      const expected = ids('outage', 2000);
      for (const [i, id] of expected.entries()) {
        recorder.record(makeEvent(id));
        if (i % 50 === 49) await sleep(2);
        if (i === 800) proxy.cut();
      }
      await waitFor('the recorder to notice the outage', () => !recorder.stats().healthy);
      await waitFor('events to reach the spool', () => recorder.stats().spooled.events > 0);
      assert.ok(recorder.stats().lastError !== null);
      assert.ok(errors.length > 0);
      proxy.restore();
      await waitFor('the spool to be replayed', () => settled(recorder));
      assert.deepEqual(await storedIds(), expected);
      const stats = recorder.stats();
      assert.equal(stats.dropped, 0);
      assert.equal(stats.rejected, 0);
      assert.ok(stats.written >= 2000);
      assert.deepEqual(readdirSync(spoolDir), []);
    } finally {
      await recorder.close();
      await teardown();
    }
  });

  test('the spool survives a restart: close while down, a new recorder replays after restore', async () => {
    const { proxy, store, spoolDir, storedIds, teardown } = await setup();
    const expected = ids('restart', 500);
    const first = createEventRecorder({
      store,
      spoolDir,
      batchSize: 40,
      flushIntervalMs: 5,
      replayIntervalMs: 50,
    });
    let second: ReturnType<typeof createEventRecorder> | undefined;
    try {
      proxy.cut();
      for (const id of expected) first.record(makeEvent(id));
      await first.close();
      assert.equal(first.stats().spooled.events, 500);
      assert.equal(first.stats().queued, 0);
      for (const name of readdirSync(spoolDir))
        assert.equal(statSync(join(spoolDir, name)).mode & 0o777, 0o600);

      second = createEventRecorder({
        store,
        spoolDir,
        batchSize: 40,
        flushIntervalMs: 5,
        replayIntervalMs: 50,
      });
      assert.equal(second.stats().spooled.events, 500);
      proxy.restore();
      await waitFor('the spool to be replayed', () => settled(second!));
      assert.deepEqual(await storedIds(), expected);
    } finally {
      await second?.close();
      await teardown();
    }
  });
});

describe('event recorder against SQLite', () => {
  async function setup() {
    const data = tempDir();
    const spool = tempDir('parapet-spool-');
    const sqlite = createSqliteStore({ dataDir: data.dir });
    const teardown = async () => {
      await sqlite.close();
      data.remove();
      spool.remove();
    };
    return { sqlite, spoolDir: spool.dir, teardown };
  }

  test('batches reach the store on the timer and on flush', async () => {
    const { sqlite, spoolDir, teardown } = await setup();
    const recorder = createEventRecorder({ store: sqlite, spoolDir, batchSize: 10, flushIntervalMs: 5 });
    try {
      for (const id of ids('timer', 25)) recorder.record(makeEvent(id));
      await waitFor('the timer to flush', async () => (await sqlite.countEvents()) === 25);
      for (const id of ids('flush', 3)) recorder.record(makeEvent(id));
      await recorder.flush();
      assert.equal(await sqlite.countEvents(), 28);
      assert.deepEqual(recorder.stats(), {
        queued: 0,
        spooled: { events: 0, bytes: 0 },
        written: 28,
        dropped: 0,
        rejected: 0,
        lastError: null,
        healthy: true,
      });
    } finally {
      await recorder.close();
      await teardown();
    }
  });

  test('a store that throws for a while loses nothing, and the spool is replayed oldest first', async () => {
    const { sqlite, spoolDir, teardown } = await setup();
    const flaky = switchable(sqlite);
    const recorder = createEventRecorder({
      store: flaky.store,
      spoolDir,
      batchSize: 25,
      flushIntervalMs: 5,
      replayIntervalMs: 30,
    });
    try {
      const expected = ids('flaky', 2000);
      for (const [i, id] of expected.entries()) {
        if (i === 500) flaky.setDown(true);
        if (i === 1500) flaky.setDown(false);
        recorder.record(makeEvent(id));
        if (i % 100 === 99) await sleep(3);
      }
      await waitFor('the spool to be replayed', () => settled(recorder));
      assert.equal(await sqlite.countEvents(), 2000);
      assert.deepEqual((await sqlite.queryEvents({ limit: 10_000 })).map((e) => e.id).sort(), expected);
      assert.deepEqual([...new Set(flaky.accepted)].sort(), expected);
    } finally {
      await recorder.close();
      await teardown();
    }
  });

  test('after an outage the spool is written before newer events, in the order it was filled', async () => {
    const { sqlite, spoolDir, teardown } = await setup();
    const flaky = switchable(sqlite);
    const timers = manualTimers();
    const recorder = createEventRecorder({ store: flaky.store, spoolDir, batchSize: 20, timers });
    try {
      flaky.setDown(true);
      const expected = ids('order', 300);
      for (const id of expected.slice(0, 200)) {
        recorder.record(makeEvent(id));
        if (id.endsWith('0')) await recorder.flush();
      }
      await recorder.flush();
      assert.equal(recorder.stats().spooled.events, 200);
      flaky.setDown(false);
      for (const id of expected.slice(200)) recorder.record(makeEvent(id));
      await recorder.flush();
      assert.deepEqual(flaky.accepted, expected);
      assert.ok(settled(recorder));
    } finally {
      await recorder.close();
      await teardown();
    }
  });

  test('when the spool is full the newest events stay in memory and the rest are dropped and counted', async () => {
    const { sqlite, spoolDir, teardown } = await setup();
    const flaky = switchable(sqlite);
    flaky.setDown(true);
    const maxSpoolBytes = 40_000;
    const recorder = createEventRecorder({
      store: flaky.store,
      spoolDir,
      batchSize: 10,
      maxQueued: 50,
      maxSpoolBytes,
      timers: manualTimers(),
    });
    let next: ReturnType<typeof createEventRecorder> | undefined;
    try {
      const all = ids('bound', 1000);
      for (const id of all) recorder.record(makeEvent(id));
      await recorder.flush();
      const during = recorder.stats();
      assert.ok(during.dropped > 0);
      assert.equal(during.queued, 50);
      assert.ok(during.spooled.bytes <= maxSpoolBytes);
      assert.equal(during.spooled.events + during.queued + during.dropped, 1000);
      assert.equal(during.healthy, false);
      await recorder.close();
      const after = recorder.stats();
      assert.equal(after.queued, 0);
      assert.equal(after.spooled.events + after.dropped, 1000);
      recorder.record(makeEvent('after-close'));
      assert.equal(recorder.stats().dropped, after.dropped + 1);

      // The spool holds the oldest events; a recorder with a working store writes them all.
      flaky.setDown(false);
      next = createEventRecorder({ store: sqlite, spoolDir, timers: manualTimers() });
      await next.flush();
      assert.deepEqual(
        (await sqlite.queryEvents({ limit: 10_000 })).map((e) => e.id).sort(),
        all.slice(0, after.spooled.events),
      );
    } finally {
      await next?.close();
      await teardown();
    }
  });

  test('events the reachable store refuses are rejected one by one; the rest of the batch lands', async () => {
    const { sqlite, spoolDir, teardown } = await setup();
    const errors: Error[] = [];
    const recorder = createEventRecorder({
      store: sqlite,
      spoolDir,
      timers: manualTimers(),
      onError: (e) => errors.push(e),
    });
    try {
      recorder.record(makeEvent('good-1'));
      recorder.record(makeEvent('bad-time', { time: 'not a time', content: 'secret prompt text' }));
      recorder.record(undefined as unknown as Event);
      recorder.record(makeEvent('good-2'));
      await recorder.flush();
      const stats = recorder.stats();
      assert.equal(stats.written, 2);
      assert.equal(stats.rejected, 2);
      assert.equal(stats.healthy, true);
      assert.equal(await sqlite.countEvents(), 2);
      assert.ok(errors.some((e) => e.message.includes('`bad-time`')));
      assert.ok(errors.every((e) => !e.message.includes('secret prompt text')));
      assert.deepEqual(readdirSync(spoolDir), []);
    } finally {
      await recorder.close();
      await teardown();
    }
  });

  test('record never throws, even when onError does', async () => {
    const { spoolDir, teardown } = await setup();
    const broken = {
      insertEvents: () => Promise.reject(new Error('down')),
      ping: () => Promise.reject(new Error('down')),
    };
    const recorder = createEventRecorder({
      store: broken,
      spoolDir,
      timers: manualTimers(),
      onError: () => {
        throw new Error('handler bug');
      },
    });
    try {
      assert.doesNotThrow(() => recorder.record(makeEvent('x')));
      await recorder.flush();
      assert.equal(recorder.stats().spooled.events, 1);
      assert.equal(recorder.stats().lastError, 'down');
    } finally {
      await recorder.close();
      await teardown();
    }
  });

  test('more events than memory holds spill to disk; flush writes them all while the store answers', async () => {
    const { sqlite, spoolDir, teardown } = await setup();
    const recorder = createEventRecorder({
      store: sqlite,
      spoolDir,
      batchSize: 10,
      maxQueued: 100,
      timers: manualTimers(),
    });
    try {
      const expected = ids('burst', 1000);
      for (const id of expected) recorder.record(makeEvent(id));
      assert.ok(recorder.stats().spooled.events > 0);
      await recorder.flush();
      assert.equal(await sqlite.countEvents(), 1000);
      assert.ok(settled(recorder));
      assert.equal(recorder.stats().written, 1000);
      assert.deepEqual(readdirSync(spoolDir), []);
    } finally {
      await recorder.close();
      await teardown();
    }
  });

  test('a spool left by a crash: unfinished files are discarded, unreadable lines counted', async () => {
    const { sqlite, spoolDir, teardown } = await setup();
    writeFileSync(
      join(spoolDir, '0000000000000007-3-0123abcd.jsonl'),
      `${JSON.stringify(makeEvent('crash-1'))}\n{"truncated\n${JSON.stringify(makeEvent('crash-2'))}\n`,
    );
    writeFileSync(join(spoolDir, '0000000000000008-1-0123abcd.jsonl.tmp'), '{"half');
    const recorder = createEventRecorder({ store: sqlite, spoolDir, timers: manualTimers() });
    try {
      assert.equal(recorder.stats().spooled.events, 3);
      await recorder.flush();
      assert.deepEqual((await sqlite.queryEvents({})).map((e) => e.id).sort(), ['crash-1', 'crash-2']);
      assert.equal(recorder.stats().rejected, 1);
      assert.deepEqual(readdirSync(spoolDir), []);
    } finally {
      await recorder.close();
      await teardown();
    }
  });

  test('refuses nonsensical options', async () => {
    assert.throws(
      () =>
        createEventRecorder({
          store: { insertEvents: async () => {}, ping: async () => {} },
          spoolDir: '/tmp/x',
          batchSize: 0,
        }),
      /invalid recorder option `batchSize` `0`/,
    );
  });
});
