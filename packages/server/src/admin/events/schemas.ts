/**
 * Request and response schemas of the events part of the admin API (`/events…`), one zod schema and type
 * under one name each: search, detail, reveal, labels, export.
 */
import { Decision, EventPreview, EventStatus, Finding, SEGMENT_SOURCES } from '@parapet/core';
import { z } from 'zod';
import { LABEL_PATTERN, MAX_PAGE_LIMIT } from '../../store/event-search.ts';
import { EVENT_ACTIONS } from '../../store/event-search-index.ts';
import { CONTENT_UNAVAILABLE_REASONS } from './content-view.ts';

const isoTime = z.string().describe('ISO-8601 time (UTC, milliseconds).');
const count = z.number().int().min(0);

// ---------------------------------------------------------------------------------------------------
// Query and path parameters

const filterText = z.string().min(1).max(500);

/** A label name: lower-case letters, digits, `_`, `.`, `-`; 1 to 64 characters, starting with a letter or digit. */
export const LabelName = z
  .string()
  .regex(LABEL_PATTERN, {
    message: 'must be 1 to 64 lower-case letters, digits, `_`, `.` or `-`, starting with a letter or digit',
  })
  .describe('A label: `false_positive`, `confirmed`, `needs-review`…');

const timeParam = z
  .string()
  .min(1)
  .max(40)
  .describe('A duration before now (`24h`, `7d`) or an ISO time (`2025-03-01T00:00:00Z`).');

/** The filters shared by the list and the export. */
export const EventFiltersQuery = z.strictObject({
  user: filterText.optional(),
  group: filterText.optional(),
  app: filterText.optional(),
  model: filterText.optional().describe('The model requested or the model that served.'),
  action: z
    .enum(EVENT_ACTIONS)
    .optional()
    .describe('The outcome of the event over both decisions (as the analytics count it).'),
  family: filterText
    .optional()
    .describe('A finding family (pii, secrets, prompt_attack…), either direction.'),
  type: filterText.optional().describe('A finding type (EMAIL_ADDRESS, S9…), either direction.'),
  topic: filterText.optional().describe('A topic: the type of a finding of family `topics`.'),
  rule: filterText.optional().describe('A policy rule that decided, matched, redacted, held or warned.'),
  label: LabelName.optional(),
  status: EventStatus.optional(),
  since: timeParam.optional().describe('Only events at or after this time.'),
  until: timeParam.optional().describe('Only events before this time.'),
  q: z
    .string()
    .min(1)
    .max(500)
    .regex(/[\p{L}\p{N}]/u, { message: 'must contain a letter or a digit' })
    .optional()
    .describe(
      'Words of the redacted preview, all required as whole words; case and accents ignored; `word*` (3 or more characters before `*`) matches words starting with it.',
    ),
});
export type EventFiltersQuery = z.infer<typeof EventFiltersQuery>;

export const ListEventsQuery = EventFiltersQuery.extend({
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, { message: `must be a whole number from 1 to ${MAX_PAGE_LIMIT}` })
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_PAGE_LIMIT))
    .default(50)
    .describe(`Events per page, 1 to ${MAX_PAGE_LIMIT}; default 50.`),
  after: z
    .string()
    .regex(/^-?[0-9]{1,19}$/, { message: "must be a page's `nextCursor`" })
    .optional()
    .describe("The previous page's `nextCursor`."),
});
export type ListEventsQuery = z.infer<typeof ListEventsQuery>;

/** Most events one export writes. */
export const MAX_EXPORT_EVENTS = 1_000_000;

export const ExportEventsQuery = EventFiltersQuery.extend({
  format: z.enum(['csv', 'ndjson']).describe('`csv` (text/csv) or `ndjson` (application/x-ndjson).'),
  reveal: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe(
      'Add the decrypted content: only for a role with `content.reveal`; recorded in the audit trail.',
    ),
  limit: z
    .string()
    .regex(/^[0-9]{1,7}$/, { message: `must be a whole number from 1 to ${MAX_EXPORT_EVENTS}` })
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_EXPORT_EVENTS))
    .default(MAX_EXPORT_EVENTS)
    .describe(`Most events to write, newest first; default and most ${MAX_EXPORT_EVENTS}.`),
});
export type ExportEventsQuery = z.infer<typeof ExportEventsQuery>;

export const EventPath = z.strictObject({ id: z.string().min(1).max(200) });
export type EventPath = z.infer<typeof EventPath>;

export const LabelPath = z.strictObject({ id: z.string().min(1).max(200), label: LabelName });
export type LabelPath = z.infer<typeof LabelPath>;

// ---------------------------------------------------------------------------------------------------
// Request bodies

export const PutLabelRequest = z.strictObject({
  note: z.string().max(1000).optional().describe('Why (shown with the label).'),
});
export type PutLabelRequest = z.infer<typeof PutLabelRequest>;

export const RevealRequest = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .optional()
    .describe('Why the content is needed; recorded in the audit trail.'),
});
export type RevealRequest = z.infer<typeof RevealRequest>;

// ---------------------------------------------------------------------------------------------------
// Responses

const DecisionBrief = z.object({
  action: Decision.shape.action,
  ruleId: z.string().nullable(),
});

/** One row of the Activity table. Never content: only the redacted preview. */
export const EventSummary = z.object({
  id: z.string(),
  time: isoTime,
  principal: z.object({
    keyId: z.string().nullable(),
    user: z.string().nullable(),
    groups: z.array(z.string()),
    app: z.string().nullable(),
    via: z.enum(['key', 'trusted-header', 'anonymous']),
  }),
  route: z.string(),
  provider: z.string().nullable(),
  modelRequested: z.string().nullable(),
  modelServed: z.string().nullable(),
  stream: z.boolean(),
  httpStatus: z.number().int(),
  status: EventStatus,
  errorCode: z.string().nullable(),
  action: z.enum(EVENT_ACTIONS).describe('The outcome over both decisions (the `action` filter).'),
  decisions: z.object({ input: DecisionBrief.nullable(), output: DecisionBrief.nullable() }),
  rules: z.array(z.string()).describe('Every rule that decided, matched, redacted, held or warned.'),
  detections: z
    .array(z.object({ family: z.string(), type: z.string(), count: count, maxScore: z.number() }))
    .describe('Findings of both directions by family and type, the most frequent first.'),
  topics: z.array(z.string()),
  latencyMs: z.number().describe('Total time in the gateway.'),
  usage: z
    .object({ inputTokens: z.number().int(), outputTokens: z.number().int(), estimated: z.boolean() })
    .nullable(),
  costUsd: z.number().nullable(),
  contentMode: z.enum(['none', 'redacted', 'encrypted']),
  preview: EventPreview.nullable().describe(
    'The redacted preview (findings masked); null when none was kept.',
  ),
  labels: z.array(z.string()),
});
export type EventSummary = z.infer<typeof EventSummary>;

export const EventPage = z.object({
  events: z.array(EventSummary).describe('Newest first.'),
  nextCursor: z.string().nullable().describe('Pass as `after` for the next page; null on the last page.'),
});
export type EventPage = z.infer<typeof EventPage>;

const Direction = z.enum(['input', 'output']);

export const FindingView = Finding.extend({
  direction: Direction,
  index: count.describe('Index in the findings of its direction (what decisions point to).'),
  ruleIds: z.array(z.string()).describe('Rules that fired on this finding.'),
});

export const Highlight = z.object({
  start: count,
  end: count,
  direction: Direction,
  finding: count.describe('Index of the finding in its direction.'),
  family: z.string(),
  type: z.string(),
  score: z.number(),
  ruleIds: z.array(z.string()),
});

export const SegmentView = z.object({
  index: count,
  source: z.enum(SEGMENT_SOURCES),
  path: z.string(),
  text: z
    .string()
    .describe('The text (masked in the detail, plain in a reveal); render it as text, never as HTML.'),
  highlights: z.array(Highlight).describe('UTF-16 offsets into `text`, end exclusive.'),
});

export const ContentView = z.discriminatedUnion('available', [
  z.object({
    available: z.literal(true),
    from: z.enum(['redacted', 'encrypted']),
    input: z.array(SegmentView),
    output: z.array(SegmentView),
    withheld: z
      .array(Direction)
      .describe('Directions not shown: their text could not be matched with their findings.'),
  }),
  z.object({
    available: z.literal(false),
    reason: z
      .enum(CONTENT_UNAVAILABLE_REASONS)
      .describe(
        '`not_stored` (content mode none), `truncated` (over events.max_content_bytes), `unreadable`, `no_key` (this gateway cannot decrypt).',
      ),
  }),
]);

export const EventLabel = z.object({
  eventId: z.string(),
  label: z.string(),
  note: z.string().nullable(),
  by: z.string(),
  at: isoTime,
});
export type EventLabel = z.infer<typeof EventLabel>;

/** The interaction detail: the summary, the whole decision trace, every finding, the redacted conversation. */
export const EventDetail = EventSummary.omit({ labels: true }).extend({
  latency: z.object({
    totalMs: z.number(),
    upstreamTtfbMs: z.number().nullable(),
    upstreamTotalMs: z.number().nullable(),
    overheadMs: z.number(),
  }),
  trace: z
    .object({ input: Decision.nullable(), output: Decision.nullable() })
    .describe(
      'Each decision: action, rule, findings that made it fire, failed detectors, the trail of rules.',
    ),
  findings: z.object({ input: z.array(FindingView), output: z.array(FindingView) }),
  content: ContentView,
  labels: z.array(EventLabel),
});
export type EventDetail = z.infer<typeof EventDetail>;

export const RevealedEvent = z.object({
  eventId: z.string(),
  content: z
    .unknown()
    .describe(
      'The decrypted content as stored: `{request, response, outputSegments}`, or `{truncated, bytes, head}`.',
    ),
  input: z.array(SegmentView).describe('The input segments, unmasked, with highlights.'),
  output: z.array(SegmentView).describe('The output segments, unmasked, with highlights.'),
});
export type RevealedEvent = z.infer<typeof RevealedEvent>;

export const LabelRemoved = z.object({
  eventId: z.string(),
  label: z.string(),
  removed: z.boolean().describe('false when the event did not have this label.'),
});
export type LabelRemoved = z.infer<typeof LabelRemoved>;
