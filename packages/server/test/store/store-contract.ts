import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Event } from '@parapet/core';
import type { KeyRecord, Store } from '../../src/store/index.ts';
import { KeyConflictError } from '../../src/store/index.ts';
import { makeBareEvent, makeEvent } from './store-fixtures.ts';

/** What a store factory hands the contract: a fresh, empty, migrated store. */
export interface StoreUnderTest {
  store: Store;
  /** Opens a second store on the same data (second process, restart); runs migrations again. */
  reopen?(): Promise<Store>;
  /** Closes what is open and deletes the data. */
  cleanup(): Promise<void>;
}

export interface StoreContractOptions {
  /** A reason to skip the whole suite (e.g. no database configured), or false. */
  skip?: string | false;
}

function key(id: string, overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    hash: `hash-${id}`,
    user: 'alice',
    groups: ['eng'],
    app: 'cli',
    models: ['gpt-4o', 'claude-*'],
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:00:00.000Z',
    revokedAt: null,
    ...overrides,
  };
}

/**
 * The behaviour every Store must have, written once. Each store's test file calls this with a factory
 * that returns an empty store; every test gets its own.
 */
export function runStoreContract(
  name: string,
  factory: () => Promise<StoreUnderTest>,
  options: StoreContractOptions = {},
): void {
  describe(`store contract: ${name}`, { skip: options.skip ?? false }, () => {
    let current: StoreUnderTest;
    let store: Store;
    const cleanups: Array<() => Promise<void>> = [];

    async function fresh(): Promise<Store> {
      const instance = await factory();
      cleanups.push(() => instance.cleanup());
      current = instance;
      store = current.store;
      return store;
    }

    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });

    describe('events', () => {
      before(fresh);

      test('an inserted event reads back equal, every field included', async () => {
        const full = makeEvent('ev-full');
        const bare = makeBareEvent('ev-bare');
        await store.insertEvents([full, bare]);
        assert.deepEqual(await store.getEvent('ev-full'), full);
        assert.deepEqual(await store.getEvent('ev-bare'), bare);
      });

      test('a time in a non-canonical ISO form reads back exactly as given', async () => {
        const times = ['2025-03-01T12:00:00Z', '2025-03-01T13:00:00.123456+01:00', '2025-03-01T12:00:00.5Z'];
        const events = times.map((time, i) => makeEvent(`ev-time-${i}`, { time }));
        await store.insertEvents(events);
        for (const event of events) assert.equal((await store.getEvent(event.id))?.time, event.time);
      });

      test('numbers keep their exact value', async () => {
        const event = makeEvent('ev-numbers', {
          costUsd: 0.1 + 0.2,
          latency: { totalMs: 1e-7, upstreamTtfbMs: 123456789.987654, upstreamTotalMs: 0, overheadMs: 5e300 },
        });
        await store.insertEvents([event]);
        assert.deepEqual(await store.getEvent('ev-numbers'), event);
      });

      test('an unknown id reads as null', async () => {
        assert.equal(await store.getEvent('no-such-event'), null);
      });

      test('an empty batch is a no-op', async () => {
        const before = await store.countEvents();
        await store.insertEvents([]);
        assert.equal(await store.countEvents(), before);
      });

      test('an event whose time cannot be read is refused', async () => {
        await assert.rejects(
          store.insertEvents([makeEvent('ev-bad-time', { time: 'yesterday-ish' })]),
          /time/,
        );
        assert.equal(await store.getEvent('ev-bad-time'), null);
      });
    });

    describe('batches', () => {
      before(fresh);

      test('a batch with one bad row writes nothing', async () => {
        const bad = makeEvent('batch-3', { httpStatus: null as unknown as number });
        const batch = [makeEvent('batch-1'), makeEvent('batch-2'), bad, makeEvent('batch-4')];
        await assert.rejects(store.insertEvents(batch));
        assert.equal(await store.countEvents(), 0);
        assert.equal(await store.getEvent('batch-1'), null);
      });

      test('duplicate ids are ignored, across and within batches, and the first write wins', async () => {
        const first = makeEvent('dup-1', { httpStatus: 200 });
        await store.insertEvents([first, makeEvent('dup-2')]);
        await store.insertEvents([
          makeEvent('dup-1', { httpStatus: 500 }),
          makeEvent('dup-2'),
          makeEvent('dup-3'),
          makeEvent('dup-3'),
        ]);
        assert.equal(await store.countEvents(), 3);
        assert.deepEqual(await store.getEvent('dup-1'), first);
      });

      test('a large batch lands whole', async () => {
        const before = await store.countEvents();
        const events = Array.from({ length: 1500 }, (_, i) => makeEvent(`big-${i}`));
        await store.insertEvents(events);
        assert.equal(await store.countEvents(), before + 1500);
        assert.deepEqual(await store.getEvent('big-1499'), events[1499]);
      });
    });

    describe('queries', () => {
      const at = (minute: number) => `2025-04-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
      const who = (user: string | null, keyId: string | null) => ({
        keyId,
        user,
        groups: [],
        app: null,
        via: 'key' as const,
      });
      const events: Event[] = [
        makeEvent('q-a', { time: at(1), principal: who('alice', 'k1') }),
        makeEvent('q-b', { time: at(2), principal: who('bob', 'k2') }),
        makeEvent('q-c', { time: at(3), principal: who('alice', 'k3') }),
        makeEvent('q-d', { time: at(3), principal: who('bob', 'k2') }),
        makeEvent('q-e', { time: '2025-04-01T11:04:00+01:00', principal: who(null, null) }),
        makeEvent('q-f', { time: at(5), principal: who('alice', 'k1') }),
      ];
      const ids = (list: Event[]) => list.map((e) => e.id);

      before(async () => {
        await fresh();
        await store.insertEvents(events);
      });

      test('newest first, ties broken by id descending', async () => {
        assert.deepEqual(ids(await store.queryEvents({})), ['q-f', 'q-e', 'q-d', 'q-c', 'q-b', 'q-a']);
      });

      test('limit keeps the newest', async () => {
        assert.deepEqual(ids(await store.queryEvents({ limit: 2 })), ['q-f', 'q-e']);
      });

      test('since is inclusive and compares instants, not strings', async () => {
        assert.deepEqual(ids(await store.queryEvents({ since: at(3) })), ['q-f', 'q-e', 'q-d', 'q-c']);
        assert.deepEqual(ids(await store.queryEvents({ since: '2025-04-01T12:03:30+02:00' })), [
          'q-f',
          'q-e',
        ]);
      });

      test('until is exclusive; keyset paging with after visits every event once, ties included', async () => {
        assert.deepEqual(ids(await store.queryEvents({ until: at(3) })), ['q-b', 'q-a']);
        assert.deepEqual(ids(await store.queryEvents({ since: at(2), until: at(5) })), [
          'q-e',
          'q-d',
          'q-c',
          'q-b',
        ]);
        const seen: string[] = [];
        let after: { time: string; id: string } | undefined;
        for (;;) {
          const page = await store.queryEvents({ limit: 2, ...(after === undefined ? {} : { after }) });
          seen.push(...ids(page));
          if (page.length < 2) break;
          after = { time: page[1]!.time, id: page[1]!.id };
        }
        assert.deepEqual(seen, ['q-f', 'q-e', 'q-d', 'q-c', 'q-b', 'q-a']);
        await assert.rejects(store.queryEvents({ until: 'never' }), RangeError);
      });

      test('user and keyId filter, alone and together', async () => {
        assert.deepEqual(ids(await store.queryEvents({ user: 'alice' })), ['q-f', 'q-c', 'q-a']);
        assert.deepEqual(ids(await store.queryEvents({ keyId: 'k2' })), ['q-d', 'q-b']);
        assert.deepEqual(ids(await store.queryEvents({ user: 'alice', keyId: 'k1', since: at(2) })), ['q-f']);
        assert.deepEqual(await store.queryEvents({ user: 'nobody' }), []);
      });

      test('returned events equal the inserted ones', async () => {
        const byId = new Map(events.map((e) => [e.id, e]));
        for (const event of await store.queryEvents({})) assert.deepEqual(event, byId.get(event.id));
      });

      test('a bad limit or since is refused', async () => {
        await assert.rejects(store.queryEvents({ limit: 0 }), RangeError);
        await assert.rejects(store.queryEvents({ limit: 1.5 }), RangeError);
        await assert.rejects(store.queryEvents({ since: 'not a time' }), RangeError);
      });

      test('countEvents counts every event', async () => {
        assert.equal(await store.countEvents(), events.length);
      });
    });

    describe('unicode', () => {
      before(fresh);

      test('content, names and explanations in any script round-trip', async () => {
        const text = 'Grüße 👋🏽 世界 مرحبا שלום नमस्ते e\u0301 "quoted" \\back\\slash \u2028line\u2029 \t\n';
        const event = makeEvent('ev-ü-👋', {
          principal: {
            keyId: 'ключ',
            user: 'José 山田',
            groups: ['équipe', '🚀'],
            app: 'アプリ',
            via: 'key',
          },
          modelRequested: 'modèle-∑',
          contentMode: 'redacted',
          content: JSON.stringify({ messages: [{ role: 'user', content: text }] }),
          findings: {
            input: [
              {
                family: 'pii',
                type: 'PERSON',
                score: 1,
                segment: 0,
                span: { start: 0, end: 4 },
                detector: 'd',
                explanation: text,
              },
            ],
            output: [],
          },
        });
        await store.insertEvents([event]);
        assert.deepEqual(await store.getEvent('ev-ü-👋'), event);
        assert.deepEqual(
          (await store.queryEvents({ user: 'José 山田' })).map((e) => e.id),
          ['ev-ü-👋'],
        );
      });

      test('NUL and lone surrogates become U+FFFD, the same in every store', async () => {
        const event = makeEvent('ev-odd', { content: 'a\u0000b\uD800c\uDC00d', modelServed: '\u0000' });
        await store.insertEvents([event]);
        const got = await store.getEvent('ev-odd');
        assert.equal(got?.content, 'a\uFFFDb\uFFFDc\uFFFDd');
        assert.equal(got?.modelServed, '\uFFFD');
      });
    });

    describe('keys', () => {
      before(fresh);

      test('create, find and list', async () => {
        const a = key('k_b');
        const b = key('k_a', { user: null, app: null, groups: [], models: null, expiresAt: null });
        const c = key('k_c', { createdAt: '2024-12-31T00:00:00.000Z', user: 'Zoë' });
        await store.createKey(a);
        await store.createKey(b);
        await store.createKey(c);
        assert.deepEqual(await store.findKey('k_b'), a);
        assert.deepEqual(await store.findKey('k_a'), b);
        assert.equal(await store.findKey('k_missing'), null);
        assert.deepEqual(await store.listKeys(), [c, b, a]);
      });

      test('a second key with the same id or hash is refused', async () => {
        await assert.rejects(store.createKey(key('k_b', { hash: 'other' })), KeyConflictError);
        await assert.rejects(store.createKey(key('k_other', { hash: 'hash-k_b' })), KeyConflictError);
      });

      test('revoke sets revokedAt once; unknown keys answer false', async () => {
        assert.equal(await store.revokeKey('k_b', '2025-06-01T00:00:00.000Z'), true);
        assert.equal((await store.findKey('k_b'))?.revokedAt, '2025-06-01T00:00:00.000Z');
        assert.equal(await store.revokeKey('k_b', '2025-07-01T00:00:00.000Z'), true);
        assert.equal((await store.findKey('k_b'))?.revokedAt, '2025-06-01T00:00:00.000Z');
        assert.equal((await store.findKey('k_a'))?.revokedAt, null);
        assert.equal(await store.revokeKey('k_missing', '2025-06-01T00:00:00.000Z'), false);
      });
    });

    describe('lifecycle', () => {
      before(fresh);

      test('opening the same data again migrates nothing twice and sees the data', async (t) => {
        if (current.reopen === undefined) {
          t.skip('the factory cannot reopen');
          return;
        }
        await store.insertEvents([makeEvent('life-1')]);
        await store.createKey(key('life-key'));
        const second = await current.reopen();
        try {
          assert.equal(second.kind, store.kind);
          assert.deepEqual(await second.getEvent('life-1'), makeEvent('life-1'));
          assert.deepEqual(await second.findKey('life-key'), key('life-key'));
          await second.insertEvents([makeEvent('life-2')]);
          assert.equal(await store.countEvents(), 2);
        } finally {
          await second.close();
        }
      });

      test('ping answers; after close, calls reject and close is idempotent', async () => {
        await store.ping();
        await store.close();
        await store.close();
        await assert.rejects(store.ping());
        await assert.rejects(store.insertEvents([makeEvent('after-close')]));
        await assert.rejects(store.countEvents());
      });
    });
  });
}
