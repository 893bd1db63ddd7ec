import type { ServerResponse } from 'node:http';
import {
  type ChatRequest,
  type ChatStreamEvent,
  canaryFindings,
  createRestorer,
  createSseDecoder,
  createStreamInspector,
  type Decision,
  ERROR_CODES,
  type ErrorCode,
  encodeSseEvent,
  type Finding,
  type InspectionWindow,
  ParapetError,
  type Principal,
  type Restorer,
  type Segment,
  type SseEvent,
  type StreamInspectorState,
  streamInspector,
  type TokenVault,
  valueTail,
  type WireFormat,
} from '@parapet/core';
import { type InspectionResult, runDetectors } from '../pipeline/inspect.ts';
import type { GatewayContext, ResolvedRoute } from './context.ts';
import type { EventDraft } from './event-draft.ts';

/** Where streamed output comes from: an upstream's SSE body, or neutral events (the echo model). */
export type StreamSource =
  | {
      kind: 'upstream';
      body: AsyncIterable<Uint8Array>;
      decoder: (event: SseEvent) => ChatStreamEvent[];
      /** Same format as the client: forward the upstream's events as they are. */
      passthrough: boolean;
      stripUsage: boolean;
    }
  | { kind: 'neutral'; events: Iterable<ChatStreamEvent> };

/**
 * What is queued in the inspector: an upstream event to forward, or a neutral event to encode (with the
 * channel offset of its text, for output redaction).
 */
type Payload = { sse: SseEvent } | { neutral: ChatStreamEvent; channel?: string; start?: number };

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

export interface StreamArgs {
  clientFormat: WireFormat;
  chat: ChatRequest;
  source: StreamSource;
  res: ServerResponse;
  draft: EventDraft;
  principal: Principal;
  resolved: ResolvedRoute;
  abort: AbortController;
  /** Placeholders of the request's reversible redaction, restored as the answer streams. */
  vault?: TokenVault;
  /** The canary planted in the system prompt: found in the answer, it is a system-prompt leak. */
  canary?: string | null;
}

/**
 * Streams a response to the client through the output inspection point. Every piece of text passes the
 * stream inspector: detectors see it in windows (with context before it) and the client gets it only after
 * the hold-back, so a pattern split across chunks is judged whole. Headers are sent with the first
 * released event, so a failure before any output still gets a proper status code.
 */
export async function streamResponse(ctx: GatewayContext, a: StreamArgs): Promise<void> {
  const { res, draft } = a;
  const canary = a.canary ?? null;
  const detecting = ctx.detectors.length > 0 || canary !== null;
  const outputRedaction = ctx.policy?.redactsOutput() === true;
  let inspector: StreamInspectorState<Payload> = createStreamInspector<Payload>({
    // Output redaction needs the text of a finding held back until it is seen whole: at most
    // `outputHoldBackChars`, and in adaptive mode only the tail that may still grow into a value.
    holdBackChars: !detecting
      ? 0
      : outputRedaction
        ? ctx.enforcement.outputHoldBackChars
        : ctx.settings.holdBackChars,
    ...(outputRedaction && ctx.enforcement.outputHoldBackMode === 'adaptive'
      ? { holdBackFor: (recent: string) => Math.max(ctx.settings.holdBackChars, valueTail(recent)) }
      : {}),
    windowChars: ctx.settings.windowChars,
  });
  const encoder = a.clientFormat.createStreamEncoder();
  const channels = new Map<string, { index: number; text: string; source: Segment['source'] }>();
  const findingKeys = new Set<string>();
  const findings: Finding[] = [];
  const contentLimit = ctx.settings.maxContentBytes;
  let sent = 0;
  let ended = false;
  let finished = false;
  let stopped = false;
  const restoring = a.vault !== undefined && a.vault.size > 0;
  const masking = outputRedaction;
  const restorers = new Map<string, Restorer>();
  const lengths = new Map<string, number>();

  /** Output redaction of released text: spans of redacted findings in [start, start + text.length). */
  const maskReleased = (channel: string, start: number, text: string): string => {
    const redactions = draft.outputDecision?.redactions;
    if (redactions === undefined || redactions.length === 0) return text;
    const index = channelOf(channels, channel).index;
    const end = start + text.length;
    const spans: { s: number; e: number; type: string }[] = [];
    for (const r of redactions) {
      for (const i of r.findings) {
        const f = findings[i];
        if (f === undefined || f.segment !== index || f.span === null) continue;
        if (f.span.end <= start || f.span.start >= end) continue;
        spans.push({ s: f.span.start, e: f.span.end, type: f.type });
      }
    }
    if (spans.length === 0) return text;
    spans.sort((x, y) => x.s - y.s);
    let out = '';
    let pos = start;
    for (const sp of spans) {
      if (sp.e <= pos) continue;
      if (sp.s > pos) out += text.slice(pos - start, sp.s - start);
      // The label goes where the span begins; the rest of a span that began earlier is dropped.
      if (sp.s >= pos) out += `[${sp.type}]`;
      pos = Math.min(sp.e, end);
    }
    return out + text.slice(pos - start);
  };

  /** Masks and restores the text of a released neutral event; null when nothing is left to send. */
  const rewrite = (p: { neutral: ChatStreamEvent; channel?: string; start?: number }): ChatStreamEvent[] => {
    const ev = p.neutral;
    if ((ev.type === 'finish' || ev.type === 'end') && restoring) {
      const tails: ChatStreamEvent[] = [];
      for (const [channel, r] of restorers) {
        const tail = r.flush();
        if (tail.length > 0) tails.push(textEvent(channel, tail));
      }
      restorers.clear();
      return [...tails, ev];
    }
    if ((ev.type !== 'text' && ev.type !== 'tool_call_delta') || p.channel === undefined) return [ev];
    let text = ev.type === 'text' ? ev.text : ev.arguments;
    if (masking) text = maskReleased(p.channel, p.start ?? 0, text);
    if (restoring) {
      let r = restorers.get(p.channel);
      if (r === undefined) {
        r = createRestorer(a.vault!);
        restorers.set(p.channel, r);
      }
      text = r.push(text);
    }
    if (text.length === 0) return [];
    return [ev.type === 'text' ? { ...ev, text } : { ...ev, arguments: text }];
  };

  const writeOut = async (text: string): Promise<void> => {
    if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
    if (!res.write(text)) await drained(res);
  };

  const emit = async (payloads: Payload[]): Promise<void> => {
    let out = '';
    for (const p of payloads) {
      if ('sse' in p) {
        out += encodeSseEvent(p.sse);
        sent++;
      } else {
        const events = restoring || masking ? rewrite(p) : [p.neutral];
        for (const n of events) {
          for (const ev of encoder(n)) {
            out += encodeSseEvent(ev);
            sent++;
          }
        }
      }
    }
    if (out.length > 0) await writeOut(out);
  };

  /** Inspects windows and decides; returns a blocking decision, if any. */
  const inspect = async (windows: InspectionWindow[]): Promise<Decision | null> => {
    if (!detecting || windows.length === 0) return null;
    const segments: Segment[] = windows.map((w, i) => ({
      index: i,
      source: channelSource(w.channel),
      path: w.channel,
      text: w.text,
    }));
    const result = await runDetectors(ctx.detectors, segments, 'output', ctx.settings.detectorBudgetMs);
    // The runner's result may be shared (no detectors): never mutate it.
    const found =
      canary === null ? result.findings : [...result.findings, ...canaryFindings(segments, canary)];
    for (const f of found) {
      const w = windows[f.segment ?? 0]!;
      const channel = channelOf(channels, w.channel);
      const span = f.span === null ? null : { start: f.span.start + w.offset, end: f.span.end + w.offset };
      const key = `${f.detector}|${f.type}|${channel.index}|${span?.start}|${span?.end}`;
      if (findingKeys.has(key)) continue;
      findingKeys.add(key);
      findings.push({ ...f, segment: channel.index, span });
    }
    const decision = decideOutput(result.failures);
    draft.outputDecision = decision;
    return decision.action === 'block' ? decision : null;
  };

  const decideOutput = (failures: InspectionResult['failures']): Decision => {
    const model = a.resolved.chain[0]!.name;
    const hasTools = (a.chat.tools?.length ?? 0) > 0;
    const sources = [...channels.values()].sort((x, y) => x.index - y.index).map((c) => c.source);
    const decision = ctx.decider({
      direction: 'output',
      principal: a.principal,
      model,
      requestedModel: a.chat.model,
      provider: a.resolved.chain[0]!.upstream.name,
      modelTags: a.resolved.tags,
      stream: true,
      hasTools,
      segmentSources: sources,
      findings,
      failures,
      now: new Date(ctx.clock.wallMs()),
    });
    return { ...decision, facts: { model, language: null, hasTools, sources } };
  };

  const accept = async (payload: Payload | null, events: readonly ChatStreamEvent[]): Promise<boolean> => {
    let text = '';
    let channel = 'text';
    for (const ev of events) {
      switch (ev.type) {
        case 'text':
          text += ev.text;
          break;
        case 'tool_call_start':
          channel = `tool:${ev.index}`;
          channelOf(channels, channel);
          break;
        case 'tool_call_delta':
          channel = `tool:${ev.index}`;
          text += ev.arguments;
          break;
        case 'usage':
          draft.usage = ev.usage;
          break;
        case 'finish':
          finished = true;
          break;
        case 'end':
          ended = true;
          break;
        case 'error':
          draft.fail('upstream_error', 200, 'PARAPET_UPSTREAM_STREAM_INTERRUPTED');
          break;
        default:
          break;
      }
    }
    if (text.length > 0) {
      const c = channelOf(channels, channel);
      if (c.text.length < contentLimit) c.text += text;
      if (payload !== null && 'neutral' in payload) {
        const start = lengths.get(channel) ?? 0;
        payload.channel = channel;
        payload.start = start;
        lengths.set(channel, start + text.length);
      }
    } else if (detecting && payload !== null && 'sse' in payload) {
      // Fail-safe for pass-through: an event the decoder reads no text from may still carry text (a
      // newer event type, a `.done` summary, extended thinking). Inspect it on its own channel rather
      // than forward it unread.
      const extra = unmodelledText(payload.sse.data);
      if (extra.length > 0) {
        text = extra;
        channel = AUX_CHANNEL;
      }
    }
    if (payload === null) return true;
    const pushed = streamInspector.push(
      inspector,
      text.length > 0 ? { payload, text, channel } : { payload },
    );
    inspector = pushed.state;
    const block = await inspect(pushed.windows);
    if (block !== null) return stopWith(block);
    const released = streamInspector.release(inspector);
    inspector = released.state;
    if (released.emit.length > 0) await emit(released.emit);
    return true;
  };

  const stopWith = async (decision: Decision): Promise<false> => {
    stopped = true;
    draft.fail('blocked', res.headersSent ? 200 : 403, 'PARAPET_POLICY_BLOCKED');
    const message = decision.message ?? 'the response was blocked by policy';
    if (!res.headersSent) throw new ParapetError('PARAPET_POLICY_BLOCKED', message);
    await writeOut(encodeSseEvent(streamErrorEvent(a.clientFormat, 'PARAPET_POLICY_BLOCKED', message, sent)));
    return false;
  };

  try {
    if (a.source.kind === 'neutral') {
      for (const ev of a.source.events) {
        if (!(await accept({ neutral: ev }, [ev]))) break;
      }
    } else {
      const src = a.source;
      const sse = createSseDecoder();
      outer: for await (const chunk of src.body) {
        for (const ev of sse.push(chunk)) {
          const events = src.decoder(ev);
          // An upstream error event or a broken one is never forwarded: the stream ends with our own.
          const failure = upstreamStreamFailure(events);
          if (failure !== null) throw failure;
          let payload: Payload | null;
          if (src.passthrough) {
            payload = src.stripUsage && isUsageOnly(events) ? null : { sse: ev };
          } else {
            payload = null;
            // Neutral events go through one at a time so the encoder sees each.
            for (const n of events) {
              if (!(await accept({ neutral: n }, [n]))) break outer;
            }
            continue;
          }
          if (!(await accept(payload, events))) break outer;
        }
      }
      for (const ev of sse.end()) {
        const events = src.decoder(ev);
        const failure = upstreamStreamFailure(events);
        if (failure !== null) throw failure;
        if (!(await accept(src.passthrough ? { sse: ev } : null, events))) break;
      }
    }
  } catch (err) {
    if (a.abort.signal.aborted && !stopped) throw err;
    if (err instanceof ParapetError) {
      // Before the first byte the client gets a normal error response; after it, an error event.
      if (!res.headersSent || err.code === 'PARAPET_POLICY_BLOCKED') throw err;
      return interrupted(ctx, a, writeOut, sent, channels, err.code, err.message);
    }
    // The upstream failed mid-stream.
    return interrupted(ctx, a, writeOut, sent, channels);
  } finally {
    if (stopped) a.abort.abort();
  }
  if (stopped) {
    res.end();
    recordOutput(draft, channels, findings);
    return;
  }
  if (!ended && !finished) return interrupted(ctx, a, writeOut, sent, channels);
  // End of stream: final windows, then everything still held back.
  const fin = streamInspector.finish(inspector);
  inspector = fin.state;
  const block = await inspect(fin.windows);
  if (block !== null) {
    await stopWith(block);
    res.end();
    recordOutput(draft, channels, findings);
    return;
  }
  const rest = streamInspector.release(inspector);
  inspector = rest.state;
  const tail: Payload[] = [...rest.emit];
  if (!ended && !(a.source.kind === 'upstream' && a.source.passthrough))
    tail.push({ neutral: { type: 'end' } });
  if (tail.length > 0) await emit(tail);
  if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
  res.end();
  if (draft.outputDecision === null) draft.outputDecision = decideOutput([]);
  recordOutput(draft, channels, findings);
}

async function interrupted(
  _ctx: GatewayContext,
  a: StreamArgs,
  writeOut: (text: string) => Promise<void>,
  sent: number,
  channels: Map<string, { index: number; text: string; source: Segment['source'] }>,
  code: ErrorCode = 'PARAPET_UPSTREAM_STREAM_INTERRUPTED',
  message = 'the upstream closed the stream before it finished',
): Promise<void> {
  if (!a.res.headersSent) {
    throw new ParapetError(code, message);
  }
  a.draft.fail('upstream_error', 200, code);
  try {
    await writeOut(encodeSseEvent(streamErrorEvent(a.clientFormat, code, message, sent)));
  } catch {
    // The client is gone too.
  }
  a.res.end();
  recordOutput(a.draft, channels, a.draft.outputFindings);
}

function recordOutput(
  draft: EventDraft,
  channels: Map<string, { index: number; text: string; source: Segment['source'] }>,
  findings: Finding[],
): void {
  const segments: Segment[] = [];
  const toolCalls: { index: string; arguments: string }[] = [];
  let text = '';
  for (const [name, c] of channels) {
    segments.push({ index: c.index, source: c.source, path: name, text: c.text });
    if (name === 'text') text = c.text;
    else if (name !== AUX_CHANNEL) toolCalls.push({ index: name, arguments: c.text });
  }
  draft.outputSegments = segments;
  draft.outputFindings = findings;
  draft.responseContent = { streamed: true, text, toolCalls };
}

function channelOf(
  channels: Map<string, { index: number; text: string; source: Segment['source'] }>,
  name: string,
): { index: number; text: string; source: Segment['source'] } {
  let c = channels.get(name);
  if (c === undefined) {
    c = { index: channels.size, text: '', source: channelSource(name) };
    channels.set(name, c);
  }
  return c;
}

function channelSource(channel: string): Segment['source'] {
  return channel === 'text' || channel === AUX_CHANNEL ? 'completion' : 'tool_call';
}

/** A text event for a channel: the answer, or a tool call's arguments (`tool:N`). */
function textEvent(channel: string, text: string): ChatStreamEvent {
  if (channel.startsWith('tool:'))
    return { type: 'tool_call_delta', index: Number(channel.slice(5)), arguments: text };
  return { type: 'text', text };
}

/** Channel for text found in events the format's decoder does not model. */
const AUX_CHANNEL = 'aux';
const TEXT_KEYS = new Set([
  'text',
  'delta',
  'partial_json',
  'thinking',
  'refusal',
  'arguments',
  'content',
  'output',
  'summary',
  'transcript',
]);
const MAX_UNMODELLED_CHARS = 1_000_000;

/**
 * Every string under a text-like key anywhere in an SSE event's JSON data (bounded depth and size),
 * joined by newlines; empty when there is none or the data is not JSON.
 */
export function unmodelledText(data: string): string {
  if (data.length === 0 || (data[0] !== '{' && data[0] !== '[')) return '';
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return '';
  }
  const parts: string[] = [];
  let size = 0;
  const walk = (node: unknown, depth: number, underText: boolean): void => {
    if (size >= MAX_UNMODELLED_CHARS || depth > 8) return;
    if (typeof node === 'string') {
      if (underText && node.length > 0) {
        parts.push(node);
        size += node.length;
      }
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) walk(item, depth + 1, underText);
      return;
    }
    if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) walk(child, depth + 1, TEXT_KEYS.has(key));
    }
  };
  walk(value, 0, false);
  return parts.join('\n').slice(0, MAX_UNMODELLED_CHARS);
}

/**
 * The error to end the stream with when the upstream sent an error event (STREAM_INTERRUPTED) or an
 * event that is not JSON (BAD_RESPONSE); null when the events are fine. The upstream's own message is not
 * passed on: it may quote the request.
 */
function upstreamStreamFailure(events: readonly ChatStreamEvent[]): ParapetError | null {
  const error = events.find((e) => e.type === 'error');
  if (error === undefined) return null;
  if (error.code === 'PARAPET_UPSTREAM_BAD_RESPONSE') {
    return new ParapetError(
      'PARAPET_UPSTREAM_BAD_RESPONSE',
      'the upstream sent a stream event that is not JSON',
    );
  }
  return new ParapetError(
    'PARAPET_UPSTREAM_STREAM_INTERRUPTED',
    'the upstream reported an error in the middle of the stream; try again',
  );
}

function isUsageOnly(events: readonly ChatStreamEvent[]): boolean {
  return events.length > 0 && events.every((e) => e.type === 'usage');
}

/** A well-formed error event in the client's stream format. */
export function streamErrorEvent(
  format: WireFormat,
  code: ErrorCode,
  message: string,
  sequence: number,
): SseEvent {
  const type = ERROR_CODES[code].type;
  const body = format.errorBody(code, message, type);
  switch (format.name) {
    case 'anthropic-messages':
      return { event: 'error', data: JSON.stringify(body) };
    case 'openai-responses':
      return {
        event: 'error',
        data: JSON.stringify({ type: 'error', code, message, param: null, sequence_number: sequence }),
      };
    default:
      return { data: JSON.stringify(body) };
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
