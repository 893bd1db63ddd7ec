/**
 * Event summaries (one Activity row) and their export as CSV or NDJSON, streamed: rows are produced page by
 * page from the search, never the whole export in memory.
 *
 * Exports carry the redacted preview only, unless the caller may reveal and asked for it; then each row
 * also carries the decrypted content. CSV cells that a spreadsheet would run as a formula (starting with
 * `=`, `+`, `-`, `@`, a tab or a carriage return) are prefixed with `'`; NDJSON escapes `<`, `>` and `&`,
 * so neither can turn into markup or code where it is opened.
 */
import type { Event } from '@parapet/core';
import { decryptContent } from '../../store/content-crypto.ts';
import type { EventListing } from '../../store/event-search.ts';
import { eventAction, eventRules } from '../../store/event-search-index.ts';
import type { EventSummary } from './schemas.ts';

/** The Activity row of a listed event. */
export function summaryOf(listing: EventListing): EventSummary {
  const e = listing.event;
  const detections = new Map<string, { family: string; type: string; count: number; maxScore: number }>();
  const topics = new Set<string>();
  for (const f of [...e.findings.input, ...e.findings.output]) {
    const key = JSON.stringify([f.family, f.type]);
    const d = detections.get(key);
    if (d === undefined) detections.set(key, { family: f.family, type: f.type, count: 1, maxScore: f.score });
    else {
      d.count++;
      d.maxScore = Math.max(d.maxScore, f.score);
    }
    if (f.family === 'topics') topics.add(f.type);
  }
  const brief = (d: Event['decision']['input']) =>
    d === null ? null : { action: d.action, ruleId: d.ruleId };
  return {
    id: e.id,
    time: e.time,
    principal: e.principal,
    route: e.route,
    provider: e.provider,
    modelRequested: e.modelRequested,
    modelServed: e.modelServed,
    stream: e.stream,
    httpStatus: e.httpStatus,
    status: e.status,
    errorCode: e.errorCode,
    action: eventAction(e),
    decisions: { input: brief(e.decision.input), output: brief(e.decision.output) },
    rules: eventRules(e),
    detections: [...detections.values()].sort(
      (a, b) => b.count - a.count || a.family.localeCompare(b.family) || a.type.localeCompare(b.type),
    ),
    topics: [...topics],
    latencyMs: e.latency.totalMs,
    usage: e.usage,
    costUsd: e.costUsd,
    contentMode: e.contentMode,
    preview: listing.preview,
    labels: listing.labels,
  };
}

// ---------------------------------------------------------------------------------------------------
// CSV

/** Columns of the CSV export, in order (`content` only when revealing). */
export const CSV_COLUMNS = [
  'id',
  'time',
  'user',
  'groups',
  'app',
  'key_id',
  'route',
  'provider',
  'model_requested',
  'model_served',
  'status',
  'http_status',
  'error_code',
  'action',
  'input_action',
  'output_action',
  'rules',
  'families',
  'types',
  'topics',
  'labels',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'latency_ms',
  'preview_input',
  'preview_output',
] as const;

const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

/**
 * One CSV cell (RFC 4180): a text a spreadsheet would read as a formula gets a leading `'`; a cell with a
 * comma, quote or line break is quoted, quotes doubled.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && text.length > 0 && FORMULA_START.has(text[0]!)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

const list = (values: readonly string[]) => values.join(';');

function csvLine(s: EventSummary, content: string | null | undefined): string {
  const families = [...new Set(s.detections.map((d) => d.family))];
  const types = [...new Set(s.detections.map((d) => d.type))];
  const cells: (string | number | null)[] = [
    s.id,
    s.time,
    s.principal.user,
    list(s.principal.groups),
    s.principal.app,
    s.principal.keyId,
    s.route,
    s.provider,
    s.modelRequested,
    s.modelServed,
    s.status,
    s.httpStatus,
    s.errorCode,
    s.action,
    s.decisions.input?.action ?? null,
    s.decisions.output?.action ?? null,
    list(s.rules),
    list(families),
    list(types),
    list(s.topics),
    list(s.labels),
    s.usage?.inputTokens ?? null,
    s.usage?.outputTokens ?? null,
    s.costUsd,
    s.latencyMs,
    s.preview?.input ?? null,
    s.preview?.output ?? null,
  ];
  if (content !== undefined) cells.push(content);
  return csvRow(cells);
}

// ---------------------------------------------------------------------------------------------------
// NDJSON

/** JSON with `<`, `>` and `&` escaped (still the same JSON value), one line. */
export function safeJsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

// ---------------------------------------------------------------------------------------------------
// The stream

export interface ExportOptions {
  format: 'csv' | 'ndjson';
  /** Add each event's decrypted content (the caller's permission and the audit are checked before). */
  reveal: boolean;
  /** Loads the full event (with its content) of a listed one; only called when revealing. */
  loadEvent(id: string): Promise<Event | null>;
  contentKey: Uint8Array | null | undefined;
}

/**
 * The export's text, piece by piece: the CSV header (or nothing for NDJSON), then one line per event.
 * When revealing, `content` is the decrypted content (JSON text in CSV, a value in NDJSON), or null when
 * the event has none or it cannot be decrypted; redacted content is the preview either way.
 */
export async function* exportLines(
  listings: AsyncIterable<EventListing>,
  options: ExportOptions,
): AsyncGenerator<string> {
  if (options.format === 'csv') yield csvRow(options.reveal ? [...CSV_COLUMNS, 'content'] : CSV_COLUMNS);
  for await (const listing of listings) {
    const summary = summaryOf(listing);
    let content: string | null | undefined;
    if (options.reveal) content = await revealed(listing.event.id, options);
    if (options.format === 'csv') yield csvLine(summary, content);
    else {
      const line: Record<string, unknown> = { ...summary };
      if (content !== undefined) line['content'] = content === null ? null : parseOrText(content);
      yield safeJsonLine(line);
    }
  }
}

async function revealed(id: string, options: ExportOptions): Promise<string | null> {
  const event = await options.loadEvent(id);
  if (event === null || event.content === null || event.contentMode === 'none') return null;
  if (event.contentMode === 'redacted') return event.content;
  if (options.contentKey === null || options.contentKey === undefined) return null;
  try {
    return decryptContent(options.contentKey, event.content);
  } catch {
    return null;
  }
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
