/**
 * The analytics rollups against a brute-force recomputation from the raw events, on SQLite and on
 * PostgreSQL: random events (boundary times, offsets in time strings, nulls, several groups, every
 * outcome) inserted through `insertEvents` in random batches, some replayed; then every read of the
 * analytics store over many windows, series buckets and UTC offsets must equal the recomputation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Event } from '@parapet/core';
import { rebuildAnalyticsRollups } from '../../src/store/analytics-rebuild.ts';
import { ENTITY_KINDS, NOT_DATA_FAMILIES } from '../../src/store/analytics-rollup.ts';
import {
  type AnalyticsStore,
  coverWindow,
  createAnalyticsStore,
  type MinuteWindow,
  type SeriesBuckets,
} from '../../src/store/analytics-store.ts';
import { createPostgresStore, createSqliteStore, type Store } from '../../src/store/index.ts';
import {
  random,
  randomEvents,
  refDestinations,
  refDistinct,
  refEntities,
  refFindings,
  refUsageByOutcome,
  SPAN_MS,
  SPAN_START_MS,
} from './analytics-reference.ts';
import { createTestSchema, POSTGRES_SKIP, POSTGRES_URL, tempDir } from './store-fixtures.ts';

interface Opened {
  store: Store;
  /** A second store on the same database (another replica, another process). */
  second(): Promise<Store>;
  cleanup(): Promise<void>;
}

const START = SPAN_START_MS / 60_000;
const END = (SPAN_START_MS + SPAN_MS) / 60_000 + 1;

/** Windows that start and end on and off every kind of boundary. */
function windows(): MinuteWindow[] {
  const next = random(7);
  const out: MinuteWindow[] = [
    { since: START - 1440, until: END + 1440 },
    { since: START, until: START + 1440 },
    { since: START + 59, until: START + 1441 },
    { since: START + 1439, until: START + 1441 },
    { since: START + 600, until: START + 601 },
    { since: START + 125, until: START + 3 * 1440 - 7 },
    { since: END + 10, until: END + 100 },
  ];
  for (let i = 0; i < 8; i++) {
    const a = START + Math.floor(next() * (END - START));
    const b = START + Math.floor(next() * (END - START));
    if (a !== b) out.push({ since: Math.min(a, b), until: Math.max(a, b) });
  }
  return out;
}

const SERIES: SeriesBuckets[] = [
  { grain: 1440, offset: 0 },
  { grain: 1440, offset: 120 },
  { grain: 1440, offset: -330 },
  { grain: 1440, offset: 345 },
  { grain: 60, offset: 0 },
  { grain: 60, offset: -30 },
  { grain: 1, offset: 0 },
];

/** Deep equality with costs compared to the nano-dollar. */
function same(actual: unknown, expected: unknown, what: string): void {
  const norm = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v, (k, x) => (k === 'costUsd' && typeof x === 'number' ? Math.round(x * 1e9) : x)),
    );
  assert.deepEqual(norm(actual), norm(expected), what);
}

function runAnalyticsContract(name: string, open: () => Promise<Opened>, skip: string | false = false): void {
  describe(`analytics rollups: ${name}`, { skip }, () => {
    let opened: Opened;
    let analytics: AnalyticsStore;
    let events: Event[];

    before(async () => {
      opened = await open();
      analytics = createAnalyticsStore(opened.store.sql);
      events = randomEvents(1500, 11);
      const next = random(3);
      // Random batch sizes; every third batch is sent again, and some batches mix old and new events.
      let i = 0;
      let previous: Event[] = [];
      while (i < events.length) {
        const size = 1 + Math.floor(next() * 200);
        const batch = events.slice(i, i + size);
        i += size;
        await opened.store.insertEvents(batch);
        if (next() < 0.33) await opened.store.insertEvents(batch);
        if (next() < 0.2 && previous.length > 0) await opened.store.insertEvents([...previous.slice(0, 5)]);
        previous = batch;
      }
      await opened.store.insertEvents(events.slice(0, 300));
    });

    after(async () => opened?.cleanup());

    test('every event is stored once and counted once', async () => {
      assert.equal(await opened.store.countEvents(), events.length);
      const all = await analytics.usageByOutcome({ since: START - 10, until: END + 10 });
      assert.equal(
        all.reduce((n, r) => n + r.requests, 0),
        events.length,
      );
    });

    test('usage per outcome, over the window and per series bucket, equals the recomputation', async () => {
      for (const w of windows()) {
        same(await analytics.usageByOutcome(w), refUsageByOutcome(events, w), `window ${JSON.stringify(w)}`);
        for (const b of SERIES) {
          if ((w.until - w.since) / b.grain > 3000) continue;
          same(
            await analytics.usageByOutcome(w, b),
            refUsageByOutcome(events, w, b),
            `window ${JSON.stringify(w)}, buckets ${JSON.stringify(b)}`,
          );
        }
      }
    });

    test('active users, apps and models are exact distinct counts, per bucket and over the window', async () => {
      const kinds = ['user', 'app', 'model', 'group', 'provider'] as const;
      for (const w of windows()) {
        same(await analytics.distinctCounts(w, kinds), refDistinct(events, w, kinds), JSON.stringify(w));
        for (const b of SERIES) {
          if ((w.until - w.since) / b.grain > 3000) continue;
          same(
            await analytics.distinctCounts(w, kinds, b),
            refDistinct(events, w, kinds, b),
            `window ${JSON.stringify(w)}, buckets ${JSON.stringify(b)}`,
          );
        }
      }
      // Summing per-day counts would overcount: the exact count over three days is at most 5 users.
      const threeDays = await analytics.distinctCounts({ since: START, until: END }, ['user']);
      assert.equal(threeDays[0]?.count, 5);
    });

    test('users, groups (each of an event’s groups), apps, models and providers with risk', async () => {
      for (const w of windows()) {
        for (const kind of ENTITY_KINDS) {
          for (const sort of ['risk', 'interactions', 'cost', 'tokens'] as const) {
            same(
              await analytics.entities(kind, w, { sort, limit: 4 }),
              refEntities(events, kind, w, { sort, limit: 4 }),
              `${kind} by ${sort} in ${JSON.stringify(w)}`,
            );
          }
          same(
            await analytics.entities(kind, w, {
              sort: 'interactions',
              limit: 1,
              names: ['', 'eng', 'alice', 'ide'],
            }),
            refEntities(events, kind, w, {
              sort: 'interactions',
              limit: 1,
              names: ['', 'eng', 'alice', 'ide'],
            }),
            `${kind} by name in ${JSON.stringify(w)}`,
          );
          same(
            await analytics.nameTotals(kind, w),
            refEntities(events, kind, w, { sort: 'interactions', limit: 100 }).map((r) => ({
              name: r.name,
              requests: r.requests,
            })),
            `${kind} totals in ${JSON.stringify(w)}`,
          );
        }
      }
    });

    test('detections by family and type, topics, and destinations', async () => {
      for (const w of windows()) {
        for (const filter of [
          { level: 'type' as const, limit: 100 },
          { level: 'family' as const, limit: 100 },
          { level: 'type' as const, excludeFamilies: ['topics'], limit: 3 },
          { level: 'type' as const, families: ['topics'], limit: 10 },
          { level: 'type' as const, families: [], limit: 10 },
        ]) {
          same(
            await analytics.findings(w, filter),
            refFindings(events, w, filter),
            `${JSON.stringify(filter)} in ${JSON.stringify(w)}`,
          );
        }
        for (const filter of [
          { excludeFamilies: NOT_DATA_FAMILIES, limit: 500 },
          { families: ['pii'], limit: 5 },
        ]) {
          same(
            await analytics.destinations(w, filter),
            refDestinations(events, w, filter),
            `destinations ${JSON.stringify(filter)} in ${JSON.stringify(w)}`,
          );
        }
      }
    });

    test('rebuild: emptied or damaged rollups are recomputed from the stored events', async () => {
      const w = { since: START - 10, until: END + 10 };
      const before = {
        usage: await analytics.usageByOutcome(w, { grain: 60, offset: 0 }),
        users: await analytics.entities('user', w, { sort: 'risk', limit: 100 }),
        findings: await analytics.findings(w, { level: 'type', limit: 100 }),
      };
      const sql = opened.store.sql;
      const damage = 'DELETE FROM rollup_entities WHERE grain = 60';
      if (sql.dialect === 'sqlite') sql.db.prepare(damage).run();
      else await sql.query(damage);
      assert.notDeepEqual(
        await analytics.entities(
          'user',
          { since: START + 61, until: START + 200 },
          { sort: 'risk', limit: 5 },
        ),
        [],
      );
      assert.equal(await rebuildAnalyticsRollups(opened.store), events.length);
      same(await analytics.usageByOutcome(w, { grain: 60, offset: 0 }), before.usage, 'usage');
      same(await analytics.entities('user', w, { sort: 'risk', limit: 100 }), before.users, 'users');
      same(await analytics.findings(w, { level: 'type', limit: 100 }), before.findings, 'findings');
      for (const x of windows()) {
        same(
          await analytics.entities('group', x, { sort: 'interactions', limit: 10 }),
          refEntities(events, 'group', x, { sort: 'interactions', limit: 10 }),
          JSON.stringify(x),
        );
      }
    });

    test('two writers adding to the same rollup rows at once: no deadlock, nothing lost', async () => {
      const other = await opened.second();
      const extra = randomEvents(1200, 99).map((e, i) => ({
        ...e,
        id: `both-${i}`,
        // All in the same few minutes, so both writers hit the same rows.
        time: new Date(Date.parse('2025-03-10T10:00:00Z') + (i % 180) * 1000).toISOString(),
      }));
      const w = { since: START + 9 * 1440, until: START + 10 * 1440 };
      const writes: Promise<void>[] = [];
      for (let i = 0; i < extra.length; i += 100) {
        const batch = extra.slice(i, i + 100);
        writes.push((i / 100) % 2 === 0 ? opened.store.insertEvents(batch) : other.insertEvents(batch));
      }
      await Promise.all(writes);
      same(await analytics.usageByOutcome(w), refUsageByOutcome(extra, w), 'usage');
      same(
        await analytics.distinctCounts(w, ['user', 'group'], { grain: 60, offset: 0 }),
        refDistinct(extra, w, ['user', 'group'], { grain: 60, offset: 0 }),
        'distinct',
      );
      same(
        await analytics.entities('group', w, { sort: 'risk', limit: 10 }),
        refEntities(extra, 'group', w, { sort: 'risk', limit: 10 }),
        'groups',
      );
    });

    test('an event exactly on a day boundary is in the new day, the millisecond before in the old one', async () => {
      const day = START + 5 * 1440;
      const at = (ms: number, id: string): Event => ({ ...events[0]!, id, time: new Date(ms).toISOString() });
      await opened.store.insertEvents([
        at(day * 60_000 - 1, 'edge-before'),
        at(day * 60_000, 'edge-at'),
        // 00:30 local in UTC+02:00 is 22:30 UTC the day before.
        { ...at(0, 'edge-offset'), time: new Date((day + 30) * 60_000).toISOString().replace('Z', '+02:00') },
      ]);
      const w = { since: day - 1440, until: day + 1440 };
      const utc = await analytics.usageByOutcome(w, { grain: 1440, offset: 0 });
      const perDay = (rows: typeof utc) =>
        Object.fromEntries(
          [...new Set(rows.map((r) => r.start))].map((s) => [
            s,
            rows.filter((r) => r.start === s).reduce((n, r) => n + r.requests, 0),
          ]),
        );
      assert.deepEqual(perDay(utc), { [day - 1440]: 2, [day]: 1 });
      const plus2 = await analytics.usageByOutcome(w, { grain: 1440, offset: 120 });
      // In UTC+02:00 the local day starts at 22:00 UTC: all three fall in the local day starting at day − 120.
      assert.deepEqual(perDay(plus2), { [day - 120]: 3 });
    });

    test('an event dated beyond the rollups’ range is stored with its batch and left out of the counts', async () => {
      const before = await analytics.usageByOutcome({ since: START - 10, until: END + 10 });
      const count = (rows: typeof before) => rows.reduce((n, r) => n + r.requests, 0);
      const stored = await opened.store.countEvents();
      // Year 7000 (epoch minute > 2^31 − 1) does not fit a 32-bit bucket; the second event does.
      await opened.store.insertEvents([
        { ...events[0]!, id: 'far-future', time: '+007000-01-01T00:00:00.000Z' },
        { ...events[0]!, id: 'in-range', time: new Date((START + 7) * 60_000).toISOString() },
      ]);
      assert.equal(await opened.store.countEvents(), stored + 2);
      const after = await analytics.usageByOutcome({ since: START - 10, until: END + 10 });
      assert.equal(count(after), count(before) + 1);
      assert.equal(await rebuildAnalyticsRollups(opened.store), stored + 2);
      assert.equal(
        count(await analytics.usageByOutcome({ since: START - 10, until: END + 10 })),
        count(after),
      );
    });
  });
}

describe('coverWindow', () => {
  test('covers every window exactly, with pieces aligned to their grain and to the series buckets', () => {
    const next = random(5);
    for (let i = 0; i < 2000; i++) {
      const since = Math.floor(next() * 20_000);
      const until = since + 1 + Math.floor(next() * 10_000);
      const buckets: SeriesBuckets | undefined =
        next() < 0.3
          ? undefined
          : { grain: [1, 60, 1440][Math.floor(next() * 3)]!, offset: Math.floor(next() * 1500) - 750 };
      const pieces = coverWindow({ since, until }, buckets);
      let at = since;
      for (const p of [...pieces].sort((a, b) => a.from - b.from)) {
        assert.equal(p.from, at);
        assert.ok(p.to > p.from);
        assert.equal(p.from % p.grain, 0);
        assert.equal(p.to % p.grain, 0);
        if (buckets !== undefined) {
          assert.ok(p.grain <= buckets.grain);
          assert.equal(((buckets.offset % p.grain) + p.grain) % p.grain, 0);
        }
        at = p.to;
      }
      assert.equal(at, until);
      assert.ok(pieces.length <= 5, `${pieces.length} pieces`);
    }
  });

  test('uses day rows in the middle of a long window', () => {
    const pieces = coverWindow({ since: 1440 * 10 + 75, until: 1440 * 20 + 61 });
    assert.deepEqual(pieces, [
      { grain: 1, from: 14475, to: 14520 },
      { grain: 60, from: 14520, to: 15840 },
      { grain: 1440, from: 15840, to: 28800 },
      { grain: 60, from: 28800, to: 28860 },
      { grain: 1, from: 28860, to: 28861 },
    ]);
  });
});

runAnalyticsContract('sqlite', async () => {
  const tmp = tempDir('parapet-analytics-');
  const stores = [createSqliteStore({ dataDir: tmp.dir })];
  return {
    store: stores[0]!,
    second: async () => {
      const store = createSqliteStore({ dataDir: tmp.dir });
      stores.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      tmp.remove();
    },
  };
});

runAnalyticsContract(
  'postgres',
  async () => {
    const schema = await createTestSchema();
    const open = () => createPostgresStore({ url: POSTGRES_URL as string, schema: schema.name });
    const stores = [await open()];
    return {
      store: stores[0]!,
      second: async () => {
        const store = await open();
        stores.push(store);
        return store;
      },
      cleanup: async () => {
        for (const store of stores) await store.close();
        await schema.drop();
      },
    };
  },
  POSTGRES_SKIP,
);
