/**
 * Event search for the Activity table and exports: filter, text search and keyset paging over the index
 * kept by ingest-search.ts, plus reviewer labels (`event_labels`), in both dialects.
 *
 * How a page is found: every filter is a list of the events carrying one term, kept in newest-first order
 * by the primary key of `event_search_terms` (term, seq); a text search is the FTS5 index (SQLite, rowid =
 * seq) or the GIN index on `words` (PostgreSQL). The list with the fewest entries in the time window
 * (counted up to DRIVER_PROBE_CAP) is read newest first from the cursor, and each entry is checked against
 * the other filters by primary-key lookups, until the page is full. No filter: `event_search` by seq.
 */
import type { Event, EventPreview } from '@parapet/core';
import {
  type EventAction,
  ftsQuery,
  type QueryWord,
  queryWords,
  seqAt,
  type TermKind,
  termOf,
  tsQuery,
} from './event-search-index.ts';
import { postgresSearchIngest, searchEntry, sqliteSearchIngest } from './ingest-search.ts';
import type { SqlAccess } from './ports.ts';
import {
  canonicalTime,
  EVENT_COLUMNS,
  fromEventRow,
  type StoredEventRow,
  storableText,
} from './store-rows.ts';

/** Filters of the event list; absent ones do not filter. All given filters must hold. */
export interface EventFilters {
  user?: string;
  group?: string;
  app?: string;
  /** Requested or served model. */
  model?: string;
  action?: EventAction;
  status?: Event['status'];
  /** A finding family in either direction. */
  family?: string;
  /** A finding type in either direction. */
  type?: string;
  /** A finding of family `topics` with this type. */
  topic?: string;
  /** A rule that decided, matched (trail), redacted, or held / was acknowledged. */
  rule?: string;
  /** A reviewer label. */
  label?: string;
  /** ISO-8601 time: only events at or after it. */
  since?: string;
  /** ISO-8601 time: only events strictly before it. */
  until?: string;
  /**
   * Words of the redacted preview: every word must appear as a word (case and accents ignored); `word*`
   * (3 or more characters before the `*`) matches every word starting with it.
   */
  q?: string;
}

/** The filter names that are terms, in a fixed order. */
export const TERM_FILTERS: readonly (TermKind & keyof EventFilters)[] = [
  'user',
  'group',
  'app',
  'model',
  'action',
  'status',
  'family',
  'type',
  'topic',
  'rule',
  'label',
];

export interface EventPageRequest extends EventFilters {
  /** 1 to MAX_PAGE_LIMIT. */
  limit: number;
  /** `nextCursor` of the previous page. */
  after?: string | null;
}

/** An event as listed: every field but the content, with its preview and labels. */
export interface EventListing {
  event: Omit<Event, 'content' | 'preview'>;
  preview: EventPreview | null;
  labels: string[];
}

export interface EventPage {
  events: EventListing[];
  /** Pass as `after` for the next page; null when this page is the last. */
  nextCursor: string | null;
}

/** A reviewer label on an event. */
export interface EventLabel {
  eventId: string;
  label: string;
  note: string | null;
  by: string;
  at: string;
}

export interface EventSearch {
  /** One page, newest first. RangeError on a bad cursor, limit or time. */
  page(request: EventPageRequest): Promise<EventPage>;
  /** Every matching event, newest first, in pages of `pageSize`, at most `max`. */
  scan(filters: EventFilters, options?: { pageSize?: number; max?: number }): AsyncGenerator<EventListing>;
  /** The redacted preview of an event; null when it has none (or is not indexed). */
  preview(eventId: string): Promise<EventPreview | null>;
  labels(eventId: string): Promise<EventLabel[]>;
  /** Sets (or replaces the note of) a label; null when there is no such event. */
  putLabel(label: EventLabel): Promise<EventLabel | null>;
  /** Removes a label; whether it was there. */
  deleteLabel(eventId: string, label: string): Promise<boolean>;
  /**
   * Indexes events stored before the index existed (or by a store without it), `batch` at a time; returns
   * how many. Their preview is taken from `redacted` content; encrypted events get none (no key here).
   */
  indexMissing(options?: { batch?: number }): Promise<number>;
}

export const MAX_PAGE_LIMIT = 1000;
/** A label name: 1 to 64 lower-case letters, digits, `_`, `.` or `-`, starting with a letter or digit. */
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** Entries counted per filter to choose the list a page is read from. */
export const DRIVER_PROBE_CAP = 5000;

const CURSOR = /^-?[0-9]{1,19}$/;
const INT64_MAX = 2n ** 63n - 1n;

interface Plan {
  terms: string[];
  words: QueryWord[] | null;
  lo: bigint | null;
  /** Exclusive. */
  hi: bigint | null;
}

/** The plan of a request; null when nothing can match. */
function planOf(filters: EventFilters, after: string | null | undefined): Plan | null {
  const terms: string[] = [];
  for (const name of TERM_FILTERS) {
    const value = filters[name];
    if (value !== undefined) terms.push(storableText(termOf(name, value)));
  }
  let words: QueryWord[] | null = null;
  if (filters.q !== undefined) {
    words = queryWords(filters.q);
    if (words.length === 0) return null;
  }
  const lo = filters.since === undefined ? null : seqAt(timeMs(filters.since, 'since'));
  let hi = filters.until === undefined ? null : seqAt(timeMs(filters.until, 'until'));
  if (after !== undefined && after !== null) {
    if (!CURSOR.test(after))
      throw new RangeError(`invalid cursor \`${after.slice(0, 40)}\`; pass a page's \`nextCursor\``);
    const cursor = BigInt(after);
    if (cursor > INT64_MAX || cursor < -INT64_MAX) {
      throw new RangeError(`invalid cursor \`${after.slice(0, 40)}\`; pass a page's \`nextCursor\``);
    }
    if (hi === null || cursor < hi) hi = cursor;
  }
  if (lo !== null && hi !== null && lo >= hi) return null;
  return { terms: [...new Set(terms)], words, lo, hi };
}

function timeMs(value: string, what: string): number {
  try {
    return Date.parse(canonicalTime(value, `\`${what}\``));
  } catch (error) {
    throw new RangeError((error as Error).message);
  }
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new RangeError(`invalid limit \`${limit}\`; use an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
}

/** Columns of a listing (everything but the content). */
const LIST_COLUMNS = EVENT_COLUMNS.filter((c) => c !== 'content');

interface SearchRow {
  seq: bigint;
  event_id: string;
  preview_input: string | null;
  preview_output: string | null;
}

function previewOf(row: {
  preview_input: string | null;
  preview_output: string | null;
}): EventPreview | null {
  if (row.preview_input === null && row.preview_output === null) return null;
  return { input: row.preview_input ?? '', output: row.preview_output ?? '' };
}

function listingOf(row: StoredEventRow): Omit<Event, 'content' | 'preview'> {
  const { content: _content, ...event } = fromEventRow({ ...row, content: null });
  return event;
}

/** The event search of a store's SQL connection. */
export function createEventSearch(sql: SqlAccess): EventSearch {
  const dialect = sql.dialect === 'sqlite' ? sqliteDialect(sql.db) : postgresDialect(sql);

  async function page(request: EventPageRequest): Promise<EventPage> {
    checkLimit(request.limit);
    const plan = planOf(request, request.after);
    if (plan === null) return { events: [], nextCursor: null };
    const seqs = await dialect.seqs(plan, request.limit + 1);
    const more = seqs.length > request.limit;
    const shown = more ? seqs.slice(0, request.limit) : seqs;
    const events = await dialect.listings(shown);
    return { events, nextCursor: more ? String(shown[shown.length - 1]) : null };
  }

  return {
    page,
    async *scan(filters, options = {}) {
      const pageSize = Math.min(options.pageSize ?? 500, MAX_PAGE_LIMIT);
      let left = options.max ?? Number.POSITIVE_INFINITY;
      let after: string | null = null;
      while (left > 0) {
        const result = await page({ ...filters, limit: Math.min(pageSize, left), after });
        for (const listing of result.events) yield listing;
        left -= result.events.length;
        if (result.nextCursor === null) return;
        after = result.nextCursor;
      }
    },
    preview: (eventId) => dialect.preview(storableText(eventId)),
    labels: (eventId) => dialect.labels(storableText(eventId)),
    putLabel: async (label) => {
      if (!LABEL_PATTERN.test(label.label)) {
        throw new RangeError(
          `invalid label \`${label.label.slice(0, 80)}\`; use 1 to 64 lower-case letters, digits, \`_\`, \`.\` or \`-\``,
        );
      }
      return dialect.putLabel({
        eventId: storableText(label.eventId),
        label: storableText(label.label),
        note: label.note === null ? null : storableText(label.note),
        by: storableText(label.by),
        at: canonicalTime(label.at, 'label time'),
      });
    },
    deleteLabel: (eventId, label) => dialect.deleteLabel(storableText(eventId), storableText(label)),
    indexMissing: (options = {}) =>
      dialect.indexMissing(Math.max(1, Math.min(options.batch ?? 1000, 10_000))),
  };
}

interface Dialect {
  /** Up to `limit` seqs of matching events, newest first. */
  seqs(plan: Plan, limit: number): Promise<bigint[]>;
  /** The listings of these seqs, in the same order. */
  listings(seqs: readonly bigint[]): Promise<EventListing[]>;
  preview(eventId: string): Promise<EventPreview | null>;
  labels(eventId: string): Promise<EventLabel[]>;
  putLabel(label: EventLabel): Promise<EventLabel | null>;
  deleteLabel(eventId: string, label: string): Promise<boolean>;
  indexMissing(batch: number): Promise<number>;
}

interface LabelRow {
  event_id: string;
  label: string;
  note: string | null;
  labelled_by: string;
  labelled_at: string;
}

function labelOf(row: LabelRow): EventLabel {
  return {
    eventId: row.event_id,
    label: row.label,
    note: row.note,
    by: row.labelled_by,
    at: row.labelled_at,
  };
}

/** Assembles listings from their parts, in `seqs` order (an index row whose event is gone is skipped). */
function assemble(
  seqs: readonly bigint[],
  index: readonly SearchRow[],
  events: readonly StoredEventRow[],
  labels: readonly { event_id: string; label: string }[],
): EventListing[] {
  const bySeq = new Map(index.map((r) => [BigInt(r.seq), r]));
  const byId = new Map(events.map((r) => [r.id, r]));
  const labelsById = new Map<string, string[]>();
  for (const l of labels) {
    const list = labelsById.get(l.event_id) ?? [];
    list.push(l.label);
    labelsById.set(l.event_id, list);
  }
  const out: EventListing[] = [];
  for (const seq of seqs) {
    const row = bySeq.get(seq);
    const event = row === undefined ? undefined : byId.get(row.event_id);
    if (row === undefined || event === undefined) continue;
    out.push({
      event: listingOf(event),
      preview: previewOf(row),
      labels: (labelsById.get(row.event_id) ?? []).sort(),
    });
  }
  return out;
}

/** Events the index does not know, with a preview from redacted content. */
function withLegacyPreview(event: Event): Event {
  if (event.contentMode !== 'redacted' || event.content === null) return event;
  try {
    const doc = JSON.parse(event.content) as { input?: unknown; output?: unknown };
    const texts = (list: unknown, skipSources: boolean): string => {
      if (!Array.isArray(list)) return '';
      const items = list as { source?: unknown; text?: unknown }[];
      const told = skipSources
        ? items.filter((s) => s.source !== 'system' && s.source !== 'assistant')
        : items;
      const chosen = skipSources ? (told.length > 0 ? told : items).slice().reverse() : items;
      const joined = chosen
        .map((s) => (typeof s.text === 'string' ? s.text.trim() : ''))
        .filter((t) => t !== '')
        .join('\n');
      return joined.length <= 1000 ? joined : `${joined.slice(0, 1000)}\u2026`;
    };
    const preview = { input: texts(doc.input, true), output: texts(doc.output, false) };
    if (preview.input === '' && preview.output === '') return event;
    return { ...event, preview };
  } catch {
    return event;
  }
}

// ---------------------------------------------------------------------------------------------------
// SQLite

function sqliteDialect(db: import('better-sqlite3').Database): Dialect {
  const cache = new Map<string, import('better-sqlite3').Statement>();
  const prepared = (text: string, safe = false) => {
    let s = cache.get(text);
    if (s === undefined) {
      s = db.prepare(text);
      if (safe) s.safeIntegers(true);
      if (cache.size > 500) cache.clear();
      cache.set(text, s);
    }
    return s;
  };
  const bounds = (column: string, plan: Plan, params: unknown[]): string => {
    let where = '';
    if (plan.lo !== null) {
      where += ` AND ${column} >= ?`;
      params.push(plan.lo);
    }
    if (plan.hi !== null) {
      where += ` AND ${column} < ?`;
      params.push(plan.hi);
    }
    return where;
  };
  const countTerm = (term: string, plan: Plan): number => {
    const params: unknown[] = [term];
    const where = bounds('seq', plan, params);
    return prepared(
      `SELECT count(*) FROM (SELECT 1 FROM event_search_terms WHERE term = ?${where} LIMIT ${DRIVER_PROBE_CAP})`,
    )
      .pluck()
      .get(...params) as number;
  };
  const countWords = (match: string, plan: Plan): number => {
    const params: unknown[] = [match];
    const where = bounds('rowid', plan, params);
    return prepared(
      `SELECT count(*) FROM (SELECT rowid FROM event_search_text WHERE event_search_text MATCH ?${where} LIMIT ${DRIVER_PROBE_CAP})`,
    )
      .pluck()
      .get(...params) as number;
  };
  const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

  return {
    async seqs(plan, limit) {
      const match = plan.words === null ? null : ftsQuery(plan.words);
      const counts = plan.terms.map((t) => ({ term: t, n: countTerm(t, plan) }));
      const wordsCount = match === null ? null : countWords(match, plan);
      counts.sort((a, b) => a.n - b.n);
      const smallest = counts[0];
      if ((smallest !== undefined && smallest.n === 0) || wordsCount === 0) return [];
      const params: unknown[] = [];
      let text: string;
      const probes = (seqExpr: string, others: readonly string[], withWords: boolean): string => {
        let where = '';
        for (const term of others) {
          where += ` AND EXISTS (SELECT 1 FROM event_search_terms o WHERE o.term = ? AND o.seq = ${seqExpr})`;
          params.push(term);
        }
        if (withWords) {
          if (plan.words?.some((w) => w.prefix)) {
            // A prefix search reads every matching word's list: once, not once per candidate.
            where += ` AND ${seqExpr} IN (SELECT rowid FROM event_search_text WHERE event_search_text MATCH ?`;
            params.push(match);
            where += `${bounds('rowid', plan, params)})`;
          } else {
            where += ` AND EXISTS (SELECT 1 FROM event_search_text w WHERE w.event_search_text MATCH ? AND w.rowid = ${seqExpr})`;
            params.push(match);
          }
        }
        return where;
      };
      if (match !== null && (smallest === undefined || (wordsCount as number) < smallest.n)) {
        params.push(match);
        const where = bounds('rowid', plan, params);
        const others = probes(
          'event_search_text.rowid',
          counts.map((c) => c.term),
          false,
        );
        text = `SELECT rowid AS seq FROM event_search_text WHERE event_search_text MATCH ?${where}${others} ORDER BY rowid DESC LIMIT ?`;
      } else if (smallest !== undefined) {
        params.push(smallest.term);
        const where = bounds('d.seq', plan, params);
        const others = probes(
          'd.seq',
          counts.slice(1).map((c) => c.term),
          match !== null,
        );
        text = `SELECT d.seq AS seq FROM event_search_terms d WHERE d.term = ?${where}${others} ORDER BY d.seq DESC LIMIT ?`;
      } else {
        const where = bounds('seq', plan, params).replace(/^ AND/, ' WHERE');
        text = `SELECT seq FROM event_search${where} ORDER BY seq DESC LIMIT ?`;
      }
      params.push(limit);
      return prepared(text, true)
        .pluck()
        .all(...params) as bigint[];
    },

    async listings(seqs) {
      if (seqs.length === 0) return [];
      const index = prepared(
        `SELECT seq, event_id, preview_input, preview_output FROM event_search WHERE seq IN (${placeholders(seqs.length)})`,
        true,
      ).all(...seqs) as SearchRow[];
      const ids = index.map((r) => r.event_id);
      const events =
        ids.length === 0
          ? []
          : (prepared(
              `SELECT ${LIST_COLUMNS.join(', ')} FROM events WHERE id IN (${placeholders(ids.length)})`,
            ).all(...ids) as StoredEventRow[]);
      const labels =
        ids.length === 0
          ? []
          : (prepared(
              `SELECT event_id, label FROM event_labels WHERE event_id IN (${placeholders(ids.length)})`,
            ).all(...ids) as { event_id: string; label: string }[]);
      return assemble(seqs, index, events, labels);
    },

    async preview(eventId) {
      const row = prepared('SELECT preview_input, preview_output FROM event_search WHERE event_id = ?').get(
        eventId,
      ) as { preview_input: string | null; preview_output: string | null } | undefined;
      return row === undefined ? null : previewOf(row);
    },

    async labels(eventId) {
      return (
        prepared(
          'SELECT event_id, label, note, labelled_by, labelled_at FROM event_labels WHERE event_id = ? ORDER BY label',
        ).all(eventId) as LabelRow[]
      ).map(labelOf);
    },

    async putLabel(label) {
      const run = db.transaction((): EventLabel | null => {
        if (prepared('SELECT 1 FROM events WHERE id = ?').get(label.eventId) === undefined) return null;
        prepared(
          `INSERT INTO event_labels (event_id, label, note, labelled_by, labelled_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (event_id, label) DO UPDATE SET note = excluded.note, labelled_by = excluded.labelled_by, labelled_at = excluded.labelled_at`,
        ).run(label.eventId, label.label, label.note, label.by, label.at);
        prepared(
          `INSERT INTO event_search_terms (term, seq) SELECT ?, seq FROM event_search WHERE event_id = ? ON CONFLICT DO NOTHING`,
        ).run(termOf('label', label.label), label.eventId);
        return label;
      });
      return run.immediate();
    },

    async deleteLabel(eventId, label) {
      const run = db.transaction((): boolean => {
        const removed = prepared('DELETE FROM event_labels WHERE event_id = ? AND label = ?').run(
          eventId,
          label,
        );
        prepared(
          'DELETE FROM event_search_terms WHERE term = ? AND seq = (SELECT seq FROM event_search WHERE event_id = ?)',
        ).run(termOf('label', label), eventId);
        return removed.changes > 0;
      });
      return run.immediate();
    },

    async indexMissing(batch) {
      const select = prepared(
        `SELECT ${EVENT_COLUMNS.join(', ')} FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_search s WHERE s.event_id = e.id) LIMIT ?`,
      );
      const ingest = sqliteSearchIngest(db);
      const labelTerms = prepared(
        `INSERT INTO event_search_terms (term, seq)
         SELECT 'l:' || l.label, s.seq FROM event_labels l JOIN event_search s ON s.event_id = l.event_id
         WHERE l.event_id = ? ON CONFLICT DO NOTHING`,
      );
      let total = 0;
      for (;;) {
        const done = db
          .transaction((): number => {
            const rows = select.all(batch) as StoredEventRow[];
            const events = rows.map((r) => withLegacyPreview(fromEventRow(r)));
            ingest(events);
            for (const e of events) labelTerms.run(e.id);
            return events.length;
          })
          .immediate();
        total += done;
        if (done < batch) return total;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

/** SELECT list of a listing: JSON as text, time canonical (as postgres-store.ts reads events). */
const PG_LIST_SELECT = LIST_COLUMNS.map((c) => {
  if (c === 'time') return `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time`;
  if (c === 'groups' || c === 'latency' || c === 'usage' || c === 'findings' || c === 'decision') {
    return `${c}::text AS ${c}`;
  }
  return c;
}).join(', ');

function postgresDialect(sql: Extract<SqlAccess, { dialect: 'postgres' }>): Dialect {
  const bounds = (column: string, plan: Plan, params: unknown[]): string => {
    let where = '';
    if (plan.lo !== null) {
      params.push(plan.lo.toString());
      where += ` AND ${column} >= $${params.length}::bigint`;
    }
    if (plan.hi !== null) {
      params.push(plan.hi.toString());
      where += ` AND ${column} < $${params.length}::bigint`;
    }
    return where;
  };
  const countTerm = async (term: string, plan: Plan): Promise<number> => {
    const params: unknown[] = [term];
    const where = bounds('seq', plan, params);
    const rows = await sql.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (SELECT 1 FROM event_search_terms WHERE term = $1${where} LIMIT ${DRIVER_PROBE_CAP}) x`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  };

  return {
    async seqs(plan, limit) {
      const counts = await Promise.all(
        plan.terms.map(async (t) => ({ term: t, n: await countTerm(t, plan) })),
      );
      counts.sort((a, b) => a.n - b.n);
      const smallest = counts[0];
      if (smallest !== undefined && smallest.n === 0) return [];
      const tsq = plan.words === null ? null : tsQuery(plan.words);
      const params: unknown[] = [];
      let text: string;
      if (smallest !== undefined) {
        params.push(smallest.term);
        let where = ` WHERE d.term = $1${bounds('d.seq', plan, params)}`;
        for (const c of counts.slice(1)) {
          params.push(c.term);
          where += ` AND EXISTS (SELECT 1 FROM event_search_terms o WHERE o.term = $${params.length} AND o.seq = d.seq)`;
        }
        if (tsq !== null) {
          params.push(tsq);
          where += ` AND EXISTS (SELECT 1 FROM event_search s WHERE s.seq = d.seq AND s.words @@ $${params.length}::tsquery)`;
        }
        params.push(limit);
        text = `SELECT d.seq::text AS s FROM event_search_terms d${where} ORDER BY d.seq DESC LIMIT $${params.length}`;
      } else {
        let where = '';
        if (tsq !== null) {
          params.push(tsq);
          where += ` AND words @@ $${params.length}::tsquery`;
        }
        where += bounds('seq', plan, params);
        params.push(limit);
        // Ordered by the bigint column, not the text it is returned as.
        text = `SELECT seq::text AS s FROM event_search${where.replace(/^ AND/, ' WHERE')} ORDER BY event_search.seq DESC LIMIT $${params.length}`;
      }
      return (await sql.query<{ s: string }>(text, params)).map((r) => BigInt(r.s));
    },

    async listings(seqs) {
      if (seqs.length === 0) return [];
      const index = (
        await sql.query<{
          seq: string;
          event_id: string;
          preview_input: string | null;
          preview_output: string | null;
        }>(
          'SELECT seq::text AS seq, event_id, preview_input, preview_output FROM event_search WHERE seq = ANY($1::bigint[])',
          [seqs.map(String)],
        )
      ).map((r) => ({ ...r, seq: BigInt(r.seq) }));
      const ids = index.map((r) => r.event_id);
      const [events, labels] = await Promise.all([
        sql.query<StoredEventRow & Record<string, unknown>>(
          `SELECT ${PG_LIST_SELECT} FROM events WHERE id = ANY($1::text[])`,
          [ids],
        ),
        sql.query<{ event_id: string; label: string }>(
          'SELECT event_id, label FROM event_labels WHERE event_id = ANY($1::text[])',
          [ids],
        ),
      ]);
      return assemble(seqs, index, events, labels);
    },

    async preview(eventId) {
      const rows = await sql.query<{ preview_input: string | null; preview_output: string | null }>(
        'SELECT preview_input, preview_output FROM event_search WHERE event_id = $1',
        [eventId],
      );
      return rows[0] === undefined ? null : previewOf(rows[0]);
    },

    async labels(eventId) {
      const rows = await sql.query<LabelRow & Record<string, unknown>>(
        'SELECT event_id, label, note, labelled_by, labelled_at FROM event_labels WHERE event_id = $1 ORDER BY label',
        [eventId],
      );
      return rows.map(labelOf);
    },

    async putLabel(label) {
      return sql.transaction(async (q) => {
        if ((await q('SELECT 1 FROM events WHERE id = $1', [label.eventId])).length === 0) return null;
        await q(
          `INSERT INTO event_labels (event_id, label, note, labelled_by, labelled_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (event_id, label) DO UPDATE SET note = excluded.note, labelled_by = excluded.labelled_by, labelled_at = excluded.labelled_at`,
          [label.eventId, label.label, label.note, label.by, label.at],
        );
        await q(
          'INSERT INTO event_search_terms (term, seq) SELECT $1, seq FROM event_search WHERE event_id = $2 ON CONFLICT DO NOTHING',
          [termOf('label', label.label), label.eventId],
        );
        return label;
      });
    },

    async deleteLabel(eventId, label) {
      return sql.transaction(async (q) => {
        const removed = await q(
          'DELETE FROM event_labels WHERE event_id = $1 AND label = $2 RETURNING label',
          [eventId, label],
        );
        await q(
          'DELETE FROM event_search_terms WHERE term = $1 AND seq IN (SELECT seq FROM event_search WHERE event_id = $2)',
          [termOf('label', label), eventId],
        );
        return removed.length > 0;
      });
    },

    async indexMissing(batch) {
      let total = 0;
      for (;;) {
        const done = await sql.transaction(async (q) => {
          const rows = await q<StoredEventRow & Record<string, unknown>>(
            `SELECT ${PG_LIST_SELECT}, content FROM events e
             WHERE NOT EXISTS (SELECT 1 FROM event_search s WHERE s.event_id = e.id) LIMIT $1`,
            [batch],
          );
          const events = rows.map((r) => withLegacyPreview(fromEventRow(r)));
          await postgresSearchIngest(q, events);
          await q(
            `INSERT INTO event_search_terms (term, seq)
             SELECT 'l:' || l.label, s.seq FROM event_labels l JOIN event_search s ON s.event_id = l.event_id
             WHERE l.event_id = ANY($1::text[]) ON CONFLICT DO NOTHING`,
            [events.map((e) => e.id)],
          );
          return events.length;
        });
        total += done;
        if (done < batch) return total;
      }
    },
  };
}

/** For tests and tools: the index entry the ingest hook writes for an event. */
export { searchEntry };
