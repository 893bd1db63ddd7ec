import { randomFillSync } from 'node:crypto';

/** An attribute value, as OTLP can carry it. */
export type AttributeValue =
  | string
  | number
  | boolean
  | readonly string[]
  | readonly number[]
  | readonly boolean[];

/** Span attributes; `null` and `undefined` values are skipped. */
export type Attributes = Readonly<Record<string, AttributeValue | null | undefined>>;

/** The identity of a span, local or remote (from a `traceparent` header). */
export interface SpanContext {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  /** The W3C `sampled` flag. */
  readonly sampled: boolean;
}

/** `server` for the gateway's handling of a request, `client` for its call to an upstream. */
export type SpanKind = 'internal' | 'server' | 'client';

/** One timed operation. Every method is safe to call on a no-op or non-recording span. */
export interface Span extends SpanContext {
  /** The parent's span id, or null for a root span. */
  readonly parentSpanId: string | null;
  /** False for the no-op span (tracing off) and for spans whose parent was not sampled. */
  readonly recording: boolean;
  setAttribute(key: string, value: AttributeValue | null | undefined): void;
  setAttributes(attributes: Attributes): void;
  updateName(name: string): void;
  /**
   * Marks the span failed (OTLP status code 2) and sets `error.type` to the error's `code` or `name`.
   * The message goes into the status only when given here; error messages are never copied.
   */
  recordError(error: unknown, message?: string): void;
  /** Ends the span and queues it for export; later calls do nothing. */
  end(endTimeMs?: number): void;
}

/** Options of {@link Tracer.startSpan}. */
export interface StartSpanOptions {
  kind?: SpanKind;
  /** A local span or a remote context (see {@link parseTraceparent}); null or absent starts a trace. */
  parent?: SpanContext | null;
  attributes?: Attributes;
  /** Epoch milliseconds; default `now()`. */
  startTimeMs?: number;
}

/** Export counters. */
export interface TracerStats {
  /** Spans accepted by the collector. */
  exported: number;
  /** Spans dropped: queue overflow or a failed export. */
  dropped: number;
  /** Export requests that failed (network error, timeout or non-2xx answer). */
  failedExports: number;
}

/** Creates spans and exports them over OTLP/HTTP JSON. */
export interface Tracer {
  /** False when no endpoint is configured: every span is {@link NOOP_SPAN}. */
  readonly enabled: boolean;
  startSpan(name: string, options?: StartSpanOptions): Span;
  /** Exports the queued spans now. Never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and exports everything queued. Never rejects. */
  shutdown(): Promise<void>;
  stats(): TracerStats;
}

/** A fetch-compatible function (for tests, or undici with a custom dispatcher). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; body?: unknown; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Options of {@link createTracer}. */
export interface CreateTracerOptions {
  /**
   * OTLP/HTTP base endpoint (`http://collector:4318`) or the full `…/v1/traces` URL; null or empty turns
   * tracing off. Throws at creation when it is not an http(s) URL.
   */
  endpoint: string | null;
  /** Extra request headers (for example an authorization header for a hosted collector). */
  headers?: Readonly<Record<string, string>>;
  /** The `service.name` resource attribute. */
  serviceName: string;
  /** More resource attributes (`service.version`, `deployment.environment.name`, …). */
  resource?: Attributes;
  fetch?: FetchLike;
  /** Fills `bytes` with random bytes (ids); default `crypto.randomFillSync`. */
  random?: (bytes: Uint8Array) => void;
  /** Clock in epoch milliseconds with a fraction; default `performance.timeOrigin + performance.now()`. */
  now?: () => number;
  /** Spans per export request and the queue size that triggers an export (default 512). */
  maxBatchSize?: number;
  /** Spans kept while waiting; the oldest are dropped beyond it (default 2048). */
  maxQueueSize?: number;
  /** Longest wait before queued spans are exported (default 1000 ms). */
  flushIntervalMs?: number;
  /** Timeout of one export request (default 10 000 ms). */
  exportTimeoutMs?: number;
}

const KIND_CODES: Record<SpanKind, number> = { internal: 1, server: 2, client: 3 };
const STATUS_ERROR = 2;
const MAX_ATTRIBUTES = 128;
const MAX_STRING_VALUE = 4096;
const INVALID_TRACE_ID = '00000000000000000000000000000000';
const INVALID_SPAN_ID = '0000000000000000';

/**
 * Attribute keys that would carry prompt or completion content; spans never get them, whoever sets them.
 */
const CONTENT_ATTRIBUTE_KEYS = new Set([
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'http.request.body',
  'http.response.body',
]);

function isContentKey(key: string): boolean {
  return (
    CONTENT_ATTRIBUTE_KEYS.has(key) ||
    key.startsWith('gen_ai.prompt.') ||
    key.startsWith('gen_ai.completion.') ||
    key.endsWith('.content')
  );
}

/** Keys whose numbers are doubles even when they happen to be whole (a temperature of 1). */
const DOUBLE_ATTRIBUTE_KEYS = new Set([
  'gen_ai.request.temperature',
  'gen_ai.request.top_p',
  'gen_ai.request.top_k',
  'gen_ai.request.frequency_penalty',
  'gen_ai.request.presence_penalty',
]);

/** The span every call gets when tracing is off: shared, frozen, all methods no-ops. */
export const NOOP_SPAN: Span = Object.freeze({
  traceId: INVALID_TRACE_ID,
  spanId: INVALID_SPAN_ID,
  parentSpanId: null,
  sampled: false,
  recording: false,
  setAttribute() {},
  setAttributes() {},
  updateName() {},
  recordError() {},
  end() {},
});

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[^\s]*)?$/;

/**
 * Parses a W3C `traceparent` header. Null when absent or invalid (bad format, version `ff`, all-zero
 * ids, or extra fields on version 00), in which case the gateway starts a new trace.
 */
export function parseTraceparent(header: string | null | undefined): SpanContext | null {
  if (typeof header !== 'string' || header.length > 512) return null;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return null;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return null;
  return { traceId: traceId!, spanId: spanId!, sampled: (Number.parseInt(flags!, 16) & 1) === 1 };
}

/** The `traceparent` header value for a span (to send upstream), or null for the no-op span. */
export function formatTraceparent(span: SpanContext): string | null {
  if (span.traceId === INVALID_TRACE_ID || span.spanId === INVALID_SPAN_ID) return null;
  return `00-${span.traceId}-${span.spanId}-${span.sampled ? '01' : '00'}`;
}

/** An OTLP JSON `AnyValue`. */
export type OtlpValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: OtlpValue[] } };

/** An OTLP JSON `KeyValue`. */
export interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

function scalarValue(value: string | number | boolean, double: boolean): OtlpValue {
  if (typeof value === 'string') {
    return { stringValue: value.length > MAX_STRING_VALUE ? value.slice(0, MAX_STRING_VALUE) : value };
  }
  if (typeof value === 'boolean') return { boolValue: value };
  if (!double && Number.isSafeInteger(value)) return { intValue: String(value) };
  return { doubleValue: value };
}

/** Converts one attribute to OTLP JSON (int64 values as decimal strings, per the protobuf JSON mapping). */
export function toOtlpAttribute(key: string, value: AttributeValue): OtlpAttribute {
  const double = DOUBLE_ATTRIBUTE_KEYS.has(key);
  if (Array.isArray(value)) {
    return {
      key,
      value: {
        arrayValue: { values: (value as (string | number | boolean)[]).map((v) => scalarValue(v, double)) },
      },
    };
  }
  return { key, value: scalarValue(value as string | number | boolean, double) };
}

function toOtlpAttributes(attributes: Attributes | Map<string, AttributeValue>): OtlpAttribute[] {
  const out: OtlpAttribute[] = [];
  const entries = attributes instanceof Map ? attributes.entries() : Object.entries(attributes);
  for (const [key, value] of entries) {
    if (value !== null && value !== undefined) out.push(toOtlpAttribute(key, value));
  }
  return out;
}

/** Epoch milliseconds (with a fraction) as a decimal string of nanoseconds. */
function toUnixNano(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0';
  const whole = Math.floor(ms);
  const fraction = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(fraction)).toString();
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code: number; message?: string };
}

/** The URL spans are POSTed to. */
export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/**
 * Creates a tracer. With `endpoint: null` it is off: `startSpan` returns {@link NOOP_SPAN} and nothing is
 * allocated or scheduled. Otherwise ended spans are queued and POSTed as OTLP/HTTP JSON in batches (when
 * `maxBatchSize` are queued, or `flushIntervalMs` after the first one, on an unref'd timer). Sampling
 * follows the parent: a caller's unsampled `traceparent` gives non-recording spans (ids still
 * propagate); everything else is recorded. Export failures are counted in `stats()`, never thrown.
 */
export function createTracer(options: CreateTracerOptions): Tracer {
  if (options.endpoint === null || options.endpoint.trim() === '') {
    return {
      enabled: false,
      startSpan: () => NOOP_SPAN,
      flush: async () => {},
      shutdown: async () => {},
      stats: () => ({ exported: 0, dropped: 0, failedExports: 0 }),
    };
  }
  const url = tracesUrl(options.endpoint.trim());
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new Error(
      `invalid OTLP endpoint \`${options.endpoint}\`; use an http(s) URL such as http://localhost:4318`,
    );
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const doFetch: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const random = options.random ?? ((bytes: Uint8Array) => void randomFillSync(bytes));
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  const maxBatchSize = options.maxBatchSize ?? 512;
  const maxQueueSize = Math.max(options.maxQueueSize ?? 2048, maxBatchSize);
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const exportTimeoutMs = options.exportTimeoutMs ?? 10_000;
  const resource = {
    attributes: toOtlpAttributes({
      'service.name': options.serviceName,
      'telemetry.sdk.name': 'parapet',
      'telemetry.sdk.language': 'nodejs',
      ...options.resource,
    }),
  };
  const scope = { name: '@parapet/server' };

  let queue: OtlpSpan[] = [];
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const stats: TracerStats = { exported: 0, dropped: 0, failedExports: 0 };

  const idBytes16 = new Uint8Array(16);
  const idBytes8 = new Uint8Array(8);
  const newId = (bytes: Uint8Array): string => {
    for (;;) {
      random(bytes);
      const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
      if (!/^0+$/.test(hex)) return hex;
    }
  };

  const schedule = () => {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, flushIntervalMs);
    timer.unref();
  };

  const enqueue = (span: OtlpSpan) => {
    if (closed) {
      stats.dropped++;
      return;
    }
    queue.push(span);
    if (queue.length > maxQueueSize) {
      const excess = queue.length - maxQueueSize;
      queue.splice(0, excess);
      stats.dropped += excess;
    }
    if (queue.length >= maxBatchSize && !draining) void flush();
    else schedule();
  };

  const exportBatch = async (batch: OtlpSpan[]): Promise<void> => {
    const body = JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope, spans: batch }] }] });
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(exportTimeoutMs),
      });
      // Read the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) stats.exported += batch.length;
      else {
        stats.failedExports++;
        stats.dropped += batch.length;
      }
    } catch {
      stats.failedExports++;
      stats.dropped += batch.length;
    }
  };

  // Exports run one after another: each flush() resolves once everything queued before it was sent.
  let chain: Promise<void> = Promise.resolve();
  let draining = false;
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      const batch = queue.length <= maxBatchSize ? queue : queue.slice(0, maxBatchSize);
      queue = queue.length <= maxBatchSize ? [] : queue.slice(maxBatchSize);
      await exportBatch(batch);
    }
    draining = false;
  };
  const flush = (): Promise<void> => {
    draining = true;
    chain = chain.then(drain);
    return chain;
  };

  class RecordingSpan implements Span {
    readonly traceId: string;
    readonly spanId: string;
    readonly parentSpanId: string | null;
    readonly sampled = true;
    readonly recording = true;
    private name: string;
    private readonly kind: number;
    private readonly start: number;
    private readonly attributes = new Map<string, AttributeValue>();
    private status: { code: number; message?: string } = { code: 0 };
    private ended = false;

    constructor(name: string, spanOptions: StartSpanOptions | undefined) {
      const parent = spanOptions?.parent ?? null;
      this.traceId = parent?.traceId ?? newId(idBytes16);
      this.spanId = newId(idBytes8);
      this.parentSpanId = parent?.spanId ?? null;
      this.name = name;
      this.kind = KIND_CODES[spanOptions?.kind ?? 'internal'];
      this.start = spanOptions?.startTimeMs ?? now();
      if (spanOptions?.attributes !== undefined) this.setAttributes(spanOptions.attributes);
    }

    setAttribute(key: string, value: AttributeValue | null | undefined): void {
      if (this.ended || value === null || value === undefined || isContentKey(key)) return;
      if (this.attributes.size >= MAX_ATTRIBUTES && !this.attributes.has(key)) return;
      this.attributes.set(key, value);
    }

    setAttributes(attributes: Attributes): void {
      for (const key in attributes) this.setAttribute(key, attributes[key]);
    }

    updateName(name: string): void {
      if (!this.ended) this.name = name;
    }

    recordError(error: unknown, message?: string): void {
      if (this.ended) return;
      this.status = message === undefined ? { code: STATUS_ERROR } : { code: STATUS_ERROR, message };
      const code = (error as { code?: unknown } | null)?.code;
      const type =
        typeof code === 'string' && code !== ''
          ? code
          : error instanceof Error
            ? error.name
            : typeof error === 'string'
              ? error
              : '_OTHER';
      this.setAttribute('error.type', type);
    }

    end(endTimeMs?: number): void {
      if (this.ended) return;
      this.ended = true;
      const span: OtlpSpan = {
        traceId: this.traceId,
        spanId: this.spanId,
        name: this.name,
        kind: this.kind,
        startTimeUnixNano: toUnixNano(this.start),
        endTimeUnixNano: toUnixNano(Math.max(endTimeMs ?? now(), this.start)),
        attributes: toOtlpAttributes(this.attributes),
        status: this.status,
      };
      if (this.parentSpanId !== null) span.parentSpanId = this.parentSpanId;
      enqueue(span);
    }
  }

  /** Carries ids for propagation under an unsampled parent; records nothing. */
  const nonRecording = (parent: SpanContext): Span =>
    Object.freeze({
      traceId: parent.traceId,
      spanId: newId(idBytes8),
      parentSpanId: parent.spanId,
      sampled: false,
      recording: false,
      setAttribute() {},
      setAttributes() {},
      updateName() {},
      recordError() {},
      end() {},
    });

  return {
    enabled: true,
    startSpan(name, spanOptions) {
      const parent = spanOptions?.parent;
      if (parent != null && !parent.sampled) return nonRecording(parent);
      return new RecordingSpan(name, spanOptions);
    },
    flush,
    async shutdown() {
      closed = true;
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      await flush();
    },
    stats: () => ({ ...stats }),
  };
}

/** The GenAI operations the gateway performs. */
export type GenAiOperation = 'chat' | 'embeddings';

/** What {@link genAiAttributes} reads; absent or null fields are left out. */
export interface GenAiAttributesInput {
  operation: GenAiOperation;
  /** Parapet's provider name; common aliases map to the semantic-convention values (`bedrock` → `aws.bedrock`). */
  provider?: string | null;
  requestModel?: string | null;
  responseModel?: string | null;
  responseId?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  maxTokens?: number | null;
  temperature?: number | null;
  topP?: number | null;
  finishReasons?: readonly string[] | null;
  serverAddress?: string | null;
  serverPort?: number | null;
  /** A Parapet error code, or the error class name; set only when the operation failed. */
  errorType?: string | null;
}

/** Parapet provider names that differ from the `gen_ai.provider.name` well-known values. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  azure_openai: 'azure.ai.openai',
  bedrock: 'aws.bedrock',
  'aws-bedrock': 'aws.bedrock',
  gemini: 'gcp.gemini',
  google: 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  'vertex-ai': 'gcp.vertex_ai',
  mistral: 'mistral_ai',
  xai: 'x_ai',
  watsonx: 'ibm.watsonx.ai',
};

/**
 * The OpenTelemetry GenAI semantic-convention attributes of a model call (spec status: development):
 * `gen_ai.operation.name`, `gen_ai.provider.name` (and the deprecated `gen_ai.system` with the same
 * value, for older backends), request/response model, response id, token usage, request parameters,
 * finish reasons, `server.address`/`server.port` and `error.type`. Never content.
 */
export function genAiAttributes(input: GenAiAttributesInput): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = { 'gen_ai.operation.name': input.operation };
  if (input.provider != null && input.provider !== '') {
    const provider = PROVIDER_NAMES[input.provider.toLowerCase()] ?? input.provider;
    out['gen_ai.provider.name'] = provider;
    out['gen_ai.system'] = provider;
  }
  const set = (key: string, value: AttributeValue | null | undefined) => {
    if (value !== null && value !== undefined && value !== '') out[key] = value;
  };
  const setNumber = (key: string, value: number | null | undefined) => {
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  };
  set('gen_ai.request.model', input.requestModel);
  set('gen_ai.response.model', input.responseModel);
  set('gen_ai.response.id', input.responseId);
  setNumber('gen_ai.usage.input_tokens', input.inputTokens);
  setNumber('gen_ai.usage.output_tokens', input.outputTokens);
  setNumber('gen_ai.request.max_tokens', input.maxTokens);
  setNumber('gen_ai.request.temperature', input.temperature);
  setNumber('gen_ai.request.top_p', input.topP);
  if (input.finishReasons != null && input.finishReasons.length > 0) {
    out['gen_ai.response.finish_reasons'] = [...input.finishReasons];
  }
  set('server.address', input.serverAddress);
  setNumber('server.port', input.serverPort);
  set('error.type', input.errorType);
  return out;
}

/** The span name the conventions ask for: `{operation} {model}`, or the operation alone without a model. */
export function genAiSpanName(operation: GenAiOperation, model: string | null | undefined): string {
  return model == null || model === '' ? operation : `${operation} ${model}`;
}
