/**
 * The built-in `echo` demo model: what the gateway serves when no upstream is configured, so a newcomer
 * sees the whole flow (inspection, policy, events, streaming, tool calls) without any provider key.
 * Pure and deterministic: ids and time come in through `EchoContext`, and the same inputs always give the
 * same answer.
 */
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  ContentPart,
  StopReason,
  ToolCall,
  Usage,
} from '../model/chat.ts';

/** The model names the echo upstream serves: a chat model and an embeddings model. */
export const ECHO_MODELS = ['echo', 'echo-embedding'] as const;

/** Ids and time for one echo answer, passed in so the answer is deterministic. */
export interface EchoContext {
  /** The response id. Tool calls get `call_<id>`. */
  id: string;
  /** Unix seconds. */
  created: number;
}

/** The text the echo model answers with when the request has no user text to repeat. */
export const ECHO_HINT =
  'Echo: this is Parapet’s demo model; send a user message and it is repeated back. Configure an upstream to reach a real model.';

/** The prefix of a user message that makes the echo model call a tool: `/tool <name> <json arguments>`. */
export const ECHO_TOOL_COMMAND = '/tool';

/** Dimensions of the vectors `echoEmbeddings` returns. */
export const ECHO_EMBEDDING_DIMENSIONS = 16;

const WORDS_PER_DELTA = 3;

function textOf(parts: readonly ContentPart[]): string {
  const texts: string[] = [];
  for (const part of parts) if (part.type === 'text') texts.push(part.text);
  return texts.join('\n');
}

/** ceil(chars / 4): the rough token estimate the echo model reports. */
function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

function inputChars(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const message of messages) {
    chars += textOf(message.content).length;
    for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
  }
  return chars;
}

function toolNameOf(messages: readonly ChatMessage[], callId: string | undefined): string | undefined {
  for (const message of messages) {
    for (const call of message.toolCalls ?? []) if (call.id === callId) return call.name;
  }
  return undefined;
}

type EchoAnswer = { kind: 'text'; text: string } | { kind: 'tool'; call: ToolCall };

/** Reads `/tool <name> <json>`; answers a hint as text when the name or the arguments are wrong. */
function toolCommand(request: ChatRequest, text: string, ctx: EchoContext): EchoAnswer | undefined {
  const tools = request.tools ?? [];
  if (tools.length === 0 || request.toolChoice === 'none') return undefined;
  if (!text.startsWith(ECHO_TOOL_COMMAND) || !/^\s/.test(text.slice(ECHO_TOOL_COMMAND.length)))
    return undefined;
  const rest = text.slice(ECHO_TOOL_COMMAND.length).trimStart();
  const nameEnd = rest.search(/\s/);
  const name = nameEnd < 0 ? rest : rest.slice(0, nameEnd);
  const json = nameEnd < 0 ? '' : rest.slice(nameEnd).trim();
  if (!tools.some((tool) => tool.name === name)) {
    const available = tools.map((tool) => `\`${tool.name}\``).join(', ');
    return { kind: 'text', text: `Echo: no tool named \`${name}\` in this request; available: ${available}` };
  }
  let args: unknown = {};
  try {
    if (json !== '') args = JSON.parse(json);
  } catch {
    args = undefined;
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return {
      kind: 'text',
      text: `Echo: the arguments after \`${ECHO_TOOL_COMMAND} ${name}\` must be a JSON object`,
    };
  }
  return { kind: 'tool', call: { id: `call_${ctx.id}`, name, arguments: JSON.stringify(args) } };
}

function answerOf(request: ChatRequest, ctx: EchoContext): EchoAnswer {
  const last = request.messages[request.messages.length - 1];
  if (last?.role === 'tool') {
    // Answer a tool result (instead of repeating the `/tool` command forever in an agent loop).
    const name = toolNameOf(request.messages, last.toolCallId) ?? 'tool';
    return { kind: 'text', text: `Echo: \`${name}\` returned: ${textOf(last.content)}` };
  }
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role !== 'user') continue;
    const text = textOf(message.content);
    if (text.trim() === '') break;
    return toolCommand(request, text, ctx) ?? { kind: 'text', text: `Echo: ${text}` };
  }
  return { kind: 'text', text: ECHO_HINT };
}

/** Cuts `text` to `maxChars` code units without splitting a surrogate pair. */
function truncate(text: string, maxChars: number): string {
  let end = Math.max(0, maxChars);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/**
 * Answers a chat request the way the demo model does: `Echo: <last user message text>` (or `ECHO_HINT`
 * when there is none). When the request offers tools (and `toolChoice` is not `none`) and the last user
 * text is `/tool <name> <json>`, it answers with that tool call instead (stop reason `tool_calls`); when
 * the last message is a tool result, it answers `Echo: \`<name>\` returned: <result>` so agent loops end.
 * `maxTokens` cuts the text at 4 characters a token (stop reason `length`). Usage is estimated as
 * ceil(chars / 4) for the input texts and the output.
 */
export function echoComplete(request: ChatRequest, ctx: EchoContext): ChatResponse {
  const answer = answerOf(request, ctx);
  const inputTokens = estimateTokens(inputChars(request.messages));
  const base = { id: ctx.id, model: request.model, created: ctx.created };
  if (answer.kind === 'tool') {
    const { call } = answer;
    const usage: Usage = {
      inputTokens,
      outputTokens: estimateTokens(call.name.length + call.arguments.length),
      estimated: true,
    };
    return { ...base, content: [], toolCalls: [call], stopReason: 'tool_calls', usage };
  }
  let text = answer.text;
  let stopReason: StopReason = 'stop';
  if (request.maxTokens !== undefined && text.length > request.maxTokens * 4) {
    text = truncate(text, request.maxTokens * 4);
    stopReason = 'length';
  }
  const usage: Usage = { inputTokens, outputTokens: estimateTokens(text.length), estimated: true };
  return { ...base, content: [{ type: 'text', text }], toolCalls: [], stopReason, usage };
}

/** Splits text into deltas of a few words each, on word boundaries; the deltas join back to `text`. */
function wordDeltas(text: string): string[] {
  const words = text.split(/(?<=\s)(?=\S)/);
  const deltas: string[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_DELTA) {
    const delta = words.slice(i, i + WORDS_PER_DELTA).join('');
    if (delta !== '') deltas.push(delta);
  }
  return deltas;
}

/**
 * The same answer as `echoComplete`, as a stream: `start`, text deltas of a few words each (or one tool
 * call as `tool_call_start` + `tool_call_delta`), `finish`, `usage`, `end`.
 */
export function echoStream(request: ChatRequest, ctx: EchoContext): ChatStreamEvent[] {
  const response = echoComplete(request, ctx);
  const events: ChatStreamEvent[] = [
    { type: 'start', id: response.id, model: response.model, created: response.created },
  ];
  for (const part of response.content) {
    if (part.type !== 'text') continue;
    for (const text of wordDeltas(part.text)) events.push({ type: 'text', text });
  }
  response.toolCalls.forEach((call, index) => {
    events.push({ type: 'tool_call_start', index, id: call.id, name: call.name });
    events.push({ type: 'tool_call_delta', index, arguments: call.arguments });
  });
  events.push({ type: 'finish', stopReason: response.stopReason });
  if (response.usage !== undefined) events.push({ type: 'usage', usage: response.usage });
  events.push({ type: 'end' });
  return events;
}

/** An OpenAI embeddings response body (`POST /v1/embeddings`). */
export interface EmbeddingsResponseBody {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** FNV-1a over UTF-16 code units. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A unit-length vector drawn from a mulberry32 sequence seeded with the text's hash. */
function echoVector(text: string): number[] {
  let state = hash32(text);
  const vector: number[] = [];
  for (let i = 0; i < ECHO_EMBEDDING_DIMENSIONS; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    vector.push(((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1);
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((x) => x / norm);
}

/**
 * The demo embeddings model: one deterministic unit-length vector of `ECHO_EMBEDDING_DIMENSIONS` numbers
 * per input, derived from a hash of its text (equal texts give equal vectors; nothing semantic), and
 * usage estimated as ceil(chars / 4) per input.
 */
export function echoEmbeddings(input: readonly string[], model: string): EmbeddingsResponseBody {
  const tokens = input.reduce((sum, text) => sum + estimateTokens(text.length), 0);
  return {
    object: 'list',
    data: input.map((text, index) => ({ object: 'embedding', index, embedding: echoVector(text) })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
