/**
 * The SIEM sink follows the order events are stored (the event feed, migration 7), not their time: an
 * event stored long after its own time (a request held for approval, a batch replayed from the spool) is
 * still exported, once. Run on SQLite and on PostgreSQL (skipped when PARAPET_TEST_POSTGRES_URL is unset),
 * plus the PostgreSQL cases where inserts commit out of order (the settle margin and the watched gaps),
 * the conversion of an older version's time cursor, the migration's backfill and the sweep that adds the
 * events an older replica stored without a feed row.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Event } from '@parapet/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SIEM_STATE_KEY, SiemStateValue } from '../../src/siem/index.ts';
import {
  createPostgresStore,
  createSqliteStore,
  MIGRATIONS,
  SQLITE_FILE_NAME,
  type Store,
} from '../../src/store/index.ts';
import { createEventFeed, FEED_BACKFILL_SETTING } from '../../src/store/ingest-feed.ts';
import { EVENT_COLUMNS, toEventRow } from '../../src/store/store-rows.ts';
import {
  createTestSchema,
  POSTGRES_SKIP,
  POSTGRES_URL,
  postgresUnderTest,
  sqliteUnderTest,
  tempDir,
} from '../store/store-fixtures.ts';
import { SECRET, siemHarness, timedEvents } from './siem-contract.ts';
import { type SiemReceiver, startSiemReceiver } from './siem-receiver.ts';

const T0 = Date.parse('2025-06-01T10:00:00.000Z');
const MINUTE = 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A store under test, and a way to write to its tables directly (as another process would). */
interface Under {
  store: Store;
  /** A new store on the same database (another replica, or a restart). */
  reopen(): Promise<Store>;
  /** Runs statements in one transaction on a connection of its own; `hold` keeps it open until released. */
  raw: RawAccess;
  cleanup(): Promise<void>;
}

interface RawAccess {
  /** Inserts events into `events` only (an older version: no feed row). */
  insertEventsOnly(events: readonly Event[]): Promise<void>;
  /**
   * Inserts events and their feed rows in a transaction left open (PostgreSQL): its feed positions are
   * taken, its rows invisible until `commit()`.
   */
  openInsert?(events: readonly Event[]): Promise<{ commit(): Promise<void>; rollback(): Promise<void> }>;
}

/** The `events` INSERT of one row, in either dialect's placeholders. */
function insertSql(dialect: 'sqlite' | 'postgres'): string {
  const values =
    dialect === 'sqlite' ? EVENT_COLUMNS.map((c) => `@${c}`) : EVENT_COLUMNS.map((_, k) => `$${k + 1}`);
  return `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${values.join(', ')})`;
}

function sqliteRaw(file: string): RawAccess {
  return {
    async insertEventsOnly(events) {
      const db = new Database(file);
      try {
        const insert = db.prepare(insertSql('sqlite'));
        db.transaction(() => {
          for (const e of events) {
            const row = toEventRow(e);
            insert.run({ ...row, stream: row.stream ? 1 : 0 });
          }
        }).immediate();
      } finally {
        db.close();
      }
    },
  };
}

async function pgClient(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

/** Transactions left open by `openInsert`, rolled back by a test's cleanup (a failed test would else hang it). */
const openClients = new Set<pg.Client>();

async function endOpenInserts(): Promise<void> {
  for (const client of openClients) await client.end().catch(() => undefined);
  openClients.clear();
}

function postgresRaw(schema: string): RawAccess {
  const insertRows = async (client: pg.Client, events: readonly Event[], feed: boolean) => {
    for (const e of events) {
      const row = toEventRow(e);
      await client.query(
        insertSql('postgres'),
        EVENT_COLUMNS.map((c) => row[c]),
      );
      if (feed) await client.query('INSERT INTO event_feed (event_id) VALUES ($1)', [row.id]);
    }
  };
  return {
    async insertEventsOnly(events) {
      const client = await pgClient(schema);
      try {
        await insertRows(client, events, false);
      } finally {
        await client.end();
      }
    },
    async openInsert(events) {
      const client = await pgClient(schema);
      openClients.add(client);
      await client.query('BEGIN');
      await insertRows(client, events, true);
      const end = async (statement: string) => {
        await client.query(statement);
        openClients.delete(client);
        await client.end();
      };
      return { commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
    },
  };
}

async function openSqlite(): Promise<Under> {
  const base = await sqliteUnderTest('parapet-siem-late-');
  return { ...base, raw: sqliteRaw(join(base.dir, SQLITE_FILE_NAME)) };
}

async function openPostgres(): Promise<Under> {
  const base = await postgresUnderTest();
  return {
    ...base,
    raw: postgresRaw(base.schema),
    cleanup: async () => {
      await endOpenInserts();
      await base.cleanup();
    },
  };
}

/**
 * A database at schema version 6 (before the feed) holding `events`, then opened by this version (which
 * migrates it to 7): the upgrade path.
 */
async function openUpgraded(dialect: 'sqlite' | 'postgres', events: readonly Event[]): Promise<Under> {
  const v6 = MIGRATIONS.filter((m) => m.version <= 6);
  if (dialect === 'sqlite') {
    const tmp = tempDir('parapet-siem-upgrade-');
    const file = join(tmp.dir, SQLITE_FILE_NAME);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const m of v6) {
      db.exec(m.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        iso(T0),
      );
    }
    db.close();
    await sqliteRaw(file).insertEventsOnly(events);
    const store = createSqliteStore({ dataDir: tmp.dir });
    const opened = [store];
    return {
      store,
      reopen: async () => {
        const s = createSqliteStore({ dataDir: tmp.dir });
        opened.push(s);
        return s;
      },
      raw: sqliteRaw(file),
      cleanup: async () => {
        for (const s of opened) await s.close();
        tmp.remove();
      },
    };
  }
  const schema = await createTestSchema();
  const client = await pgClient(schema.name);
  try {
    await client.query(
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    for (const m of v6) {
      await client.query(m.postgres);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
    }
  } finally {
    await client.end();
  }
  await postgresRaw(schema.name).insertEventsOnly(events);
  const url = POSTGRES_URL as string;
  const opened: Store[] = [await createPostgresStore({ url, schema: schema.name })];
  return {
    store: opened[0]!,
    reopen: async () => {
      const s = await createPostgresStore({ url, schema: schema.name });
      opened.push(s);
      return s;
    },
    raw: postgresRaw(schema.name),
    cleanup: async () => {
      for (const s of opened) await s.close();
      await schema.drop();
    },
  };
}

async function readState(store: Store): Promise<SiemStateValue> {
  return SiemStateValue.parse((await store.getSetting(SIEM_STATE_KEY))?.value);
}

function run(dialect: 'sqlite' | 'postgres', options: { skip?: string | false } = {}): void {
  describe(`SIEM sink in ingest order on ${dialect}`, { skip: options.skip ?? false }, () => {
    let receiver: SiemReceiver;
    before(async () => {
      receiver = await startSiemReceiver(SECRET);
    });
    after(() => receiver?.close());

    async function setup(siem: Record<string, unknown> = {}, opened?: Under) {
      const under = opened ?? (dialect === 'sqlite' ? await openSqlite() : await openPostgres());
      return siemHarness(receiver, under, siem);
    }

    test('an event stored after the cursor passed its time is exported, exactly once', async () => {
      const s = await setup();
      try {
        await s.under.store.insertEvents(timedEvents('a', 3, T0));
        const a = s.exporter();
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 3, batches: 1 });
        s.clock.now += 30 * MINUTE;
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });

        // Stored now, stamped long before: a request held 30 minutes for approval, and a batch replayed
        // from the spool two days after an outage. A cursor on event time had passed both.
        const held = timedEvents('held', 1, T0 - 30 * MINUTE);
        const spooled = timedEvents('spooled', 2, T0 - 2 * 24 * 60 * MINUTE);
        await s.under.store.insertEvents(held);
        await s.under.store.insertEvents(spooled);
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 3, batches: 1 });
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });

        // Another replica (after the lease expires) sends nothing again.
        s.clock.now += 60_000;
        const b = s.exporter(await s.under.reopen());
        assert.deepEqual(await b.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });

        const ids = s.sent();
        assert.deepEqual(ids, ['a-000', 'a-001', 'a-002', 'held-000', 'spooled-000', 'spooled-001']);
        assert.equal(new Set(ids).size, ids.length, 'each event once, without deduplication');
        const state = await readState(s.under.store);
        assert.equal(state.stats.events, 6);
        assert.equal(state.stats.late, 0);
        assert.deepEqual(state.gaps, []);
      } finally {
        await s.cleanup();
      }
    });

    test('a batch is fixed before it is sent: its repeat is identical, an event stored meanwhile follows', async () => {
      const s = await setup({ batch_size: 5 });
      try {
        await s.under.store.insertEvents(timedEvents('f', 2, T0));
        const a = s.exporter();
        receiver.script(500);
        assert.equal((await a.runOnce()).state, 'failed');
        const state = await readState(s.under.store);
        assert.ok(state.cursor !== null && 'seq' in state.cursor);
        assert.equal(state.cursor.seq, 0);
        assert.equal(state.cursor.through, 2, 'the end of the batch is written before it is sent');

        await s.under.store.insertEvents(timedEvents('late', 1, T0 - 60 * MINUTE));
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 3, batches: 2 });
        const [failed, repeat, next] = receiver.received;
        assert.equal(repeat!.delivery, failed!.delivery, 'the same delivery id');
        assert.equal(repeat!.body, failed!.body, 'the same body');
        assert.deepEqual(
          next!.body
            .trimEnd()
            .split('\n')
            .map((l) => JSON.parse(l).id),
          ['late-000'],
        );
        assert.deepEqual(s.sent(), ['f-000', 'f-001', 'late-000']);
      } finally {
        await s.cleanup();
      }
    });

    test('siem.start: `now` begins after the events already stored, `beginning` before them', async () => {
      const s = await setup({ start: 'now' });
      try {
        await s.under.store.insertEvents(timedEvents('old', 2, T0 + 2 * 3_600_000));
        const a = s.exporter();
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        await s.under.store.insertEvents(timedEvents('new', 1, T0 - 3_600_000));
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 1, batches: 1 });
        assert.deepEqual(s.sent(), ['new-000']);
      } finally {
        await s.cleanup();
      }
    });

    test('events stored without a feed row (an older replica) are added by the sweep and exported', async () => {
      const s = await setup();
      try {
        await s.under.store.insertEvents(timedEvents('a', 2, T0));
        const a = s.exporter();
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 2, batches: 1 });
        await s.under.raw.insertEventsOnly(timedEvents('old-replica', 2, T0 - 5 * MINUTE));
        // A restarted replica sweeps at its first round (PostgreSQL: also every hour).
        await a.stop();
        const b = s.exporter(await s.under.reopen());
        assert.deepEqual(await b.runOnce(), { state: 'caught-up', delivered: 2, batches: 1 });
        assert.deepEqual(await b.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        assert.deepEqual(s.sent(), ['a-000', 'a-001', 'old-replica-000', 'old-replica-001']);
        assert.ok(s.logs.some((l) => l.includes('stored without a feed row')));
        if (dialect === 'postgres') {
          await s.under.raw.insertEventsOnly(timedEvents('later', 1, T0));
          assert.deepEqual(await b.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
          s.clock.now += 3_600_000;
          assert.deepEqual(await b.runOnce(), { state: 'caught-up', delivered: 1, batches: 1 });
        }
      } finally {
        await s.cleanup();
      }
    });

    test('upgrade: the backfill follows (time, id); an older time cursor is converted once, nothing stored after the upgrade is skipped', async () => {
      // Six events one minute apart, stored in reverse order by an older version.
      const before = timedEvents('e', 6, T0, MINUTE).reverse();
      const under = await openUpgraded(dialect, before);
      const s = await setup({}, under);
      try {
        const feed = createEventFeed(s.under.store.sql);
        assert.deepEqual(
          (await feed.range(0, 100)).map((e) => [e.seq, e.event.id]),
          [
            [1, 'e-000'],
            [2, 'e-001'],
            [3, 'e-002'],
            [4, 'e-003'],
            [5, 'e-004'],
            [6, 'e-005'],
          ],
        );
        assert.deepEqual((await s.under.store.getSetting(FEED_BACKFILL_SETTING))?.value, { lastSeq: 6 });

        // The older version's sink had delivered every event before e-003's time.
        await s.under.store.putSetting(
          SIEM_STATE_KEY,
          {
            lease: null,
            cursor: { from: iso(T0 + 3 * MINUTE), until: null, after: null },
            stats: { batches: 4, events: 3, lastDelivery: 'dlv_x', lastDeliveredAt: iso(T0) },
            lastError: null,
            failures: 0,
          },
          'older-version',
          iso(T0),
        );
        // Stored after the upgrade: one late (its time before the old cursor), one new.
        await s.under.store.insertEvents(timedEvents('late', 1, T0 - 60 * MINUTE));
        await s.under.store.insertEvents(timedEvents('new', 1, T0 + 10 * MINUTE));
        const a = s.exporter();
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 5, batches: 2 });
        assert.deepEqual(s.sent(), ['e-003', 'e-004', 'e-005', 'late-000', 'new-000']);
        const state = await readState(s.under.store);
        assert.ok(state.cursor !== null && 'seq' in state.cursor);
        assert.equal(state.cursor.seq, 8);
        assert.equal(state.stats.events, 8, 'the stats carry on');
        assert.ok(s.logs.some((l) => l.includes('converted its time cursor')));
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
      } finally {
        await s.cleanup();
      }
    });

    if (dialect !== 'postgres') return;

    test('PostgreSQL: inserts committing out of order within the settle margin are read in order, none late', async () => {
      const s = await setup({ delay_ms: 1000, batch_size: 10 });
      try {
        const a = s.exporter();
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        // x takes its feed position first but commits after y.
        const x = await s.under.raw.openInsert!(timedEvents('x', 1, T0));
        await s.under.store.insertEvents(timedEvents('y', 1, T0));
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        await new Promise((r) => setTimeout(r, 200));
        await x.commit();
        await new Promise((r) => setTimeout(r, 1000));
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 2, batches: 1 });
        assert.deepEqual(s.sent(), ['x-000', 'y-000']);
        const state = await readState(s.under.store);
        assert.deepEqual(state.gaps, []);
        assert.equal(state.stats.late, 0);
      } finally {
        await s.cleanup();
      }
    });

    test('PostgreSQL: a commit slower than the settle margin leaves a watched gap; the event is sent late, once', async () => {
      const s = await setup({ batch_size: 10 });
      try {
        const a = s.exporter();
        const x = await s.under.raw.openInsert!(timedEvents('slow', 1, T0));
        await s.under.store.insertEvents(timedEvents('quick', 2, T0));
        // Margin 0 here: the sink passes the slow insert's position, which it watches.
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 2, batches: 1 });
        let state = await readState(s.under.store);
        assert.deepEqual(
          state.gaps.map((g) => [g.from, g.to]),
          [[1, 1]],
        );
        assert.ok(s.logs.some((l) => l.includes('passed feed positions without a row')));
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });

        await x.commit();
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 1, batches: 1 });
        assert.ok(s.logs.some((l) => l.includes('committed after it had passed their feed position')));
        state = await readState(s.under.store);
        assert.deepEqual(state.gaps, []);
        assert.equal(state.stats.late, 1);
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        assert.deepEqual(s.sent(), ['quick-000', 'quick-001', 'slow-000']);

        // A gap never filled (a rolled-back insert) is watched for a day, then dropped.
        const z = await s.under.raw.openInsert!(timedEvents('rolled-back', 1, T0));
        await s.under.store.insertEvents(timedEvents('after', 1, T0));
        await z.rollback();
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 1, batches: 1 });
        assert.deepEqual(
          (await readState(s.under.store)).gaps.map((g) => [g.from, g.to]),
          [[4, 4]],
        );
        s.clock.now += 24 * 3_600_000 + 1;
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        assert.deepEqual((await readState(s.under.store)).gaps, []);
        assert.deepEqual(s.sent(), ['quick-000', 'quick-001', 'slow-000', 'after-000']);
      } finally {
        await s.cleanup();
      }
    });
  });
}

run('sqlite');
run('postgres', { skip: POSTGRES_SKIP });
