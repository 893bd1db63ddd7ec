/**
 * One line of a SIEM delivery: an event's metadata, findings and decisions, and its content only in
 * masked form. Plaintext never reaches a record: the ciphertext is never copied, and content comes only
 * through a ContentRedactor, which masks every finding (redact.ts).
 */
import { ContentMode, Decision, Event, EventStatus, Finding, Route } from '@parapet/core';
import { z } from 'zod';
import type { SiemContentMode } from './settings.ts';

/** `type` of every record, so a SIEM pipeline can route Parapet's lines. */
export const SIEM_RECORD_TYPE = 'parapet.event';
/** Bumped on a breaking change of the record's shape. */
export const SIEM_RECORD_VERSION = 1;

/** One masked text: findings replaced by `[TYPE]`. */
const MaskedSegment = z.object({
  source: z.string().describe('Where the text came from (`user`, `system`, `tool`, `completion`, …).'),
  path: z.string().describe('Where it sits in the request or answer (`messages[1].content`).'),
  text: z.string().describe('The text with every finding replaced by `[TYPE]`.'),
});

/** Content with every finding masked, per direction. */
export const RedactedContent = z.object({
  input: z.array(MaskedSegment),
  output: z.array(MaskedSegment),
  withheld: z
    .array(z.enum(['input', 'output']))
    .describe(
      'Directions whose text could not be matched with its findings, so it is left out rather than risk showing a value.',
    ),
});
export type RedactedContent = z.infer<typeof RedactedContent>;

export const SIEM_CONTENT_STATUSES = ['redacted', 'omitted', 'none', 'unavailable'] as const;

/** One NDJSON line of a delivery. */
export const SiemRecord = z.object({
  type: z.literal(SIEM_RECORD_TYPE),
  version: z.literal(SIEM_RECORD_VERSION),
  id: z.string().describe('The event id: unique, a receiver can deduplicate on it.'),
  time: z.string().describe('When the request arrived (ISO-8601 UTC).'),
  principal: Event.shape.principal,
  route: Route,
  provider: z.string().nullable(),
  modelRequested: z.string().nullable(),
  modelServed: z.string().nullable(),
  stream: z.boolean(),
  httpStatus: z.number().int(),
  status: EventStatus,
  errorCode: z.string().nullable(),
  latency: Event.shape.latency,
  usage: Event.shape.usage,
  costUsd: z.number().nullable(),
  action: z
    .object({ input: z.string().nullable(), output: z.string().nullable() })
    .describe('The decision action per direction (null: that direction was not decided).'),
  findings: z.object({ input: z.array(Finding), output: z.array(Finding) }),
  decision: z.object({ input: Decision.nullable(), output: Decision.nullable() }),
  contentMode: ContentMode.describe('How the gateway stored the content.'),
  contentStatus: z
    .enum(SIEM_CONTENT_STATUSES)
    .describe(
      '`redacted`: `content` holds the masked content; `omitted`: the sink sends no content (`content: none`); `none`: the event has none; `unavailable`: it cannot be read and masked (cut at `events.max_content_bytes`, or unreadable with this content key).',
    ),
  content: RedactedContent.nullable(),
});
export type SiemRecord = z.infer<typeof SiemRecord>;

/**
 * The masked content of an event, or null when there is none to give. Must never return plaintext: an
 * implementation that decrypts `encrypted` content masks every finding before returning it.
 */
export type ContentRedactor = (event: Event) => RedactedContent | null;

/** The record of `event` for a sink sending `content`. */
export function siemRecord(event: Event, content: SiemContentMode, redact: ContentRedactor): SiemRecord {
  let contentStatus: SiemRecord['contentStatus'];
  let masked: RedactedContent | null = null;
  if (event.contentMode === 'none' || event.content === null) contentStatus = 'none';
  else if (content === 'none') contentStatus = 'omitted';
  else {
    masked = redact(event);
    contentStatus = masked === null ? 'unavailable' : 'redacted';
  }
  return {
    type: SIEM_RECORD_TYPE,
    version: SIEM_RECORD_VERSION,
    id: event.id,
    time: event.time,
    principal: event.principal,
    route: event.route,
    provider: event.provider,
    modelRequested: event.modelRequested,
    modelServed: event.modelServed,
    stream: event.stream,
    httpStatus: event.httpStatus,
    status: event.status,
    errorCode: event.errorCode,
    latency: event.latency,
    usage: event.usage,
    costUsd: event.costUsd,
    action: {
      input: event.decision.input?.action ?? null,
      output: event.decision.output?.action ?? null,
    },
    findings: event.findings,
    decision: event.decision,
    contentMode: event.contentMode,
    contentStatus,
    content: masked,
  };
}

/** The body of one delivery: one JSON record per line, each line ending in `\n`. */
export function ndjson(records: readonly SiemRecord[]): string {
  let out = '';
  for (const record of records) out += `${JSON.stringify(record)}\n`;
  return out;
}
