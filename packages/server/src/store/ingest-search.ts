/**
 * The event search index maintained on ingest (schema: migrations/0006-event-search.ts): for every new
 * event, its `event_search` row (place in the newest-first order, redacted preview, words), its filter
 * terms and, in SQLite, its words in the FTS5 index. Runs in the insert transaction, so an event and its
 * index entries commit together; the SQLite hook also runs inside the writer thread.
 */
import type { Event } from '@parapet/core';
import type Database from 'better-sqlite3';
import { searchTerms, searchWords, seqCandidate, seqMs } from './event-search-index.ts';
import type { PgQuery } from './ingest.ts';
import { storableText } from './store-rows.ts';

/** What the index keeps of one event. */
export interface SearchEntry {
  id: string;
  ms: number;
  previewInput: string | null;
  previewOutput: string | null;
  /** Normalised words of the preview, space-separated (each word letters and digits only). */
  words: string;
  terms: string[];
}

/** The index entry of an event. */
export function searchEntry(event: Event): SearchEntry {
  const preview = event.preview;
  const text = preview === undefined ? '' : `${preview.input}\n${preview.output}`;
  return {
    id: storableText(event.id),
    ms: seqMs(event.time),
    previewInput: preview === undefined ? null : storableText(preview.input),
    previewOutput: preview === undefined ? null : storableText(preview.output),
    words: searchWords(text).join(' '),
    terms: searchTerms(event).map(storableText),
  };
}

/** Upper bound of places tried for one event (far beyond 32,768 events in one millisecond). */
const MAX_ATTEMPTS = 1 << 20;

export function sqliteSearchIngest(db: Database.Database): (events: readonly Event[]) => void {
  const insertRow = db.prepare(
    'INSERT INTO event_search (seq, event_id, preview_input, preview_output) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const indexed = db.prepare('SELECT 1 FROM event_search WHERE event_id = ?').pluck();
  const insertWords = db.prepare('INSERT INTO event_search_text (rowid, words) VALUES (?, ?)');
  const insertTerm = db.prepare(
    'INSERT INTO event_search_terms (term, seq) VALUES (?, ?) ON CONFLICT DO NOTHING',
  );
  return (events) => {
    for (const event of events) sqliteIndexEntry(searchEntry(event));
  };

  function sqliteIndexEntry(entry: SearchEntry): void {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const seq = seqCandidate(entry.ms, entry.id, attempt);
      if (insertRow.run(seq, entry.id, entry.previewInput, entry.previewOutput).changes === 0) {
        if (indexed.get(entry.id) !== undefined) return;
        continue;
      }
      if (entry.words !== '') insertWords.run(seq, entry.words);
      for (const term of entry.terms) insertTerm.run(term, seq);
      return;
    }
    throw new Error(`no free place in the search index for event \`${entry.id}\``);
  }
}

/**
 * Indexes a batch in a few statements: rows go in with ON CONFLICT DO NOTHING, and the events whose place
 * was taken (another event of the same millisecond, possibly from another replica) try their next place.
 */
export async function postgresSearchIngest(q: PgQuery, events: readonly Event[]): Promise<void> {
  let pending = events.map((e) => ({ entry: searchEntry(e), attempt: 0 }));
  const placed: { seq: string; terms: string[] }[] = [];
  while (pending.length > 0) {
    const seqs = pending.map((p) => seqCandidate(p.entry.ms, p.entry.id, p.attempt).toString());
    const rows = await q<{ event_id: string; seq: string }>(
      `INSERT INTO event_search (seq, event_id, preview_input, preview_output, words)
       SELECT s, i, pi, po, array_to_tsvector(string_to_array(w, ' '))
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(s, i, pi, po, w)
       ON CONFLICT DO NOTHING
       RETURNING event_id, seq::text AS seq`,
      [
        seqs,
        pending.map((p) => p.entry.id),
        pending.map((p) => p.entry.previewInput),
        pending.map((p) => p.entry.previewOutput),
        pending.map((p) => p.entry.words),
      ],
    );
    const done = new Map(rows.map((r) => [r.event_id, r.seq]));
    const next: typeof pending = [];
    const missing: string[] = [];
    for (const p of pending) {
      const seq = done.get(p.entry.id);
      if (seq !== undefined) placed.push({ seq, terms: p.entry.terms });
      else missing.push(p.entry.id);
    }
    if (missing.length > 0) {
      // Not inserted: either already indexed (nothing to do) or its place was taken (try the next one).
      const existing = await q<{ event_id: string }>(
        'SELECT event_id FROM event_search WHERE event_id = ANY($1::text[])',
        [missing],
      );
      const known = new Set(existing.map((r) => r.event_id));
      for (const p of pending) {
        if (done.has(p.entry.id) || known.has(p.entry.id)) continue;
        if (p.attempt + 1 >= MAX_ATTEMPTS) {
          throw new Error(`no free place in the search index for event \`${p.entry.id}\``);
        }
        next.push({ entry: p.entry, attempt: p.attempt + 1 });
      }
    }
    pending = next;
  }
  const termSeqs: string[] = [];
  const terms: string[] = [];
  for (const p of placed) {
    for (const term of p.terms) {
      terms.push(term);
      termSeqs.push(p.seq);
    }
  }
  if (terms.length === 0) return;
  await q(
    `INSERT INTO event_search_terms (term, seq)
     SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`,
    [terms, termSeqs],
  );
}
