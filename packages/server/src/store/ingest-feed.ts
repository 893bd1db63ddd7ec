/**
 * The event feed (schema: migrations/0007-event-feed.ts): every stored event in the order it was stored,
 * written on ingest in the transaction that inserts the event (new events only), and read by the SIEM
 * sink (siem/exporter.ts), which follows `seq` instead of event time, so an event stored long after its
 * own time (a long stream, a request held for approval, a batch replayed from the spool) is exported.
 *
 * Reading in `seq` order is exact on SQLite: one writer at a time, so a row is visible only once every
 * lower number is. On PostgreSQL numbers come from a sequence, taken at insert while transactions commit
 * in any order, so a reader can see 11 while 10 is still uncommitted (or 10 may never come: a rolled-back
 * insert leaves a gap). The reader therefore takes rows in order only up to the first one whose
 * `inserted_at` is not yet older than a settle margin, measured with the database clock
 * (`clock_timestamp()`, the clock that stamped `inserted_at`, never the Node one). Why that is enough: the
 * feed row is the last statement of the insert transaction (the feed hook runs last), so a transaction
 * holding 10 took its number before 11 was taken, and if 11 is older than the margin, 10's transaction has
 * been open for longer than the margin since its feed row; with a margin (5 s at least) far longer than
 * the commit of an insert, it has committed (10 is visible and read before 11) or rolled back (10 never
 * exists). The exporter also never skips a gap silently: the numbers it passes without a row are watched
 * for a day, and a row that shows up in one later is exported then (with a warning), see exporter.ts.
 *
 * Events stored without a feed row — by a replica of an older version still running during a rolling
 * upgrade, which does not write the feed — are added by `addMissing` (the exporter runs it), at the end
 * of the feed, so they are exported too.
 */
import type { Event } from '@parapet/core';
import type Database from 'better-sqlite3';
import type { PgQuery } from './ingest.ts';
import type { SqlAccess } from './ports.ts';
import { EVENT_COLUMNS, fromEventRow, type StoredEventRow, storableText } from './store-rows.ts';

/** The setting written by migration 7: the last `seq` given to the events stored before it. */
export const FEED_BACKFILL_SETTING = 'siem.feed.backfill';

/** The ingest hook (SQLite): one feed row per new event, in batch order. */
export function sqliteFeedIngest(db: Database.Database): (events: readonly Event[]) => void {
  const insert = db.prepare('INSERT INTO event_feed (event_id) VALUES (?) ON CONFLICT (event_id) DO NOTHING');
  return (events) => {
    for (const event of events) insert.run(storableText(event.id));
  };
}

/** The ingest hook (PostgreSQL): one statement per batch, numbers given in batch order. */
export async function postgresFeedIngest(q: PgQuery, events: readonly Event[]): Promise<void> {
  await q(
    `INSERT INTO event_feed (event_id)
     SELECT id FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n
     ON CONFLICT (event_id) DO NOTHING`,
    [events.map((e) => storableText(e.id))],
  );
}

/** One feed row with its event. */
export interface FeedEntry {
  seq: number;
  event: Event;
}

/** An inclusive range of feed positions. */
export interface SeqRange {
  from: number;
  to: number;
}

export interface EventFeed {
  /** The highest position stored (visible to this reader); 0 when the feed is empty. */
  lastSeq(): Promise<number>;
  /**
   * Rows after `after` and up to `ceiling`, in feed order, at most `limit`. On PostgreSQL it stops before
   * the first row not yet older than `settleMs` (database clock): nothing after it is returned either.
   */
  next(after: number, options: { ceiling: number; limit: number; settleMs: number }): Promise<FeedEntry[]>;
  /** Rows with `after < seq <= through`, in feed order (re-reads a batch whose end was fixed). */
  range(after: number, through: number): Promise<FeedEntry[]>;
  /** Rows in any of `ranges`, in feed order, at most `limit`. */
  within(ranges: readonly SeqRange[], limit: number): Promise<FeedEntry[]>;
  /** The lowest position of an event whose time is at or after `time`; null when there is none. */
  firstSeqFrom(time: string): Promise<number | null>;
  /** Rows after `after`, counted up to `cap`. */
  countAfter(after: number, cap: number): Promise<number>;
  /**
   * Adds a row, at the end of the feed, for every stored event that has none (stored by a process that
   * did not write the feed). Works in chunks of `chunk` events, yielding between them. Returns the rows
   * added.
   */
  addMissing(options?: { chunk?: number }): Promise<number>;
}

/** Rows per chunk of `addMissing`. */
const MISSING_CHUNK = 5000;

/** The feed of the store behind `sql`. */
export function createEventFeed(sql: SqlAccess): EventFeed {
  return sql.dialect === 'sqlite' ? sqliteFeed(sql.db) : postgresFeed(sql);
}

type FeedRow = StoredEventRow & { feed_seq: number | string; feed_settled?: boolean };

function entry(row: FeedRow): FeedEntry {
  return { seq: Number(row.feed_seq), event: fromEventRow(row) };
}

// ---------------------------------------------------------------------------------------------------
// SQLite

function sqliteFeed(db: Database.Database): EventFeed {
  const columns = EVENT_COLUMNS.map((c) => `e.${c} AS ${c}`).join(', ');
  const from = `FROM event_feed f JOIN events e ON e.id = f.event_id`;
  const statements = new Map<string, Database.Statement>();
  const prepared = (text: string): Database.Statement => {
    let s = statements.get(text);
    if (s === undefined) {
      s = db.prepare(text);
      statements.set(text, s);
    }
    return s;
  };
  const select = (where: string) =>
    `SELECT f.seq AS feed_seq, ${columns} ${from} WHERE ${where} ORDER BY f.seq`;

  return {
    async lastSeq() {
      return Number(prepared('SELECT coalesce(max(seq), 0) FROM event_feed').pluck().get());
    },
    async next(after, { ceiling, limit }) {
      // One writer at a time: a visible row has every lower number visible too, so no settle is needed.
      const rows = prepared(`${select('f.seq > ? AND f.seq <= ?')} LIMIT ?`).all(after, ceiling, limit);
      return (rows as FeedRow[]).map(entry);
    },
    async range(after, through) {
      return (prepared(select('f.seq > ? AND f.seq <= ?')).all(after, through) as FeedRow[]).map(entry);
    },
    async within(ranges, limit) {
      const found: FeedEntry[] = [];
      const statement = prepared(`${select('f.seq >= ? AND f.seq <= ?')} LIMIT ?`);
      for (const r of [...ranges].sort((a, b) => a.from - b.from)) {
        if (found.length >= limit) break;
        const rows = statement.all(r.from, r.to, limit - found.length) as FeedRow[];
        for (const row of rows) found.push(entry(row));
      }
      return found.sort((a, b) => a.seq - b.seq);
    },
    async firstSeqFrom(time) {
      const seq = prepared(`SELECT min(f.seq) ${from} WHERE e.time >= ?`)
        .pluck()
        .get(new Date(time).toISOString());
      return seq === null || seq === undefined ? null : Number(seq);
    },
    async countAfter(after, cap) {
      return Number(
        prepared('SELECT count(*) FROM (SELECT 1 FROM event_feed WHERE seq > ? LIMIT ?)')
          .pluck()
          .get(after, cap),
      );
    },
    async addMissing(options = {}) {
      const chunk = options.chunk ?? MISSING_CHUNK;
      const scan = prepared(
        'SELECT e.id AS id, EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = e.id) AS fed FROM events e WHERE e.id > ? ORDER BY e.id LIMIT ?',
      );
      const insert = prepared(
        'INSERT INTO event_feed (event_id) VALUES (?) ON CONFLICT (event_id) DO NOTHING',
      );
      const step = db.transaction((last: string): { last: string | null; added: number } => {
        const rows = scan.all(last, chunk) as { id: string; fed: number }[];
        let added = 0;
        for (const row of rows) if (row.fed === 0) added += insert.run(row.id).changes;
        return { last: rows.length < chunk ? null : rows[rows.length - 1]!.id, added };
      });
      let last: string | null = '';
      let total = 0;
      while (last !== null) {
        const done = step.immediate(last);
        total += done.added;
        last = done.last;
        if (last !== null) await new Promise((resolve) => setImmediate(resolve));
      }
      return total;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

/** The events columns as the shared row mapper expects them (JSON as text, time canonical). */
const PG_EVENT_SELECT = EVENT_COLUMNS.map((c) => {
  if (c === 'time') return `to_char(e.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time`;
  if (c === 'groups' || c === 'latency' || c === 'usage' || c === 'findings' || c === 'decision') {
    return `e.${c}::text AS ${c}`;
  }
  return `e.${c} AS ${c}`;
}).join(', ');

function postgresFeed(sql: Extract<SqlAccess, { dialect: 'postgres' }>): EventFeed {
  const from = 'FROM event_feed f JOIN events e ON e.id = f.event_id';
  const select = (where: string, extra = '') =>
    `SELECT f.seq::text AS feed_seq${extra}, ${PG_EVENT_SELECT} ${from} WHERE ${where} ORDER BY f.seq`;

  return {
    async lastSeq() {
      const rows = await sql.query<{ seq: string }>(
        'SELECT coalesce(max(seq), 0)::text AS seq FROM event_feed',
      );
      return Number(rows[0]?.seq ?? 0);
    },
    async next(after, { ceiling, limit, settleMs }) {
      const rows = await sql.query<FeedRow>(
        `${select(
          'f.seq > $1 AND f.seq <= $2',
          `, f.inserted_at <= clock_timestamp() - $4::bigint * interval '1 millisecond' AS feed_settled`,
        )} LIMIT $3`,
        [after, ceiling, limit, Math.max(0, Math.trunc(settleMs))],
      );
      const settled: FeedEntry[] = [];
      for (const row of rows) {
        // A row still within the margin holds back everything after it (its gap may yet be filled).
        if (row.feed_settled !== true) break;
        settled.push(entry(row));
      }
      return settled;
    },
    async range(after, through) {
      return (await sql.query<FeedRow>(select('f.seq > $1 AND f.seq <= $2'), [after, through])).map(entry);
    },
    async within(ranges, limit) {
      if (ranges.length === 0) return [];
      // From the ranges (few) to the feed: one primary-key range scan per range (LATERAL), never a walk
      // of the whole feed in order.
      const rows = await sql.query<FeedRow>(
        `SELECT f.seq::text AS feed_seq, ${PG_EVENT_SELECT}
         FROM unnest($1::bigint[], $2::bigint[]) AS g(lo, hi)
         CROSS JOIN LATERAL (
           SELECT seq, event_id FROM event_feed WHERE seq BETWEEN g.lo AND g.hi ORDER BY seq LIMIT $3
         ) f
         JOIN events e ON e.id = f.event_id
         ORDER BY f.seq LIMIT $3`,
        [ranges.map((r) => r.from), ranges.map((r) => r.to), limit],
      );
      return rows.map(entry);
    },
    async firstSeqFrom(time) {
      const rows = await sql.query<{ seq: string | null }>(
        `SELECT min(f.seq)::text AS seq ${from} WHERE e.time >= $1::timestamptz`,
        [time],
      );
      const seq = rows[0]?.seq ?? null;
      return seq === null ? null : Number(seq);
    },
    async countAfter(after, cap) {
      const rows = await sql.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM (SELECT 1 FROM event_feed WHERE seq > $1 LIMIT $2) t',
        [after, cap],
      );
      return Number(rows[0]?.n ?? 0);
    },
    async addMissing(options = {}) {
      const chunk = options.chunk ?? MISSING_CHUNK;
      let last = '';
      let total = 0;
      for (;;) {
        const rows = await sql.query<{ id: string; fed: boolean }>(
          // The chunk first, then one index probe per event (never a hash of the whole feed).
          'SELECT c.id, EXISTS (SELECT 1 FROM event_feed f WHERE f.event_id = c.id) AS fed FROM (SELECT id FROM events WHERE id > $1 ORDER BY id LIMIT $2) c ORDER BY c.id',
          [last, chunk],
        );
        const missing = rows.filter((r) => !r.fed).map((r) => r.id);
        if (missing.length > 0) {
          const added = await sql.query<{ seq: string }>(
            `INSERT INTO event_feed (event_id)
             SELECT id FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n
             ON CONFLICT (event_id) DO NOTHING RETURNING seq::text AS seq`,
            [missing],
          );
          total += added.length;
        }
        if (rows.length < chunk) return total;
        last = rows[rows.length - 1]!.id;
      }
    },
  };
}
