/**
 * An event's conversation for the interaction detail: its segments with every finding's span masked
 * (`[TYPE]`, as the `redacted` content mode stores them) and highlighted, so the dashboard can colour each
 * finding by family and give its type, score and rule; or, for a permitted reveal, the same segments
 * unmasked. Encrypted content is decrypted here, on the server, and never leaves it unmasked except
 * through revealedView.
 *
 * Segments are matched with findings by index, exactly as the gateway inspected them: input segments are
 * derived again from the stored request with the same functions the gateway used; output segments are
 * stored with the encrypted content (`outputSegments`). When the segments of a direction cannot be
 * matched with certainty and that direction has findings with spans, its text is withheld rather than
 * shown with a mask in the wrong place.
 */
import {
  type Decision,
  type Event,
  embeddingsSegments,
  type Finding,
  parseEmbeddingsRequest,
  parseScanRequest,
  requestSegments,
  responseSegments,
  SEGMENT_SOURCES,
  type Segment,
} from '@parapet/core';
import { z } from 'zod';
import { CLIENT_FORMATS, type ClientRoute } from '../../gateway/plan.ts';
import { decryptContent } from '../../store/content-crypto.ts';

export type Direction = 'input' | 'output';

/** A finding as the detail shows it: where it is in its list, and the rules that acted on it. */
export interface FindingView extends Finding {
  direction: Direction;
  /** Index in `event.findings[direction]` (what decisions point to). */
  index: number;
  /** Rules that fired on it: the decision's rule when the decision lists it, and redact rules. */
  ruleIds: string[];
}

/** One highlighted finding in a segment's text (UTF-16 offsets into that text, end exclusive). */
export interface Highlight {
  start: number;
  end: number;
  direction: Direction;
  /** Index in `event.findings[direction]`. */
  finding: number;
  family: string;
  type: string;
  score: number;
  ruleIds: string[];
}

export interface SegmentView {
  index: number;
  source: Segment['source'];
  path: string;
  text: string;
  highlights: Highlight[];
}

export const CONTENT_UNAVAILABLE_REASONS = ['not_stored', 'truncated', 'unreadable', 'no_key'] as const;
export type ContentUnavailableReason = (typeof CONTENT_UNAVAILABLE_REASONS)[number];

export type ContentView =
  | {
      available: true;
      /** Where the text came from: the stored redacted content, or the decrypted content masked here. */
      from: 'redacted' | 'encrypted';
      input: SegmentView[];
      output: SegmentView[];
      /** Directions whose text could not be matched with their findings, so it is not shown. */
      withheld: Direction[];
    }
  | { available: false; reason: ContentUnavailableReason };

/** Every finding of an event with its rules, per direction. */
export function findingViews(event: Pick<Event, 'findings' | 'decision'>): Record<Direction, FindingView[]> {
  const views = (direction: Direction): FindingView[] =>
    event.findings[direction].map((f, index) => ({
      ...f,
      direction,
      index,
      ruleIds: rulesOf(event.decision[direction], index),
    }));
  return { input: views('input'), output: views('output') };
}

function rulesOf(decision: Decision | null, index: number): string[] {
  if (decision === null) return [];
  const rules = new Set<string>();
  if (decision.ruleId !== null && decision.findings.includes(index)) rules.add(decision.ruleId);
  for (const r of decision.redactions ?? []) if (r.findings.includes(index)) rules.add(r.ruleId);
  return [...rules];
}

/** The findings whose spans fall in the segments of `direction` (a scan's output findings point into its input). */
function findingsOver(
  event: Event,
  views: Record<Direction, FindingView[]>,
  direction: Direction,
): FindingView[] {
  if (direction === 'input' && event.route === 'scan') return [...views.input, ...views.output];
  return views[direction];
}

interface Span {
  start: number;
  end: number;
  finding: FindingView;
}

/** The spans in one segment, ordered by start as maskFindings orders them (stable: list order on ties). */
function spansIn(segment: number, findings: readonly FindingView[], length: number | null): Span[] {
  return findings
    .filter((f) => f.segment === segment && f.span !== null)
    .map((f) => ({
      start: f.span!.start,
      end: length === null ? f.span!.end : Math.min(f.span!.end, length),
      finding: f,
    }))
    .filter((s) => s.start < s.end)
    .sort((a, b) => a.start - b.start);
}

function highlightOf(start: number, end: number, f: FindingView): Highlight {
  return {
    start,
    end,
    direction: f.direction,
    finding: f.index,
    family: f.family,
    type: f.type,
    score: f.score,
    ruleIds: f.ruleIds,
  };
}

/**
 * Masks a segment exactly as the gateway's maskFindings does (each span replaced by `[TYPE]`, overlapping
 * spans merged) and highlights each finding on its placeholder.
 */
export function maskSegment(
  segment: Segment,
  findings: readonly FindingView[],
): { text: string; highlights: Highlight[] } {
  const spans = spansIn(segment.index, findings, segment.text.length);
  let out = '';
  let pos = 0;
  let last: Highlight | null = null;
  const highlights: Highlight[] = [];
  for (const s of spans) {
    if (s.end <= pos) {
      // Inside the span already masked: it shares that placeholder.
      if (last !== null) highlights.push(highlightOf(last.start, last.end, s.finding));
      continue;
    }
    out += segment.text.slice(pos, Math.max(pos, s.start));
    const placeholder = `[${s.finding.type}]`;
    last = highlightOf(out.length, out.length + placeholder.length, s.finding);
    highlights.push(last);
    out += placeholder;
    pos = s.end;
  }
  return { text: out + segment.text.slice(pos), highlights };
}

/**
 * The highlights of text already masked by maskFindings (the `redacted` content mode): where each
 * placeholder landed. A finding whose placeholder is not where it should be (a span past the end of the
 * text, which masking drops) gets no highlight.
 */
export function placeholderHighlights(
  segment: number,
  masked: string,
  findings: readonly FindingView[],
): Highlight[] {
  const spans = spansIn(segment, findings, null);
  let pos = 0;
  let length = 0;
  let last: Highlight | null = null;
  const highlights: Highlight[] = [];
  for (const s of spans) {
    if (s.end <= pos) {
      if (last !== null) highlights.push(highlightOf(last.start, last.end, s.finding));
      continue;
    }
    const at = length + Math.max(pos, s.start) - pos;
    const placeholder = `[${s.finding.type}]`;
    // Not there: a span the masking dropped (past the end of the text), so nothing moved.
    if (masked.slice(at, at + placeholder.length) !== placeholder) continue;
    last = highlightOf(at, at + placeholder.length, s.finding);
    highlights.push(last);
    length = at + placeholder.length;
    pos = s.end;
  }
  return highlights;
}

/** Highlights at the findings' own spans (unmasked text). */
function plainHighlights(segment: Segment, findings: readonly FindingView[]): Highlight[] {
  return spansIn(segment.index, findings, segment.text.length).map((s) =>
    highlightOf(s.start, s.end, s.finding),
  );
}

// ---------------------------------------------------------------------------------------------------
// Reading stored content

const StoredSegment = z.object({
  index: z.number().int().min(0),
  source: z.enum(SEGMENT_SOURCES),
  path: z.string(),
  text: z.string(),
});

/** Decrypted content: `{request, response, outputSegments?}`, or `{truncated, bytes, head}` when cut. */
type Decrypted =
  | { ok: true; doc: Record<string, unknown> }
  | { ok: false; reason: ContentUnavailableReason; doc?: unknown };

function decrypt(event: Event, key: Uint8Array | null | undefined): Decrypted {
  if (event.contentMode !== 'encrypted' || event.content === null) return { ok: false, reason: 'not_stored' };
  if (key === null || key === undefined) return { ok: false, reason: 'no_key' };
  let doc: unknown;
  try {
    doc = JSON.parse(decryptContent(key, event.content));
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return { ok: false, reason: 'unreadable' };
  const record = doc as Record<string, unknown>;
  if (record['truncated'] === true) return { ok: false, reason: 'truncated', doc };
  return { ok: true, doc: record };
}

function isClientRoute(route: string): route is ClientRoute {
  return Object.hasOwn(CLIENT_FORMATS, route);
}

/** The input segments as the gateway inspected them, from the stored request; null when unreadable. */
function inputSegmentsOf(route: Event['route'], body: unknown): Segment[] | null {
  try {
    if (isClientRoute(route)) return requestSegments(CLIENT_FORMATS[route].parseRequest(body));
    if (route === 'embeddings') return embeddingsSegments(parseEmbeddingsRequest(body));
    if (route === 'scan') return parseScanRequest(body).segments;
    return [];
  } catch {
    return null;
  }
}

/**
 * The output segments: stored with the content (exact), or for content stored without them, derived
 * from the response (exact only for a plain, unstreamed answer; `exact: false` otherwise).
 */
function outputSegmentsOf(
  route: Event['route'],
  doc: Record<string, unknown>,
): { segments: Segment[]; exact: boolean } | null {
  const stored = z.array(StoredSegment).safeParse(doc['outputSegments']);
  if (stored.success) return { segments: stored.data, exact: true };
  const response = doc['response'];
  if (response === null || response === undefined || typeof response !== 'object')
    return { segments: [], exact: true };
  const streamed = response as { streamed?: unknown; text?: unknown };
  if (streamed.streamed === true) {
    const text = typeof streamed.text === 'string' ? streamed.text : '';
    return {
      segments: text === '' ? [] : [{ index: 0, source: 'completion', path: 'text', text }],
      exact: false,
    };
  }
  if (!isClientRoute(route)) return { segments: [], exact: true };
  try {
    return { segments: responseSegments(CLIENT_FORMATS[route].parseResponse(response)), exact: false };
  } catch {
    return null;
  }
}

/** Segments of both directions from decrypted content, and which directions cannot be trusted. */
function decryptedSegments(
  event: Event,
  doc: Record<string, unknown>,
  views: Record<Direction, FindingView[]>,
): { input: Segment[]; output: Segment[]; withheld: Direction[] } {
  const withheld: Direction[] = [];
  const hasSpans = (direction: Direction) =>
    findingsOver(event, views, direction).some((f) => f.span !== null);
  let input = inputSegmentsOf(event.route, doc['request']);
  if (input === null) {
    input = [];
    if (hasSpans('input')) withheld.push('input');
  }
  const out = outputSegmentsOf(event.route, doc);
  let output: Segment[] = out?.segments ?? [];
  // A derived answer may differ from what was inspected: placeholders restored to the real values
  // (tokenize), masks applied. Shown only when the event found nothing that could have been restored.
  const anySpan = hasSpans('input') || hasSpans('output');
  if ((out === null || !out.exact) && anySpan) {
    output = [];
    withheld.push('output');
  }
  return { input, output, withheld };
}

/** The redacted view of an event's content (see the file comment). Never plaintext of a finding's span. */
export function redactedView(event: Event, contentKey: Uint8Array | null | undefined): ContentView {
  const views = findingViews(event);
  if (event.contentMode === 'redacted' && event.content !== null) return fromRedacted(event, views);
  const decrypted = decrypt(event, contentKey);
  if (!decrypted.ok) return { available: false, reason: decrypted.reason };
  const { input, output, withheld } = decryptedSegments(event, decrypted.doc, views);
  const view = (segments: Segment[], direction: Direction): SegmentView[] =>
    segments.map((s) => {
      const masked = maskSegment(s, findingsOver(event, views, direction));
      return { index: s.index, source: s.source, path: s.path, ...masked };
    });
  return {
    available: true,
    from: 'encrypted',
    input: view(input, 'input'),
    output: view(output, 'output'),
    withheld,
  };
}

function fromRedacted(event: Event, views: Record<Direction, FindingView[]>): ContentView {
  let doc: { input?: unknown; output?: unknown; truncated?: unknown };
  try {
    doc = JSON.parse(event.content as string);
  } catch {
    return { available: false, reason: 'unreadable' };
  }
  if (doc === null || typeof doc !== 'object') return { available: false, reason: 'unreadable' };
  if (doc.truncated === true) return { available: false, reason: 'truncated' };
  const segments = (list: unknown, direction: Direction): SegmentView[] => {
    if (!Array.isArray(list)) return [];
    return list.flatMap((item: unknown, index: number): SegmentView[] => {
      const s = item as { source?: unknown; path?: unknown; text?: unknown };
      if (typeof s?.text !== 'string') return [];
      const source = SEGMENT_SOURCES.includes(s.source as Segment['source'])
        ? (s.source as Segment['source'])
        : direction === 'input'
          ? 'user'
          : 'completion';
      return [
        {
          index,
          source,
          path: typeof s.path === 'string' ? s.path : '',
          text: s.text,
          highlights: placeholderHighlights(index, s.text, findingsOver(event, views, direction)),
        },
      ];
    });
  };
  return {
    available: true,
    from: 'redacted',
    input: segments(doc.input, 'input'),
    output: segments(doc.output, 'output'),
    withheld: [],
  };
}

/** What a reveal shows: the decrypted content as stored, and its segments unmasked with highlights. */
export interface RevealedContent {
  /** `{request, response, outputSegments}` as stored, or `{truncated, bytes, head}` when it was cut. */
  content: unknown;
  input: SegmentView[];
  output: SegmentView[];
}

/**
 * The unmasked content of an encrypted event, or why there is none: `not_stored` (content mode `none` or
 * `redacted`: nothing more than the redacted view exists), `no_key`, `unreadable`.
 */
export function revealedView(
  event: Event,
  contentKey: Uint8Array | null | undefined,
): RevealedContent | { unavailable: ContentUnavailableReason } {
  const decrypted = decrypt(event, contentKey);
  if (!decrypted.ok) {
    if (decrypted.reason === 'truncated') return { content: decrypted.doc, input: [], output: [] };
    return { unavailable: decrypted.reason };
  }
  const views = findingViews(event);
  const view = (segments: readonly Segment[], direction: Direction, exact: boolean): SegmentView[] =>
    segments.map((s) => ({
      index: s.index,
      source: s.source,
      path: s.path,
      text: s.text,
      // Highlights only where segments and findings are matched with certainty.
      highlights: exact ? plainHighlights(s, findingsOver(event, views, direction)) : [],
    }));
  const input = inputSegmentsOf(event.route, decrypted.doc['request']);
  const output = outputSegmentsOf(event.route, decrypted.doc);
  return {
    content: decrypted.doc,
    input: input === null ? [] : view(input, 'input', true),
    output: output === null ? [] : view(output.segments, 'output', output.exact),
  };
}
