import type { Detector, Finding, Segment, SegmentSource } from '@parapet/core';
import { z } from 'zod';
import {
  chunkText,
  ExternalDetectorError,
  hasContent,
  joinUrl,
  mapLimited,
  postJson,
  type TextChunk,
  trimmedSpan,
} from './http.ts';

/** Settings of a Lakera-Guard-compatible detector; validated once when it is built. */
export const LakeraGuardSettings = z.object({
  /** Detector id reported in findings; default `external.lakera_guard`. */
  id: z.string().min(1).default('external.lakera_guard'),
  /** Base URL of the API (SaaS `https://api.lakera.ai` or a self-hosted instance); `/v2/guard` is appended. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.lakera.ai'),
  /** Bearer key; self-hosted instances may run without one. Never logged. */
  apiKey: z.string().min(1).optional(),
  /** Time allowed for one call, headers and body. */
  timeoutMs: z.number().int().min(1).max(600_000).default(5_000),
  /** The family this detector reports; breakdown results of other families are left to sibling detectors. */
  family: z.enum(['prompt_attack', 'harmful', 'toxicity', 'pii', 'links']).default('prompt_attack'),
  /** Lakera project whose policy applies; default the key's default project. */
  projectId: z.string().min(1).optional(),
  /** Longest text screened in one call; longer texts are screened chunk by chunk. */
  maxChars: z.number().int().min(64).default(100_000),
  /** Calls in flight at once for one inspection. */
  concurrency: z.number().int().min(1).max(64).default(4),
});
export type LakeraGuardSettings = z.input<typeof LakeraGuardSettings>;

/** Where one Lakera `detector_type` lands in Parapet's families. A type may land in several families. */
export interface LakeraMapping {
  family: string;
  type: string;
}

const PII_TYPES: Readonly<Record<string, string>> = {
  email: 'EMAIL_ADDRESS',
  phone_number: 'PHONE_NUMBER',
  credit_card: 'CREDIT_CARD',
  iban_code: 'IBAN_CODE',
  ip_address: 'IP_ADDRESS',
  us_social_security_number: 'US_SSN',
  name: 'PERSON',
  address: 'STREET_ADDRESS',
};

const MODERATION: Readonly<Record<string, readonly LakeraMapping[]>> = {
  crime: [{ family: 'harmful', type: 'S2' }],
  violence: [{ family: 'harmful', type: 'S1' }],
  weapons: [{ family: 'harmful', type: 'S9' }],
  sexual: [{ family: 'harmful', type: 'S12' }],
  'self-harm': [{ family: 'harmful', type: 'S11' }],
  self_harm: [{ family: 'harmful', type: 'S11' }],
  hate: [
    { family: 'harmful', type: 'S10' },
    { family: 'toxicity', type: 'hate' },
  ],
  profanity: [{ family: 'toxicity', type: 'profanity' }],
};

/**
 * Maps a Lakera `detector_type` (`prompt_attack`, `moderated_content/hate`, `pii/email`, `unknown_links`, …)
 * to Parapet families and types: prompt attacks → `prompt_attack`; moderated content → `harmful` (MLCommons
 * codes) and/or `toxicity`; PII → `pii` with Presidio names; unknown links → `links`. Anything else lands in
 * family `external` with the Lakera type, so it is visible and never silently dropped.
 */
export function mapLakeraDetectorType(detectorType: string): readonly LakeraMapping[] {
  const [head, tail = ''] = detectorType.split('/', 2) as [string, string?];
  if (head === 'prompt_attack' || head === 'prompt_injection' || head === 'jailbreak') {
    return [{ family: 'prompt_attack', type: head === 'jailbreak' ? 'jailbreak' : 'prompt_injection' }];
  }
  if (head === 'moderated_content') {
    return MODERATION[tail] ?? [{ family: 'harmful', type: `lakera:${tail}` }];
  }
  if (head === 'pii') return [{ family: 'pii', type: PII_TYPES[tail] ?? tail.toUpperCase() }];
  if (head === 'unknown_links') return [{ family: 'links', type: 'UNKNOWN_LINK' }];
  return [{ family: 'external', type: `lakera:${detectorType}` }];
}

const CONFIDENCE: Readonly<Record<string, number>> = {
  l1: 0.99,
  l2: 0.9,
  l3: 0.7,
  l4: 0.4,
  l5: 0.1,
};

/** A score from Lakera's confidence level (`L1`…`L5` or `l1_confident`…), 1 when none is given. */
function confidenceScore(item: Record<string, unknown>): number {
  for (const key of ['result', 'confidence', 'level']) {
    const value = item[key];
    if (typeof value !== 'string') continue;
    const score = CONFIDENCE[value.slice(0, 2).toLowerCase()];
    if (score !== undefined) return score;
  }
  return 1;
}

interface GuardMessage {
  role: 'user' | 'assistant';
  content: string;
}

const ASSISTANT_SOURCES: ReadonlySet<SegmentSource> = new Set(['assistant', 'completion', 'tool_call']);

/**
 * Model output is screened as `assistant`; everything else, tool results and retrieved documents included,
 * as `user`, so Lakera treats untrusted content as a possible prompt attack.
 */
function guardRole(source: SegmentSource): GuardMessage['role'] {
  return ASSISTANT_SOURCES.has(source) ? 'assistant' : 'user';
}

/** A Lakera Guard client; detectors built on the same client share in-flight calls for the same content. */
export interface LakeraGuardClient {
  /** Screens one message; concurrent calls for the same message share one HTTP request. */
  screen(message: GuardMessage, signal: AbortSignal | undefined): Promise<Record<string, unknown>>;
}

/** Builds a client from validated settings (the key and project travel with it). */
export function createLakeraGuardClient(options: LakeraGuardSettings): LakeraGuardClient {
  const s = LakeraGuardSettings.parse(options);
  const url = joinUrl(s.baseUrl, 'v2/guard');
  const headers: Record<string, string> =
    s.apiKey === undefined ? {} : { authorization: `Bearer ${s.apiKey}` };
  const inFlight = new Map<string, Promise<Record<string, unknown>>>();
  return {
    screen(message, signal) {
      const body: Record<string, unknown> = { messages: [message], breakdown: true, payload: true };
      if (s.projectId !== undefined) body.project_id = s.projectId;
      const key = JSON.stringify(body);
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending;
      const call = postJson(url, body, { detector: s.id, headers, timeoutMs: s.timeoutMs, signal })
        .then((answer) => {
          if (
            typeof answer !== 'object' ||
            answer === null ||
            typeof (answer as { flagged?: unknown }).flagged !== 'boolean'
          ) {
            throw new ExternalDetectorError(
              s.id,
              'protocol',
              `detector \`${s.id}\` got an answer without a boolean \`flagged\``,
            );
          }
          return answer as Record<string, unknown>;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, call);
      return call;
    },
  };
}

/** A span from a Lakera payload entry (offsets into the screened chunk), kept inside the chunk. */
function payloadSpan(entry: Record<string, unknown>, chunk: TextChunk, text: string): TextChunk | null {
  const { start, end } = entry;
  if (
    typeof start !== 'number' ||
    typeof end !== 'number' ||
    !Number.isInteger(start) ||
    !Number.isInteger(end)
  ) {
    return null;
  }
  let s = chunk.start + Math.max(0, start);
  let e = Math.min(chunk.end, chunk.start + end);
  if (s >= e) return null;
  const low = (i: number) =>
    i > 0 && i < text.length && text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff;
  if (low(s)) s--;
  if (low(e)) e++;
  return { start: s, end: e };
}

/**
 * A detector over a Lakera-Guard-compatible `/v2/guard` API. Each segment (cut into chunks of `maxChars`)
 * is posted as `{ messages: [{role, content}], breakdown: true, payload: true }`; every breakdown entry with
 * `detected: true` whose mapped family is this detector's family becomes a finding (score from the
 * confidence level, else 1). PII findings take their spans from the payload when given. When the answer is
 * `flagged` with no breakdown at all, a `prompt_attack` detector reports type `flagged`. Timeouts, HTTP
 * errors and malformed answers throw (the runner records a failure).
 */
export function createLakeraGuardDetector(
  options: LakeraGuardSettings,
  client?: LakeraGuardClient,
): Detector {
  const s = LakeraGuardSettings.parse(options);
  const guard = client ?? createLakeraGuardClient(options);
  const { id, family } = s;
  return {
    id,
    family,
    async inspect(segments, ctx) {
      const jobs: { segment: Segment; chunk: TextChunk }[] = [];
      for (const segment of segments) {
        if (!hasContent(segment.text)) continue;
        for (const chunk of chunkText(segment.text, s.maxChars)) {
          if (hasContent(segment.text.slice(chunk.start, chunk.end))) jobs.push({ segment, chunk });
        }
      }
      const answers = await mapLimited(jobs, s.concurrency, ({ segment, chunk }) =>
        guard.screen(
          { role: guardRole(segment.source), content: segment.text.slice(chunk.start, chunk.end) },
          ctx.signal,
        ),
      );
      const findings: Finding[] = [];
      answers.forEach((answer, k) => {
        const { segment, chunk } = jobs[k] as (typeof jobs)[number];
        const whole = trimmedSpan(segment.text, chunk.start, chunk.end);
        const breakdown = Array.isArray(answer.breakdown) ? (answer.breakdown as unknown[]) : null;
        if (breakdown === null) {
          if (answer.flagged === true && family === 'prompt_attack') {
            findings.push({
              family,
              type: 'flagged',
              score: 1,
              segment: segment.index,
              span: whole,
              detector: id,
              explanation: 'lakera guard flagged the text (no breakdown)',
            });
          }
          return;
        }
        const payload = Array.isArray(answer.payload) ? (answer.payload as unknown[]) : [];
        const seen = new Set<string>();
        for (const raw of breakdown) {
          if (typeof raw !== 'object' || raw === null) continue;
          const item = raw as Record<string, unknown>;
          if (item.detected !== true || typeof item.detector_type !== 'string') continue;
          const detectorType = item.detector_type;
          for (const mapping of mapLakeraDetectorType(detectorType)) {
            if (mapping.family !== family || seen.has(mapping.type)) continue;
            seen.add(mapping.type);
            const score = confidenceScore(item);
            const explanation = `lakera guard detector ${detectorType}`;
            const spans =
              family === 'pii'
                ? payload
                    .filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null)
                    .filter((p) => p.detector_type === detectorType)
                    .map((p) => payloadSpan(p, chunk, segment.text))
                    .filter((sp): sp is TextChunk => sp !== null)
                : [];
            for (const span of spans.length > 0 ? spans : [whole]) {
              findings.push({
                family,
                type: mapping.type,
                score,
                segment: segment.index,
                span,
                detector: id,
                explanation,
              });
            }
          }
        }
      });
      return findings;
    },
  };
}
