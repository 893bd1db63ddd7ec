import {
  type ContentMode,
  type Decision,
  type Event,
  type EventPreview,
  type EventStatus,
  type Finding,
  PREVIEW_SIDE_CHARS,
  type Principal,
  type Route,
  type Segment,
  type Usage,
} from '@parapet/core';
import { computeCostUsd } from '../observability/cost.ts';
import {
  formatTraceparent,
  genAiAttributes,
  genAiSpanName,
  NOOP_SPAN,
  parseTraceparent,
  type Span,
} from '../observability/tracing.ts';
import { encryptContent } from '../store/index.ts';
import type { GatewayContext } from './context.ts';
import type { ModelChoice } from './plan.ts';

/**
 * The event of one request, filled in as the request goes and finished exactly once. `finish()` is
 * called after the response has been sent, so building the content (masking, encryption) and estimating
 * tokens cost the client nothing.
 */
export class EventDraft {
  readonly id: string;
  readonly startedWall: number;
  readonly startedMono: number;
  route: Route;
  principal: Principal | null = null;
  provider: string | null = null;
  modelRequested: string | null = null;
  modelServed: string | null = null;
  stream = false;
  httpStatus = 200;
  status: EventStatus = 'success';
  errorCode: string | null = null;
  upstreamTtfbMs: number | null = null;
  upstreamTotalMs: number | null = null;
  usage: Usage | null = null;
  price: { input_per_mtok: number; output_per_mtok: number } | null = null;
  inputSegments: readonly Segment[] = [];
  inputFindings: Finding[] = [];
  outputFindings: Finding[] = [];
  inputDecision: Decision | null = null;
  outputDecision: Decision | null = null;
  /** The client's request body (parsed), kept for the content record. */
  requestBody: unknown = null;
  /** The response as the client received it: a parsed body, or the streamed text and tool calls. */
  responseContent: unknown = null;
  /** Output segments for redacted content (text per channel). */
  outputSegments: Segment[] = [];
  /** Upstream wire type (openai, anthropic, echo) of the provider that served, for traces. */
  providerType: string | null = null;
  /** Request parameters for traces. */
  maxTokens: number | null = null;
  private finished = false;
  private readonly span: Span;
  private readonly clientTraceparent: string | null;

  constructor(
    private readonly ctx: GatewayContext,
    route: Route,
    traceparent: string | string[] | undefined,
  ) {
    this.id = ctx.newId();
    this.startedWall = ctx.clock.wallMs();
    this.startedMono = ctx.clock.monoMs();
    this.route = route;
    this.clientTraceparent = typeof traceparent === 'string' ? traceparent : null;
    this.span = ctx.tracer.enabled
      ? ctx.tracer.startSpan(route, {
          kind: 'server',
          parent: parseTraceparent(this.clientTraceparent),
          startTimeMs: this.startedWall,
        })
      : NOOP_SPAN;
  }

  /** The `traceparent` to send upstream: this request's span when tracing, else the client's own. */
  upstreamTraceparent(): string | null {
    return this.span === NOOP_SPAN
      ? this.clientTraceparent
      : (formatTraceparent(this.span) ?? this.clientTraceparent);
  }

  /** Notes which model of the chain served the request. */
  servedBy(choice: ModelChoice): void {
    this.provider = choice.upstream.name;
    this.providerType = choice.upstream.type;
    this.modelServed = choice.upstreamModel;
  }

  fail(status: EventStatus, httpStatus: number, code: string | null): void {
    this.status = status;
    this.httpStatus = httpStatus;
    this.errorCode = code;
  }

  /** Records the event once; later calls do nothing. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const ctx = this.ctx;
    const totalMs = round3(ctx.clock.monoMs() - this.startedMono);
    const usage = this.usage ?? this.estimateUsage();
    const p = this.principal;
    const event: Event = {
      id: this.id,
      time: new Date(this.startedWall).toISOString(),
      principal: {
        keyId: p?.keyId ?? null,
        user: p?.user ?? null,
        groups: p?.groups ?? [],
        app: p?.app ?? null,
        via: p?.via ?? 'anonymous',
      },
      route: this.route,
      provider: this.provider,
      modelRequested: this.modelRequested,
      modelServed: this.modelServed,
      stream: this.stream,
      httpStatus: this.httpStatus,
      status: this.status,
      errorCode: this.errorCode,
      latency: {
        totalMs,
        upstreamTtfbMs: this.upstreamTtfbMs === null ? null : round3(this.upstreamTtfbMs),
        upstreamTotalMs: this.upstreamTotalMs === null ? null : round3(this.upstreamTotalMs),
        overheadMs: round3(Math.max(0, totalMs - (this.upstreamTotalMs ?? 0))),
      },
      usage:
        usage === null
          ? null
          : {
              inputTokens: usage.inputTokens,
              outputTokens: usage.outputTokens,
              estimated: usage.estimated === true,
            },
      costUsd: computeCostUsd(this.price, usage),
      findings: { input: this.inputFindings, output: this.outputFindings },
      decision: { input: this.inputDecision, output: this.outputDecision },
      contentMode: ctx.settings.contentMode,
      content: this.content(ctx.settings.contentMode),
    };
    if (ctx.settings.contentMode !== 'none') {
      const preview = eventPreview(
        { segments: this.inputSegments, findings: this.inputFindings },
        { segments: this.outputSegments, findings: this.outputFindings },
      );
      if (preview !== null) event.preview = preview;
    }
    ctx.recorder.record(event);
    if (this.span !== NOOP_SPAN) this.endSpan(event);
    const decision = this.outputDecision?.action ?? this.inputDecision?.action ?? 'none';
    ctx.metrics.observeRequest({
      route: this.route,
      provider: this.provider ?? 'none',
      model: this.modelRequested ?? 'none',
      decision,
      status: this.status,
      totalMs,
      overheadMs: event.latency.overheadMs,
      upstreamTtfbMs: this.upstreamTtfbMs,
      upstreamTotalMs: this.upstreamTotalMs,
    });
    ctx.logger.info('request', {
      event: this.id,
      route: this.route,
      status: this.httpStatus,
      outcome: this.status,
      code: this.errorCode ?? undefined,
      model: this.modelRequested ?? undefined,
      provider: this.provider ?? undefined,
      key_id: p?.keyId ?? undefined,
      ms: totalMs,
    });
  }

  private endSpan(event: Event): void {
    const operation = this.route === 'embeddings' ? 'embeddings' : 'chat';
    this.span.updateName(genAiSpanName(operation, this.modelRequested));
    this.span.setAttributes({
      ...genAiAttributes({
        operation,
        provider: this.providerType,
        requestModel: this.modelRequested,
        responseModel: this.modelServed,
        inputTokens: event.usage?.inputTokens ?? null,
        outputTokens: event.usage?.outputTokens ?? null,
        maxTokens: this.maxTokens,
        errorType: this.errorCode,
      }),
      'parapet.event_id': this.id,
      'parapet.route': this.route,
      'parapet.upstream': this.provider ?? undefined,
      'parapet.key_id': event.principal.keyId ?? undefined,
      'parapet.app': event.principal.app ?? undefined,
      'parapet.status': this.status,
      'parapet.decision': this.outputDecision?.action ?? this.inputDecision?.action ?? undefined,
      'http.response.status_code': this.httpStatus,
    });
    if (this.status !== 'success') this.span.recordError(this.errorCode ?? this.status);
    this.span.end();
  }

  private estimateUsage(): Usage | null {
    if (this.status !== 'success' || this.route === 'models' || this.route === 'scan') return null;
    const input = this.inputSegments.map((s) => s.text);
    const output = this.outputSegments.map((s) => s.text);
    if (input.length === 0 && output.length === 0) return null;
    return {
      inputTokens: this.ctx.estimateTokens(input),
      outputTokens: this.ctx.estimateTokens(output),
      estimated: true,
    };
  }

  private content(mode: ContentMode): string | null {
    if (mode === 'none' || (this.requestBody === null && this.responseContent === null)) return null;
    const limit = this.ctx.settings.maxContentBytes;
    if (mode === 'redacted') {
      const doc = {
        input: this.inputSegments.map((s) => ({
          source: s.source,
          path: s.path,
          text: maskFindings(s, this.inputFindings),
        })),
        output: this.outputSegments.map((s) => ({
          source: s.source,
          text: maskFindings(s, this.outputFindings),
        })),
      };
      return truncateJson(JSON.stringify(doc), limit);
    }
    // The output segments as inspected: findings point into them by index, which the stored response
    // alone does not always give back (streamed channels, redacted or translated answers).
    const outputSegments = this.outputSegments.map((s) => ({
      index: s.index,
      source: s.source,
      path: s.path,
      text: s.text,
    }));
    const plain = truncateJson(
      JSON.stringify({ request: this.requestBody, response: this.responseContent, outputSegments }),
      limit,
    );
    return encryptContent(this.ctx.contentKey, plain);
  }
}

/** Replaces every finding's span in a segment with `[TYPE]`. Overlapping spans merge. */
export function maskFindings(segment: Segment, findings: readonly Finding[]): string {
  const spans = findings
    .filter((f) => f.segment === segment.index && f.span !== null)
    .map((f) => ({ start: f.span!.start, end: Math.min(f.span!.end, segment.text.length), type: f.type }))
    .filter((s) => s.start < s.end)
    .sort((a, b) => a.start - b.start);
  if (spans.length === 0) return segment.text;
  let out = '';
  let pos = 0;
  for (const s of spans) {
    if (s.end <= pos) continue;
    out += segment.text.slice(pos, Math.max(pos, s.start));
    out += `[${s.type}]`;
    pos = s.end;
  }
  return out + segment.text.slice(pos);
}

/**
 * The redacted preview of an event (core EventPreview): every finding with a span masked as `[TYPE]`, at
 * most PREVIEW_SIDE_CHARS per side. Input: the latest message first, without system prompts and earlier
 * assistant turns (unless nothing else is there). Null when there is no text at all.
 */
export function eventPreview(
  input: { segments: readonly Segment[]; findings: readonly Finding[] },
  output: { segments: readonly Segment[]; findings: readonly Finding[] },
): EventPreview | null {
  // A scan with `direction: output` has no output segments: its findings point into the input ones.
  const inputFindings =
    output.segments.length === 0 && output.findings.length > 0
      ? [...input.findings, ...output.findings]
      : input.findings;
  const told = input.segments.filter((s) => s.source !== 'system' && s.source !== 'assistant');
  const inputs = (told.length > 0 ? told : input.segments).slice().reverse();
  const preview = {
    input: previewText(inputs, inputFindings),
    output: previewText(output.segments, output.findings),
  };
  return preview.input === '' && preview.output === '' ? null : preview;
}

function previewText(segments: readonly Segment[], findings: readonly Finding[]): string {
  let text = '';
  for (const s of segments) {
    if (text.length > PREVIEW_SIDE_CHARS) break;
    const masked = maskFindings(s, findings).trim();
    if (masked !== '') text = text === '' ? masked : `${text}\n${masked}`;
  }
  if (text.length <= PREVIEW_SIDE_CHARS) return text;
  // Never split a surrogate pair.
  const code = text.charCodeAt(PREVIEW_SIDE_CHARS - 1);
  const cut = code >= 0xd800 && code <= 0xdbff ? PREVIEW_SIDE_CHARS - 1 : PREVIEW_SIDE_CHARS;
  return `${text.slice(0, cut)}\u2026`;
}

function truncateJson(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return JSON.stringify({ truncated: true, bytes: Buffer.byteLength(text), head: text.slice(0, limit) });
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
