/**
 * What the event search index derives from an Event, as pure functions shared by the ingest hook and the
 * query side (both dialects): the event's one decision action, its filter terms, its place in the
 * newest-first order (`seq`), and the normalised words of its redacted preview.
 */
import { createHash } from 'node:crypto';
import type { Event } from '@parapet/core';
import { eventOutcome, OUTCOMES, type Outcome } from './analytics-rollup.ts';
import { canonicalTime } from './store-rows.ts';

// ---------------------------------------------------------------------------------------------------
// The decision action of an event

/**
 * An event's one action: its outcome as the analytics rollups define it (analytics-rollup.ts OUTCOMES:
 * `blocked` > `held` > `warned` > `redacted` > `routed` > `monitored` > `allowed` > `none`, over both
 * decisions), so the Activity table filters by the same values the overview charts count.
 */
export type EventAction = Outcome;

/** Every EventAction, the most severe first. */
export const EVENT_ACTIONS = OUTCOMES;

/** The one action of an event (see EventAction). */
export function eventAction(event: Pick<Event, 'decision'>): EventAction {
  return eventOutcome(event.decision);
}

// ---------------------------------------------------------------------------------------------------
// Filter terms

/** The filters of the event list, each a kind of term. */
export const TERM_KINDS = {
  user: 'u',
  group: 'g',
  app: 'a',
  /** Requested or served model. */
  model: 'm',
  action: 'x',
  status: 's',
  family: 'f',
  type: 't',
  /** A finding of family `topics`: its type. */
  topic: 'p',
  rule: 'r',
  label: 'l',
} as const;
export type TermKind = keyof typeof TERM_KINDS;

/** Longest value kept verbatim in a term; longer values end with a hash of the whole value. */
const TERM_VALUE_CHARS = 200;

/** The indexed form of one filter value: `<kind code>:<value>` (long values shortened with a hash). */
export function termOf(kind: TermKind, value: string): string {
  const v =
    value.length <= TERM_VALUE_CHARS
      ? value
      : `${value.slice(0, 150)}#${createHash('sha256').update(value).digest('hex').slice(0, 24)}`;
  return `${TERM_KINDS[kind]}:${v}`;
}

/** Every filter term of an event (labels excepted: they change after ingest), without duplicates. */
export function searchTerms(event: Event): string[] {
  const terms = new Set<string>();
  const add = (kind: TermKind, value: string | null | undefined): void => {
    if (typeof value === 'string' && value !== '') terms.add(termOf(kind, value));
  };
  add('user', event.principal.user);
  for (const g of event.principal.groups) add('group', g);
  add('app', event.principal.app);
  add('model', event.modelRequested);
  add('model', event.modelServed);
  add('action', eventAction(event));
  add('status', event.status);
  for (const f of [...event.findings.input, ...event.findings.output]) {
    add('family', f.family);
    add('type', f.type);
    if (f.family === 'topics') add('topic', f.type);
  }
  for (const rule of eventRules(event)) add('rule', rule);
  return [...terms];
}

/** Every rule of an event: that decided, matched (trail), redacted, or held or warned it; each once. */
export function eventRules(event: Pick<Event, 'decision'>): string[] {
  const rules = new Set<string>();
  const add = (rule: string | null | undefined): void => {
    if (typeof rule === 'string' && rule !== '') rules.add(rule);
  };
  for (const d of [event.decision.input, event.decision.output]) {
    if (d === null) continue;
    add(d.ruleId);
    for (const t of d.trail ?? []) add(t.ruleId);
    for (const r of d.redactions ?? []) add(r.ruleId);
    add(d.acknowledgement?.ruleId);
    add(d.approval?.ruleId);
  }
  return [...rules];
}

// ---------------------------------------------------------------------------------------------------
// The newest-first order

/** Bits of `seq` below the millisecond: 32,768 places per millisecond. */
const SLOT_BITS = 15n;
const SLOT_SIZE = 1 << Number(SLOT_BITS);
/** Times are clamped to ±2^48 ms (about year 10889) so `seq` fits a signed 64-bit integer. */
const MAX_MS = 2 ** 48 - 2;

/** The millisecond of an event time, clamped to what `seq` can hold. */
export function seqMs(time: string): number {
  const ms = Date.parse(canonicalTime(time));
  return Math.min(MAX_MS, Math.max(-MAX_MS, ms));
}

/** The first `seq` of a millisecond (for time bounds: `since` → `seq >= seqAt(since)`). */
export function seqAt(ms: number): bigint {
  return BigInt(Math.min(MAX_MS, Math.max(-MAX_MS, Math.floor(ms)))) << SLOT_BITS;
}

/** The millisecond a `seq` belongs to. */
export function msOfSeq(seq: bigint): number {
  return Number(seq >> SLOT_BITS);
}

/**
 * The `seq` to try for an event on its `attempt`-th try (0 first): its millisecond's place given by a
 * hash of its id, then the next places (wrapping within the millisecond), then the next milliseconds'
 * (only after 32,768 events in one millisecond). Deterministic, so both dialects order the same events
 * the same way.
 */
export function seqCandidate(ms: number, id: string, attempt: number): bigint {
  const within = (fnv1a(id) + attempt) % SLOT_SIZE;
  const spill = Math.floor(attempt / SLOT_SIZE);
  return seqAt(ms + spill) + BigInt(within);
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// Words

/** Longest word kept (longer words are cut, in the index and in queries alike). */
const WORD_CHARS = 64;
/** Most words of a query. */
export const MAX_QUERY_WORDS = 16;
/** Fewest characters before a `*` for a prefix search (shorter ones search the whole word). */
export const PREFIX_MIN_CHARS = 3;

const WORD = /[\p{L}\p{N}]+/gu;
const QUERY_WORD = /([\p{L}\p{N}]+)(\*?)/gu;
const MARKS = /\p{M}+/gu;

const NON_ASCII = /[^\x00-\x7f]/;
const ASCII_WORD = /[a-z0-9]+/g;

/** Lower case without accents (NFKD, combining marks removed); ASCII text takes a shorter path. */
function normalise(text: string): string {
  return NON_ASCII.test(text) ? text.normalize('NFKD').replace(MARKS, '').toLowerCase() : text.toLowerCase();
}

/**
 * The normalised words of a text: maximal runs of letters and digits, lower-cased, accents removed
 * (NFKD without combining marks), at most 64 characters each, each once, in order of first appearance.
 */
export function searchWords(text: string): string[] {
  const normal = normalise(text);
  const pattern = NON_ASCII.test(normal) ? WORD : ASCII_WORD;
  const words = new Set<string>();
  for (const m of normal.matchAll(pattern))
    words.add(m[0].length > WORD_CHARS ? m[0].slice(0, WORD_CHARS) : m[0]);
  return [...words];
}

/** One word of a text search: the whole word, or (written `word*`) any word starting with it. */
export interface QueryWord {
  word: string;
  prefix: boolean;
}

/**
 * The words of a text search, normalised like searchWords, at most MAX_QUERY_WORDS (more are ignored).
 * A word followed by `*` is a prefix when it has at least PREFIX_MIN_CHARS characters.
 */
export function queryWords(q: string): QueryWord[] {
  const words = new Map<string, QueryWord>();
  for (const m of normalise(q).matchAll(QUERY_WORD)) {
    const word = m[1]!.slice(0, WORD_CHARS);
    const prefix = m[2] === '*' && word.length >= PREFIX_MIN_CHARS;
    const key = `${word}${prefix ? '*' : ''}`;
    if (!words.has(key)) words.set(key, { word, prefix });
    if (words.size === MAX_QUERY_WORDS) break;
  }
  return [...words.values()];
}

/** The FTS5 query for words: all of them (words are letters and digits only, quoted anyway). */
export function ftsQuery(words: readonly QueryWord[]): string {
  return words.map((w) => `"${w.word}"${w.prefix ? '*' : ''}`).join(' AND ');
}

/** The tsquery text for words (lexemes quoted, so PostgreSQL's parser never reinterprets them). */
export function tsQuery(words: readonly QueryWord[]): string {
  return words.map((w) => `'${w.word.replaceAll("'", "''")}'${w.prefix ? ':*' : ''}`).join(' & ');
}
