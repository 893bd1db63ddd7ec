import { z } from 'zod';
import { Decision } from './decision.ts';
import { Finding } from './finding.ts';

export const ContentMode = z.enum(['none', 'redacted', 'encrypted']);
export type ContentMode = z.infer<typeof ContentMode>;

export const Route = z.enum(['chat.completions', 'responses', 'messages', 'embeddings', 'models', 'scan']);
export type Route = z.infer<typeof Route>;

export const EventStatus = z.enum(['success', 'blocked', 'client_error', 'upstream_error', 'gateway_error']);
export type EventStatus = z.infer<typeof EventStatus>;

/** Most characters of each side of an EventPreview. */
export const PREVIEW_SIDE_CHARS = 1000;

/**
 * A bounded, redacted view of an event's text for the activity list and text search: every finding with a
 * span is masked as `[TYPE]` (never the plaintext of a masked value), at most PREVIEW_SIDE_CHARS per side.
 */
export const EventPreview = z.object({
  /** Input text, the latest message first (system prompts and earlier assistant turns left out). */
  input: z.string().max(PREVIEW_SIDE_CHARS + 1),
  /** Output text (completion, tool-call arguments). */
  output: z.string().max(PREVIEW_SIDE_CHARS + 1),
});
export type EventPreview = z.infer<typeof EventPreview>;

/** The stored record of one request through the gateway. Exactly one per request. */
export const Event = z.object({
  id: z.string(),
  /** ISO-8601 UTC time the request arrived. */
  time: z.string(),
  principal: z.object({
    keyId: z.string().nullable(),
    user: z.string().nullable(),
    groups: z.array(z.string()),
    app: z.string().nullable(),
    via: z.enum(['key', 'trusted-header', 'anonymous']),
  }),
  route: Route,
  provider: z.string().nullable(),
  modelRequested: z.string().nullable(),
  modelServed: z.string().nullable(),
  stream: z.boolean(),
  /** HTTP status sent to the client. */
  httpStatus: z.number().int(),
  status: EventStatus,
  /** Stable Parapet error code when the request failed. */
  errorCode: z.string().nullable(),
  latency: z.object({
    totalMs: z.number(),
    upstreamTtfbMs: z.number().nullable(),
    upstreamTotalMs: z.number().nullable(),
    /** total minus upstream total: what the gateway added. */
    overheadMs: z.number(),
  }),
  usage: z
    .object({
      inputTokens: z.number().int(),
      outputTokens: z.number().int(),
      estimated: z.boolean(),
    })
    .nullable(),
  /** Cost in USD from the configured price table, null when no price is known. */
  costUsd: z.number().nullable(),
  findings: z.object({ input: z.array(Finding), output: z.array(Finding) }),
  decision: z.object({ input: Decision.nullable(), output: Decision.nullable() }),
  contentMode: ContentMode,
  /**
   * The content, per contentMode: null for none; for redacted, JSON text with findings masked; for
   * encrypted, `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>` of the JSON text (AES-256-GCM).
   */
  content: z.string().nullable(),
  /**
   * Redacted preview, set by the gateway when content is kept (`redacted` or `encrypted`); absent for
   * `none`. The store keeps it in the search index (the events API reads it there), not in `getEvent`.
   */
  preview: EventPreview.optional(),
});
export type Event = z.infer<typeof Event>;
