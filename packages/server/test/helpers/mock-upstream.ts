/**
 * A mock model provider for tests: a real `node:http` server on 127.0.0.1 (port 0) speaking the real
 * OpenAI and Anthropic wire formats, with scriptable faults.
 *
 * ```ts
 * const mock = await startMockUpstream({ openaiKey: 'sk-test', anthropicKey: 'ak-test' });
 * // OpenAI base URL: `${mock.url}/v1`; Anthropic base URL: mock.url (the SDK appends /v1/messages)
 * mock.script({ kind: 'status', status: 503, times: 2 });          // the next 2 requests answer 503
 * mock.script({ kind: 'cut', afterChunks: 3, match: 'cut me' });   // any request whose prompt has `cut me`
 * ...
 * assert.equal(mock.requests.length, 3);
 * assert.equal(mock.requests[0]?.body?.model, 'gpt-4o-mini');
 * await mock.close();
 * ```
 *
 * Routes (anything else answers 404 in the OpenAI error shape):
 * - `POST /v1/chat/completions`: OpenAI Chat Completions, `stream: true` gives SSE `chat.completion.chunk`s
 *   then `data: [DONE]`; `stream_options.include_usage` adds `usage: null` to every chunk and a last
 *   chunk with `choices: []` and the usage. With `tools` and a last user message containing `call_tool`,
 *   the answer is a call of the first tool with arguments `{"query": <last user text>}`
 *   (`finish_reason: "tool_calls"`, arguments streamed in pieces).
 * - `POST /v1/responses`: OpenAI Responses, non-streamed or the full event sequence (`response.created`,
 *   `response.in_progress`, `response.output_item.added`, `response.content_part.added`,
 *   `response.output_text.delta`…, `response.output_text.done`, `response.content_part.done`,
 *   `response.output_item.done`, `response.completed`); function tools + `call_tool` give a
 *   `function_call` item with `response.function_call_arguments.delta/done`.
 * - `POST /v1/embeddings`: deterministic unit vectors (`dimensions`, default `embeddingDimensions`),
 *   `encoding_format: "base64"` honoured (the OpenAI SDK asks for it by default).
 * - `GET /v1/models`: the `models` option as an OpenAI model list.
 * - `POST /v1/messages`: Anthropic Messages, non-streamed or `message_start`, `content_block_start`,
 *   `ping`, `content_block_delta`…, `content_block_stop`, `message_delta`, `message_stop`. With `tools`
 *   and `call_tool` in the last user text: a text block then a `tool_use` block whose input is streamed
 *   as `input_json_delta`s (`stop_reason: "tool_use"`).
 *
 * The answer text is always `Mock reply to: <last user text>`, except that a last user text containing
 * `repeat everything above` gets every text of the request, system prompt included (a system-prompt leak). Usage counts are deterministic
 * (prompt tokens ≈ characters / 4, completion tokens = streamed pieces).
 *
 * Auth: with `openaiKey`, OpenAI routes need `Authorization: Bearer <openaiKey>`; with `anthropicKey`,
 * `/v1/messages` needs `x-api-key: <anthropicKey>` (or `Authorization: Bearer`) and an
 * `anthropic-version` header. Failures answer 401 (400 for a missing version) in the route's own error
 * shape. Without keys nothing is checked.
 *
 * Faults (`script()`): each request takes the first queued fault whose selector matches (by count,
 * prompt substring, path). A `status` fault wins over the key checks; the other faults change how the
 * normal (or key-refusal) answer is delivered. `requests[i].aborted` tells whether the client hung up
 * before the answer ended, and `connectionCount()` counts TCP connections (keep-alive reuse).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Options of `startMockUpstream`. */
export interface MockUpstreamOptions {
  /** When set, OpenAI routes require `Authorization: Bearer <openaiKey>`. */
  openaiKey?: string;
  /** When set, `/v1/messages` requires `x-api-key: <anthropicKey>` and an `anthropic-version` header. */
  anthropicKey?: string;
  /** Ids listed by `GET /v1/models`; default `['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']`. */
  models?: string[];
  /** Embedding size when the request gives no `dimensions`; default 8. */
  embeddingDimensions?: number;
}

/** One request the mock received (recorded once its body was read, before answering). */
export interface RecordedRequest {
  method: string;
  /** Path with its query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when empty; the raw text when it is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of the recorded JSON body
  body: any;
  /** 1-based number of the TCP connection it arrived on: equal numbers mean a reused keep-alive socket. */
  connection: number;
  /** True once the client closed the connection before the mock finished its answer. */
  aborted: boolean;
  /** The scripted fault applied to it, or null. */
  fault: MockFault | null;
}

/** Which requests a fault applies to. All given conditions must hold. */
export interface MockFaultSelector {
  /** How many matching requests it applies to; default 1; `Infinity` for all. */
  times?: number;
  /** Only requests whose prompt text (every message/input text, system included) contains this. */
  match?: string;
  /** Only requests to this path, e.g. `/v1/messages`. */
  path?: string;
}

/** What a fault does to the answer. */
export type MockFaultAction =
  /** Answer `status` with an error body in the route's format (or `body`), plus retry headers if given. */
  | {
      kind: 'status';
      status: number;
      /** Sent as `retry-after` (seconds, or an HTTP date string). */
      retryAfter?: number | string;
      /** Sent as `retry-after-ms`. */
      retryAfterMs?: number;
      /** Replaces the error body (objects are sent as JSON). */
      body?: unknown;
      headers?: Record<string, string>;
    }
  /** Wait `ms` before sending headers, then answer normally. */
  | { kind: 'delay'; ms: number }
  /** Reset the TCP connection before sending headers. */
  | { kind: 'reset' }
  /** Send headers and `afterChunks` SSE events (half the body for non-streams), then destroy the socket. */
  | { kind: 'cut'; afterChunks: number }
  /** Send headers and `afterChunks` SSE events (default 0; half the body for non-streams), then nothing, forever. */
  | { kind: 'stall'; afterChunks?: number }
  /** Answer 200 with a body that is not valid JSON (for streams: an SSE event whose data is not JSON). */
  | { kind: 'invalid-json' }
  /** Send the normal answer in pieces of `chunkBytes` (default 3) with `delayMs` (default 2) between them. */
  | { kind: 'trickle'; chunkBytes?: number; delayMs?: number };

/** A scripted fault: a selector and an action, e.g. `{ kind: 'status', status: 429, retryAfter: 1, times: 2 }`. */
export type MockFault = MockFaultSelector & MockFaultAction;

/** A running mock upstream. */
export interface MockUpstream {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Every request received, oldest first; tests may clear it with `requests.length = 0`. */
  requests: RecordedRequest[];
  /** Queues faults; each request takes the first queued fault that matches it (in scripting order). */
  script(...faults: MockFault[]): void;
  /** Drops every queued fault. */
  clearScript(): void;
  /** TCP connections accepted so far. */
  connectionCount(): number;
  /** TCP connections open right now. */
  openConnectionCount(): number;
  /** Resolves once `predicate()` holds (checked every few ms); rejects after `timeoutMs` (default 5000). */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Destroys every connection (stalled answers included), clears timers and stops listening. */
  close(): Promise<void>;
}

type Format = 'openai' | 'anthropic';

/** A normal answer, before faults: status, headers, and the body as SSE events or one JSON text. */
interface Plan {
  status: number;
  headers: Record<string, string>;
  /** SSE events (`event: …\ndata: …\n\n`) for streams, or one element holding the JSON body. */
  frames: string[];
  stream: boolean;
  format: Format;
}

type Json = Record<string, unknown>;

const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];

function asRecord(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The text of a message content: a string, or the text parts of a content array. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  for (const part of asArray(content)) {
    const record = asRecord(part);
    const type = asString(record?.['type']);
    const text = asString(record?.['text']);
    if (text !== undefined && (type === 'text' || type === 'input_text' || type === 'output_text'))
      texts.push(text);
  }
  return texts.join('\n');
}

/** Splits text into stream pieces after each space; joining them gives the text back. */
function pieces(text: string): string[] {
  const out = text.split(/(?<= )/);
  return out.length === 0 ? [''] : out;
}

function tokensOf(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function openaiErrorType(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'unknown_url' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function errorPlan(format: Format, status: number, message: string, body?: unknown): Plan {
  let payload: unknown = body;
  if (payload === undefined) {
    if (format === 'anthropic') {
      payload = { type: 'error', error: { type: anthropicErrorType(status), message } };
    } else {
      const { type, code } = openaiErrorType(status);
      payload = { error: { message, type, param: null, code } };
    }
  }
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { status, headers: { 'content-type': 'application/json' }, frames: [text], stream: false, format };
}

function jsonPlan(format: Format, payload: unknown): Plan {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    frames: [JSON.stringify(payload)],
    stream: false,
    format,
  };
}

function ssePlan(format: Format, frames: string[]): Plan {
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
    frames,
    stream: true,
    format,
  };
}

/** A deterministic unit vector for `text`. */
function embeddingOf(text: string, dimensions: number): number[] {
  let seed = 2166136261;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out.push(seed / 4294967296 - 0.5);
  }
  const norm = Math.sqrt(out.reduce((sum, x) => sum + x * x, 0)) || 1;
  return out.map((x) => Math.fround(x / norm));
}

interface Conversation {
  /** Text of the last user message that has text. */
  lastUserText: string;
  /** Every text of the request, for fault matching and usage. */
  promptText: string;
  /** True when the last message is a user message that is not a tool result. */
  endsWithUserTurn: boolean;
  /** Name of the first function tool, if any. */
  firstTool: string | undefined;
}

/** The mock's answer: the last user text, or the whole prompt when asked to leak it. */
function replyText(c: Conversation): string {
  return `Mock reply to: ${c.lastUserText.includes('repeat everything above') ? c.promptText : c.lastUserText}`;
}

function chatConversation(body: Json): Conversation {
  const messages = asArray(body['messages']).map((m) => asRecord(m) ?? {});
  const texts = messages.map((m) => textOf(m['content']));
  let lastUserText = '';
  for (const m of messages) {
    const text = textOf(m['content']);
    if (m['role'] === 'user' && text !== '') lastUserText = text;
  }
  const last = messages[messages.length - 1];
  const tool = asRecord(asRecord(asArray(body['tools'])[0])?.['function']);
  return {
    lastUserText,
    promptText: texts.join('\n'),
    endsWithUserTurn: last?.['role'] === 'user',
    firstTool: asString(tool?.['name']),
  };
}

function responsesConversation(body: Json): Conversation {
  const input = body['input'];
  const instructions = asString(body['instructions']) ?? '';
  if (typeof input === 'string') {
    const tool = asRecord(asArray(body['tools']).find((t) => asRecord(t)?.['type'] === 'function'));
    return {
      lastUserText: input,
      promptText: `${instructions}\n${input}`,
      endsWithUserTurn: true,
      firstTool: asString(tool?.['name']),
    };
  }
  const items = asArray(input).map((m) => asRecord(m) ?? {});
  let lastUserText = '';
  const texts = [instructions];
  for (const item of items) {
    const text = textOf(item['content']);
    texts.push(text);
    if (item['role'] === 'user' && text !== '') lastUserText = text;
  }
  const last = items[items.length - 1];
  const tool = asRecord(asArray(body['tools']).find((t) => asRecord(t)?.['type'] === 'function'));
  return {
    lastUserText,
    promptText: texts.join('\n'),
    endsWithUserTurn: last !== undefined && last['role'] === 'user',
    firstTool: asString(tool?.['name']),
  };
}

function anthropicConversation(body: Json): Conversation {
  const messages = asArray(body['messages']).map((m) => asRecord(m) ?? {});
  const system = body['system'];
  const texts = [typeof system === 'string' ? system : textOf(system)];
  let lastUserText = '';
  for (const m of messages) {
    const text = textOf(m['content']);
    texts.push(text);
    if (m['role'] === 'user' && text !== '') lastUserText = text;
  }
  const last = messages[messages.length - 1];
  const lastIsToolResult = asArray(last?.['content']).some((b) => asRecord(b)?.['type'] === 'tool_result');
  const tool = asRecord(asArray(body['tools'])[0]);
  return {
    lastUserText,
    promptText: texts.join('\n'),
    endsWithUserTurn: last?.['role'] === 'user' && !lastIsToolResult,
    firstTool: asString(tool?.['name']),
  };
}

function wantsToolCall(conversation: Conversation): conversation is Conversation & { firstTool: string } {
  return (
    conversation.firstTool !== undefined &&
    conversation.endsWithUserTurn &&
    conversation.lastUserText.includes('call_tool')
  );
}

function embeddingInputs(body: Json): string[] {
  const input = body['input'];
  if (typeof input === 'string') return [input];
  return asArray(input).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}

/** Starts a mock upstream on 127.0.0.1 with an ephemeral port. See the file comment for routes and faults. */
export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const models = options.models ?? DEFAULT_MODELS;
  const defaultDimensions = options.embeddingDimensions ?? 8;
  const requests: RecordedRequest[] = [];
  const queue: Array<{ fault: MockFault; left: number }> = [];
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let ids = 0;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const nextId = (): string => String(++ids).padStart(6, '0');
  const now = (): number => Math.floor(Date.now() / 1000);

  function takeFault(path: string, promptText: string): MockFault | null {
    for (let i = 0; i < queue.length; i++) {
      const entry = queue[i]!;
      const { fault } = entry;
      if (fault.path !== undefined && fault.path !== path) continue;
      if (fault.match !== undefined && !promptText.includes(fault.match)) continue;
      entry.left -= 1;
      if (entry.left <= 0) queue.splice(i, 1);
      return fault;
    }
    return null;
  }

  function chatPlan(body: Json): Plan {
    const model = asString(body['model']) ?? 'gpt-4o-mini';
    const conversation = chatConversation(body);
    const id = `chatcmpl-mock-${nextId()}`;
    const created = now();
    const reply = replyText(conversation);
    const toolCall = wantsToolCall(conversation);
    const args = JSON.stringify({ query: conversation.lastUserText });
    const callId = `call_mock_${nextId()}`;
    const outputPieces = toolCall ? pieces(args) : pieces(reply);
    const promptTokens = tokensOf(conversation.promptText);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: outputPieces.length,
      total_tokens: promptTokens + outputPieces.length,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    };
    const finishReason = toolCall ? 'tool_calls' : 'stop';

    if (body['stream'] !== true) {
      const message = toolCall
        ? {
            role: 'assistant',
            content: null,
            refusal: null,
            annotations: [],
            tool_calls: [
              { id: callId, type: 'function', function: { name: conversation.firstTool, arguments: args } },
            ],
          }
        : { role: 'assistant', content: reply, refusal: null, annotations: [] };
      return jsonPlan('openai', {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
        usage,
        service_tier: 'default',
        system_fingerprint: 'fp_mock',
      });
    }

    const includeUsage = asRecord(body['stream_options'])?.['include_usage'] === true;
    const chunk = (delta: Json, finish: string | null): string =>
      sseData({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        service_tier: 'default',
        system_fingerprint: 'fp_mock',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(includeUsage ? { usage: null } : {}),
      });
    const frames: string[] = [];
    if (toolCall) {
      frames.push(
        chunk(
          {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [
              {
                index: 0,
                id: callId,
                type: 'function',
                function: { name: conversation.firstTool, arguments: '' },
              },
            ],
          },
          null,
        ),
      );
      for (const piece of outputPieces)
        frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
    } else {
      frames.push(chunk({ role: 'assistant', content: '', refusal: null }, null));
      for (const piece of outputPieces) frames.push(chunk({ content: piece }, null));
    }
    frames.push(chunk({}, finishReason));
    if (includeUsage) {
      frames.push(
        sseData({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          service_tier: 'default',
          system_fingerprint: 'fp_mock',
          choices: [],
          usage,
        }),
      );
    }
    frames.push('data: [DONE]\n\n');
    return ssePlan('openai', frames);
  }

  function responsesPlan(body: Json): Plan {
    const model = asString(body['model']) ?? 'gpt-4o-mini';
    const conversation = responsesConversation(body);
    const id = `resp_mock_${nextId()}`;
    const createdAt = now();
    const toolCall = wantsToolCall(conversation);
    const reply = replyText(conversation);
    const args = JSON.stringify({ query: conversation.lastUserText });
    const outputPieces = toolCall ? pieces(args) : pieces(reply);
    const inputTokens = tokensOf(conversation.promptText);
    const usage = {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputPieces.length,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputPieces.length,
    };
    const itemId = toolCall ? `fc_mock_${nextId()}` : `msg_mock_${nextId()}`;
    const callId = `call_mock_${nextId()}`;
    const part = { type: 'output_text', text: reply, annotations: [], logprobs: [] };
    const doneItem = toolCall
      ? {
          id: itemId,
          type: 'function_call',
          status: 'completed',
          arguments: args,
          call_id: callId,
          name: conversation.firstTool,
        }
      : { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [part] };
    const response = (status: string, output: unknown[], withUsage: boolean): Json => ({
      id,
      object: 'response',
      created_at: createdAt,
      status,
      background: false,
      error: null,
      incomplete_details: null,
      instructions: body['instructions'] ?? null,
      max_output_tokens: body['max_output_tokens'] ?? null,
      model,
      output,
      parallel_tool_calls: true,
      previous_response_id: body['previous_response_id'] ?? null,
      reasoning: { effort: null, summary: null },
      store: body['store'] ?? true,
      temperature: body['temperature'] ?? 1,
      text: { format: { type: 'text' } },
      tool_choice: body['tool_choice'] ?? 'auto',
      tools: asArray(body['tools']),
      top_p: body['top_p'] ?? 1,
      truncation: 'disabled',
      usage: withUsage ? usage : null,
      user: null,
      metadata: asRecord(body['metadata']) ?? {},
    });

    if (body['stream'] !== true) return jsonPlan('openai', response('completed', [doneItem], true));

    let sequence = 0;
    const event = (type: string, data: Json): string =>
      sseEvent(type, { type, sequence_number: sequence++, ...data });
    const frames: string[] = [
      event('response.created', { response: response('in_progress', [], false) }),
      event('response.in_progress', { response: response('in_progress', [], false) }),
    ];
    if (toolCall) {
      const added = { ...doneItem, status: 'in_progress', arguments: '' };
      frames.push(event('response.output_item.added', { output_index: 0, item: added }));
      for (const piece of outputPieces) {
        frames.push(
          event('response.function_call_arguments.delta', { item_id: itemId, output_index: 0, delta: piece }),
        );
      }
      frames.push(
        event('response.function_call_arguments.done', { item_id: itemId, output_index: 0, arguments: args }),
      );
    } else {
      const added = { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] };
      const at = { item_id: itemId, output_index: 0, content_index: 0 };
      frames.push(event('response.output_item.added', { output_index: 0, item: added }));
      frames.push(event('response.content_part.added', { ...at, part: { ...part, text: '' } }));
      for (const piece of outputPieces) {
        frames.push(event('response.output_text.delta', { ...at, delta: piece, logprobs: [] }));
      }
      frames.push(event('response.output_text.done', { ...at, text: reply, logprobs: [] }));
      frames.push(event('response.content_part.done', { ...at, part }));
    }
    frames.push(event('response.output_item.done', { output_index: 0, item: doneItem }));
    frames.push(event('response.completed', { response: response('completed', [doneItem], true) }));
    return ssePlan('openai', frames);
  }

  function embeddingsPlan(body: Json): Plan {
    const inputs = embeddingInputs(body);
    const requested = body['dimensions'];
    const dimensions =
      typeof requested === 'number' && Number.isInteger(requested) && requested > 0
        ? requested
        : defaultDimensions;
    const base64 = body['encoding_format'] === 'base64';
    const data = inputs.map((text, index) => {
      const vector = embeddingOf(text, dimensions);
      const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((sum, text) => sum + tokensOf(text), 0);
    return jsonPlan('openai', {
      object: 'list',
      data,
      model: asString(body['model']) ?? 'text-embedding-3-small',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  function modelsPlan(): Plan {
    return jsonPlan('openai', {
      object: 'list',
      data: models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'mock' })),
    });
  }

  function messagesPlan(body: Json): Plan {
    const model = asString(body['model']) ?? 'claude-mock';
    const conversation = anthropicConversation(body);
    const id = `msg_mock_${nextId()}`;
    const reply = replyText(conversation);
    const toolCall = wantsToolCall(conversation);
    const toolId = `toolu_mock_${nextId()}`;
    const input = { query: conversation.lastUserText };
    const args = JSON.stringify(input);
    const textPieces = pieces(reply);
    const argPieces = toolCall ? pieces(args) : [];
    const inputTokens = tokensOf(conversation.promptText);
    const outputTokens = textPieces.length + argPieces.length;
    const stopReason = toolCall ? 'tool_use' : 'end_turn';
    const baseUsage = {
      input_tokens: inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };

    if (body['stream'] !== true) {
      const content: unknown[] = [{ type: 'text', text: reply }];
      if (toolCall) content.push({ type: 'tool_use', id: toolId, name: conversation.firstTool, input });
      return jsonPlan('anthropic', {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { ...baseUsage, output_tokens: outputTokens },
      });
    }

    const frames: string[] = [
      sseEvent('message_start', {
        type: 'message_start',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...baseUsage, output_tokens: 1 },
        },
      }),
      sseEvent('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      }),
      sseEvent('ping', { type: 'ping' }),
    ];
    for (const piece of textPieces) {
      frames.push(
        sseEvent('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: piece },
        }),
      );
    }
    frames.push(sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }));
    if (toolCall) {
      frames.push(
        sseEvent('content_block_start', {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: toolId, name: conversation.firstTool, input: {} },
        }),
      );
      for (const piece of argPieces) {
        frames.push(
          sseEvent('content_block_delta', {
            type: 'content_block_delta',
            index: 1,
            delta: { type: 'input_json_delta', partial_json: piece },
          }),
        );
      }
      frames.push(sseEvent('content_block_stop', { type: 'content_block_stop', index: 1 }));
    }
    frames.push(
      sseEvent('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: outputTokens },
      }),
    );
    frames.push(sseEvent('message_stop', { type: 'message_stop' }));
    return ssePlan('anthropic', frames);
  }

  /** Checks keys; returns an error plan when the request may not pass. */
  function authPlan(format: Format, headers: Record<string, string>): Plan | null {
    const bearer = headers['authorization']?.startsWith('Bearer ')
      ? headers['authorization'].slice(7)
      : undefined;
    if (format === 'openai') {
      if (options.openaiKey === undefined || bearer === options.openaiKey) return null;
      const message =
        bearer === undefined ? 'You did not provide an API key.' : 'Incorrect API key provided.';
      return errorPlan('openai', 401, message);
    }
    if (options.anthropicKey === undefined) return null;
    if (headers['x-api-key'] !== options.anthropicKey && bearer !== options.anthropicKey) {
      return errorPlan('anthropic', 401, 'invalid x-api-key');
    }
    if (headers['anthropic-version'] === undefined) {
      return errorPlan('anthropic', 400, 'anthropic-version: header is required');
    }
    return null;
  }

  function route(
    method: string,
    path: string,
    body: unknown,
  ): { format: Format; plan: Plan; prompt: string } {
    const bare = path.split('?')[0] ?? path;
    const format: Format = bare === '/v1/messages' ? 'anthropic' : 'openai';
    if (bare === '/v1/models' && method === 'GET') return { format, plan: modelsPlan(), prompt: '' };
    const known = ['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/messages'];
    if (!known.includes(bare) || method !== 'POST') {
      return { format, plan: errorPlan(format, 404, `Unknown request URL: ${method} ${bare}.`), prompt: '' };
    }
    const json = asRecord(body);
    if (json === undefined) {
      return { format, plan: errorPlan(format, 400, 'The request body is not a JSON object.'), prompt: '' };
    }
    if (bare === '/v1/chat/completions') {
      return { format, plan: chatPlan(json), prompt: chatConversation(json).promptText };
    }
    if (bare === '/v1/responses') {
      return { format, plan: responsesPlan(json), prompt: responsesConversation(json).promptText };
    }
    if (bare === '/v1/embeddings')
      return { format, plan: embeddingsPlan(json), prompt: embeddingInputs(json).join('\n') };
    return { format, plan: messagesPlan(json), prompt: anthropicConversation(json).promptText };
  }

  function invalidJson(plan: Plan): Plan {
    if (!plan.stream) return { ...plan, status: 200, frames: ['{"id": "broken", "choices": [{"index": 0,'] };
    const broken =
      plan.format === 'anthropic'
        ? 'event: message_start\ndata: {"type": broken\n\n'
        : 'data: {"id": broken\n\n';
    return { ...plan, frames: [broken, ...plan.frames.slice(1)] };
  }

  async function write(res: ServerResponse, data: string): Promise<void> {
    if (res.destroyed) return;
    await new Promise<void>((resolve) => res.write(data, () => resolve()));
  }

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    plan: Plan,
  ): Promise<void> {
    const fault = record.fault;
    if (fault?.kind === 'delay') await wait(fault.ms);
    if (res.destroyed) return;
    if (fault?.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    const requestId = `req_mock_${nextId()}`;
    const idHeader = plan.format === 'anthropic' ? 'request-id' : 'x-request-id';
    const body = plan.stream ? undefined : (plan.frames[0] ?? '');
    const headers: Record<string, string | number> = { ...plan.headers, [idHeader]: requestId };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    res.writeHead(plan.status, headers);

    if (fault?.kind === 'cut' || fault?.kind === 'stall') {
      const keep = fault.afterChunks ?? 0;
      if (body !== undefined) {
        const bytes = Buffer.from(body);
        await new Promise<void>((resolve) =>
          res.write(bytes.subarray(0, bytes.length >> 1), () => resolve()),
        );
      } else {
        res.flushHeaders();
        for (const frame of plan.frames.slice(0, keep)) await write(res, frame);
      }
      if (fault.kind === 'cut') req.socket.destroy();
      return; // a stall never ends; close() destroys the socket
    }
    if (fault?.kind === 'trickle') {
      const all = Buffer.from(plan.frames.join(''));
      const size = Math.max(1, fault.chunkBytes ?? 3);
      for (let at = 0; at < all.length && !res.destroyed; at += size) {
        await new Promise<void>((resolve) => res.write(all.subarray(at, at + size), () => resolve()));
        await wait(fault.delayMs ?? 2);
      }
      if (!res.destroyed) res.end();
      return;
    }
    if (body !== undefined) {
      res.end(body);
      return;
    }
    for (const frame of plan.frames) await write(res, frame);
    if (!res.destroyed) res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    const raw = Buffer.concat(parts).toString('utf8');
    let body: unknown;
    let malformed = false;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        malformed = true;
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record: RecordedRequest = {
      method,
      path,
      headers,
      body,
      connection: socketIds.get(req.socket) ?? 0,
      aborted: false,
      fault: null,
    };
    requests.push(record);
    let finished = false;
    res.on('finish', () => {
      finished = true;
    });
    res.on('close', () => {
      if (!finished && record.fault?.kind !== 'cut' && record.fault?.kind !== 'reset') record.aborted = true;
    });

    const routed = malformed
      ? {
          format: (path.startsWith('/v1/messages') ? 'anthropic' : 'openai') as Format,
          plan: undefined,
          prompt: raw,
        }
      : route(method, path, body);
    const fault = takeFault(path.split('?')[0] ?? path, routed.prompt);
    record.fault = fault;
    let plan =
      routed.plan ?? errorPlan(routed.format, 400, 'We could not parse the JSON body of your request.');
    const denied = authPlan(routed.format, headers);
    if (fault?.kind === 'status') {
      plan = errorPlan(routed.format, fault.status, `Mock fault: status ${fault.status}.`, fault.body);
      if (fault.retryAfter !== undefined) plan.headers['retry-after'] = String(fault.retryAfter);
      if (fault.retryAfterMs !== undefined) plan.headers['retry-after-ms'] = String(fault.retryAfterMs);
      Object.assign(plan.headers, fault.headers ?? {});
    } else if (denied !== null) {
      plan = denied;
    } else if (fault?.kind === 'invalid-json') {
      plan = invalidJson(plan);
    }
    await answer(req, res, record, plan);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    socketIds.set(socket, connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(...faults: MockFault[]): void {
      for (const fault of faults) queue.push({ fault, left: fault.times ?? 1 });
    },
    clearScript(): void {
      queue.length = 0;
    },
    connectionCount: () => connections,
    openConnectionCount: () => sockets.size,
    async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`mock upstream: condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close(): Promise<void> {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
