/**
 * The Anthropic Messages wire format (`POST /v1/messages`) ↔ the neutral chat model.
 *
 * Translation notes (lossy corners, documented rather than hidden):
 * - `system` (a string or text blocks) becomes one leading neutral system message; when building, every
 *   neutral system message (wherever it sits) is hoisted into the top-level `system`.
 * - A user message holding `tool_result` blocks reads as one neutral `tool` message per result, in block
 *   order, with the remaining blocks grouped into user messages between them. `is_error` is not kept.
 * - Building merges consecutive messages of the same role (tool results join the user turn, tool_result
 *   blocks first as the API requires), drops empty text blocks and messages left without blocks.
 * - Tool-call arguments are parsed into `tool_use.input`; arguments that are not a JSON object become `{}`
 *   and the translation goes on (the model's malformed output has no Anthropic form).
 * - `max_tokens` defaults to {@link ANTHROPIC_DEFAULT_MAX_TOKENS}; `temperature` is clamped to Anthropic's
 *   0–1 range; `response_format` has no Anthropic equivalent and is not sent.
 * - Usage: neutral `inputTokens` is `input_tokens` plus cache creation and cache read tokens (the whole
 *   prompt, as OpenAI counts it). Anthropic responses carry no timestamp, so `created` reads as 0.
 * - Content blocks other than text, image, tool_use and tool_result (documents, thinking, server tools)
 *   read as `{type:'other'}` and are written back only when their `type` is an Anthropic block type.
 * - Anthropic server tools (a `type` other than `custom`, no `input_schema`) have no neutral form: they
 *   are left out of the neutral request, so a same-format pass-through forwards them untouched and a
 *   cross-format translation drops them.
 */
import type { ErrorCode } from '../errors/codes.ts';
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  ContentPart,
  StopReason,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  Usage,
} from '../model/chat.ts';
import type { SseEvent } from '../streaming/sse-event.ts';
import {
  type FieldReader,
  isJsonObject,
  type JsonObject,
  parseJsonData,
  REQUEST_FIELDS,
  RESPONSE_FIELDS,
} from './json-fields.ts';
import {
  isTextOnly,
  joinText,
  parseToolArguments,
  passThroughRaw,
  splitDataUrl,
} from './translate-common.ts';
import type { WireFormat } from './wire-format.ts';

/** `max_tokens` sent when the neutral request has none (Anthropic requires the field). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** Message id used in streams when the neutral stream carried no `start` event. */
export const ANTHROPIC_SYNTHETIC_MESSAGE_ID = 'msg_parapet';

/** Anthropic block types kept when an `other` part is written back. */
const ANTHROPIC_BLOCK_TYPES: ReadonlySet<string> = new Set([
  'text',
  'image',
  'document',
  'search_result',
  'thinking',
  'redacted_thinking',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'container_upload',
]);

/** The error `type` values Anthropic uses; anything else is mapped onto one of these. */
export const ANTHROPIC_ERROR_TYPES: ReadonlySet<string> = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
]);

const STOP_FROM_ANTHROPIC: Readonly<Record<string, StopReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

const STOP_TO_ANTHROPIC: Readonly<Record<StopReason, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
  error: 'end_turn',
};

/** Maps an Anthropic `stop_reason` to the neutral stop reason (unknown values and null read as `stop`). */
export function anthropicStopToStopReason(reason: string | null | undefined): StopReason {
  return (reason !== null && reason !== undefined && STOP_FROM_ANTHROPIC[reason]) || 'stop';
}

/** Maps a neutral stop reason to an Anthropic `stop_reason`. */
export function stopReasonToAnthropicStop(reason: StopReason): string {
  return STOP_TO_ANTHROPIC[reason];
}

/** Maps any error type (an OpenAI-style one or a Parapet table type) onto an Anthropic error type. */
export function toAnthropicErrorType(type: string, code?: string): string {
  if (code === 'PARAPET_REQUEST_TOO_LARGE') return 'request_too_large';
  if (ANTHROPIC_ERROR_TYPES.has(type)) return type;
  if (
    type === 'rate_limit_exceeded' ||
    type === 'insufficient_quota' ||
    type === 'tokens' ||
    type === 'requests'
  ) {
    return 'rate_limit_error';
  }
  if (type === 'invalid_request' || type === 'bad_request') return 'invalid_request_error';
  if (type === 'not_found') return 'not_found_error';
  if (type === 'overloaded' || type === 'service_unavailable') return 'overloaded_error';
  return 'api_error';
}

// ---------------------------------------------------------------------------------------------------
// Requests

function parseImageBlock(f: FieldReader, block: JsonObject, path: string): ContentPart {
  const source = f.object(block['source'], `${path}.source`);
  const type = f.string(source['type'], `${path}.source.type`);
  if (type === 'base64') {
    return {
      type: 'image',
      data: f.string(source['data'], `${path}.source.data`),
      mediaType: f.string(source['media_type'], `${path}.source.media_type`),
    };
  }
  if (type === 'url') return { type: 'image', url: f.string(source['url'], `${path}.source.url`) };
  return { type: 'other', raw: block };
}

/** A text, image or unknown block (never tool_use / tool_result, which callers handle first). */
function parsePlainBlock(f: FieldReader, block: JsonObject, type: string, path: string): ContentPart {
  if (type === 'text') return { type: 'text', text: f.string(block['text'], `${path}.text`) };
  if (type === 'image') return parseImageBlock(f, block, path);
  return { type: 'other', raw: block };
}

function parseBlocks(
  f: FieldReader,
  value: unknown,
  path: string,
): { block: JsonObject; type: string; path: string }[] {
  if (!Array.isArray(value)) throw f.fail(path, 'a string or an array of content blocks');
  return value.map((item, i) => {
    const blockPath = `${path}[${i}]`;
    const block = f.object(item, blockPath);
    return { block, type: f.string(block['type'], `${blockPath}.type`), path: blockPath };
  });
}

function parseToolResultContent(f: FieldReader, value: unknown, path: string): ContentPart[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  return parseBlocks(f, value, path).map((b) => parsePlainBlock(f, b.block, b.type, b.path));
}

/** One Anthropic message → one or more neutral messages (tool results split out). */
function parseMessage(f: FieldReader, item: unknown, path: string, out: ChatMessage[]): void {
  const message = f.object(item, path);
  const role = f.string(message['role'], `${path}.role`);
  if (role !== 'user' && role !== 'assistant') throw f.fail(`${path}.role`, '`user` or `assistant`');
  const content = message['content'];
  if (typeof content === 'string') {
    out.push({ role, content: [{ type: 'text', text: content }] });
    return;
  }
  const blocks = parseBlocks(f, content, `${path}.content`);
  if (role === 'assistant') {
    const parts: ContentPart[] = [];
    const toolCalls: ToolCall[] = [];
    for (const { block, type, path: blockPath } of blocks) {
      if (type === 'tool_use') {
        const input = block['input'] === undefined ? {} : f.object(block['input'], `${blockPath}.input`);
        toolCalls.push({
          id: f.string(block['id'], `${blockPath}.id`),
          name: f.string(block['name'], `${blockPath}.name`),
          arguments: JSON.stringify(input),
        });
      } else parts.push(parsePlainBlock(f, block, type, blockPath));
    }
    out.push(toolCalls.length > 0 ? { role, content: parts, toolCalls } : { role, content: parts });
    return;
  }
  let pending: ContentPart[] | undefined;
  for (const { block, type, path: blockPath } of blocks) {
    if (type === 'tool_result') {
      pending = undefined;
      out.push({
        role: 'tool',
        toolCallId: f.string(block['tool_use_id'], `${blockPath}.tool_use_id`),
        content: parseToolResultContent(f, block['content'], `${blockPath}.content`),
      });
    } else {
      if (pending === undefined) {
        pending = [];
        out.push({ role: 'user', content: pending });
      }
      pending.push(parsePlainBlock(f, block, type, blockPath));
    }
  }
  if (blocks.length === 0) out.push({ role: 'user', content: [] });
}

function parseSystem(f: FieldReader, value: unknown): ChatMessage | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { role: 'system', content: [{ type: 'text', text: value }] };
  if (!Array.isArray(value)) throw f.fail('system', 'a string or an array of text blocks');
  const content = value.map((item, i): ContentPart => {
    const block = f.object(item, `system[${i}]`);
    if (block['type'] !== 'text') throw f.fail(`system[${i}].type`, '`text`');
    return { type: 'text', text: f.string(block['text'], `system[${i}].text`) };
  });
  return { role: 'system', content };
}

function parseTools(f: FieldReader, value: unknown): ToolDefinition[] | undefined {
  const tools = f.optionalArray(value, 'tools');
  if (tools === undefined) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const [i, item] of tools.entries()) {
    const path = `tools[${i}]`;
    const tool = f.object(item, path);
    const type = f.optionalString(tool['type'], `${path}.type`);
    if (type !== undefined && type !== 'custom') continue;
    const definition: ToolDefinition = { name: f.string(tool['name'], `${path}.name`) };
    const description = f.optionalString(tool['description'], `${path}.description`);
    if (description !== undefined) definition.description = description;
    definition.parameters = f.object(tool['input_schema'], `${path}.input_schema`);
    definitions.push(definition);
  }
  return definitions;
}

function parseToolChoice(f: FieldReader, value: unknown): ToolChoice | undefined {
  const choice = f.optionalObject(value, 'tool_choice');
  if (choice === undefined) return undefined;
  switch (choice['type']) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { name: f.string(choice['name'], 'tool_choice.name') };
    default:
      throw f.fail('tool_choice.type', '`auto`, `any`, `tool` or `none`');
  }
}

function parseRequest(input: unknown): ChatRequest {
  const f = REQUEST_FIELDS;
  const body = f.body(input);
  const model = f.string(body['model'], 'model');
  const messages: ChatMessage[] = [];
  const system = parseSystem(f, body['system']);
  if (system !== undefined) messages.push(system);
  for (const [i, item] of f.array(body['messages'], 'messages').entries()) {
    parseMessage(f, item, `messages[${i}]`, messages);
  }
  const request: ChatRequest = {
    model,
    messages,
    stream: f.optionalBoolean(body['stream'], 'stream') ?? false,
  };
  const tools = parseTools(f, body['tools']);
  if (tools !== undefined) request.tools = tools;
  const toolChoice = parseToolChoice(f, body['tool_choice']);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const maxTokens = f.optionalCount(body['max_tokens'], 'max_tokens');
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = f.optionalNumber(body['temperature'], 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = f.optionalNumber(body['top_p'], 'top_p');
  if (topP !== undefined) request.topP = topP;
  const stop = f.optionalArray(body['stop_sequences'], 'stop_sequences');
  if (stop !== undefined) request.stop = stop.map((s, i) => f.string(s, `stop_sequences[${i}]`));
  const metadata = f.optionalObject(body['metadata'], 'metadata');
  const user = f.optionalString(metadata?.['user_id'], 'metadata.user_id');
  if (user !== undefined) request.user = user;
  return request;
}

function buildPlainBlocks(parts: readonly ContentPart[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const part of parts) {
    if (part.type === 'text') {
      if (part.text !== '') out.push({ type: 'text', text: part.text });
    } else if (part.type === 'image') {
      const inline = part.url === undefined ? undefined : splitDataUrl(part.url);
      if (inline !== undefined) {
        out.push({
          type: 'image',
          source: { type: 'base64', media_type: inline.mediaType, data: inline.data },
        });
      } else if (part.url !== undefined) {
        out.push({ type: 'image', source: { type: 'url', url: part.url } });
      } else {
        out.push({
          type: 'image',
          source: { type: 'base64', media_type: part.mediaType ?? 'image/png', data: part.data ?? '' },
        });
      }
    } else {
      const raw = passThroughRaw(part.raw, ANTHROPIC_BLOCK_TYPES);
      if (raw !== undefined) out.push(raw);
    }
  }
  return out;
}

function buildToolResult(message: ChatMessage): JsonObject {
  const block: JsonObject = { type: 'tool_result', tool_use_id: message.toolCallId ?? '' };
  if (isTextOnly(message.content)) {
    const text = joinText(message.content);
    if (text !== '') block['content'] = text;
  } else {
    const blocks = buildPlainBlocks(message.content).filter(
      (b) => b['type'] === 'text' || b['type'] === 'image',
    );
    if (blocks.length > 0) block['content'] = blocks;
  }
  return block;
}

function buildMessages(messages: readonly ChatMessage[]): { system: JsonObject[]; messages: JsonObject[] } {
  const system: JsonObject[] = [];
  const turns: { role: 'user' | 'assistant'; blocks: JsonObject[] }[] = [];
  const append = (role: 'user' | 'assistant', blocks: JsonObject[]): void => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last !== undefined && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks: [...blocks] });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        for (const part of message.content) {
          if (part.type === 'text' && part.text !== '') system.push({ type: 'text', text: part.text });
        }
        break;
      case 'user':
        append('user', buildPlainBlocks(message.content));
        break;
      case 'tool':
        append('user', [buildToolResult(message)]);
        break;
      case 'assistant': {
        const blocks = buildPlainBlocks(message.content);
        for (const call of message.toolCalls ?? []) {
          blocks.push({
            type: 'tool_use',
            id: call.id,
            name: call.name,
            input: parseToolArguments(call.arguments),
          });
        }
        append('assistant', blocks);
        break;
      }
    }
  }
  return {
    system,
    messages: turns.map((turn) => {
      // The API wants tool_result blocks first in a user turn; keep the rest in order after them.
      const blocks =
        turn.role === 'user'
          ? [
              ...turn.blocks.filter((b) => b['type'] === 'tool_result'),
              ...turn.blocks.filter((b) => b['type'] !== 'tool_result'),
            ]
          : turn.blocks;
      return { role: turn.role, content: blocks };
    }),
  };
}

function buildToolChoice(choice: ToolChoice): JsonObject {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: choice.name };
}

function buildRequest(request: ChatRequest, upstreamModel: string): Record<string, unknown> {
  const { system, messages } = buildMessages(request.messages);
  const body: JsonObject = {
    model: upstreamModel,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
  };
  if (system.length === 1) body['system'] = system[0]!['text'];
  else if (system.length > 1) body['system'] = system;
  body['messages'] = messages;
  if (request.tools !== undefined && request.tools.length > 0) {
    body['tools'] = request.tools.map((tool) => {
      const out: JsonObject = { name: tool.name };
      if (tool.description !== undefined) out['description'] = tool.description;
      out['input_schema'] = tool.parameters ?? { type: 'object', properties: {} };
      return out;
    });
  }
  if (request.toolChoice !== undefined) body['tool_choice'] = buildToolChoice(request.toolChoice);
  if (request.temperature !== undefined) body['temperature'] = Math.min(1, Math.max(0, request.temperature));
  if (request.topP !== undefined) body['top_p'] = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body['stop_sequences'] = [...request.stop];
  if (request.user !== undefined) body['metadata'] = { user_id: request.user };
  if (request.stream) body['stream'] = true;
  return body;
}

// ---------------------------------------------------------------------------------------------------
// Responses

function readUsage(usage: JsonObject): Usage {
  const count = (key: string): number => (typeof usage[key] === 'number' ? (usage[key] as number) : 0);
  return {
    inputTokens:
      count('input_tokens') + count('cache_creation_input_tokens') + count('cache_read_input_tokens'),
    outputTokens: count('output_tokens'),
  };
}

function parseResponse(input: unknown): ChatResponse {
  const f = RESPONSE_FIELDS;
  const body = f.body(input);
  if (body['type'] !== undefined && body['type'] !== 'message') throw f.fail('type', '`message`');
  const content: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  for (const { block, type, path } of parseBlocks(f, body['content'], 'content')) {
    if (type === 'tool_use') {
      toolCalls.push({
        id: f.string(block['id'], `${path}.id`),
        name: f.string(block['name'], `${path}.name`),
        arguments: JSON.stringify(block['input'] ?? {}),
      });
    } else content.push(parsePlainBlock(f, block, type, path));
  }
  const response: ChatResponse = {
    id: f.string(body['id'], 'id'),
    model: f.string(body['model'], 'model'),
    created: 0,
    content,
    toolCalls,
    stopReason: anthropicStopToStopReason(f.optionalString(body['stop_reason'], 'stop_reason')),
  };
  const usage = f.optionalObject(body['usage'], 'usage');
  if (usage !== undefined) response.usage = readUsage(usage);
  return response;
}

function buildResponse(response: ChatResponse): Record<string, unknown> {
  const content: JsonObject[] = [];
  for (const part of response.content) {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    else content.push(...buildPlainBlocks([part]));
  }
  for (const call of response.toolCalls) {
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.name,
      input: parseToolArguments(call.arguments),
    });
  }
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: stopReasonToAnthropicStop(response.stopReason),
    stop_sequence: null,
    usage: {
      input_tokens: response.usage?.inputTokens ?? 0,
      output_tokens: response.usage?.outputTokens ?? 0,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Streams

/**
 * Decoder state: the input tokens from `message_start` (reported with the output tokens when
 * `message_delta` arrives) and the map from content-block index to tool-call index (tool blocks only).
 */
function createStreamDecoder(): (event: SseEvent) => ChatStreamEvent[] {
  let inputUsage: JsonObject = {};
  const toolIndexByBlock = new Map<number, number>();
  return (event) => {
    if (event.data.trim() === '') return [];
    const data = parseJsonData(event.data);
    if (!isJsonObject(data)) {
      return [
        {
          type: 'error',
          message: 'the upstream sent a stream event that is not a JSON object',
          code: 'PARAPET_UPSTREAM_BAD_RESPONSE',
        },
      ];
    }
    const type = typeof data['type'] === 'string' ? data['type'] : event.event;
    const blockIndex = typeof data['index'] === 'number' ? data['index'] : -1;
    switch (type) {
      case 'message_start': {
        const message = isJsonObject(data['message']) ? data['message'] : {};
        if (isJsonObject(message['usage'])) inputUsage = message['usage'];
        return [
          {
            type: 'start',
            id: typeof message['id'] === 'string' ? message['id'] : ANTHROPIC_SYNTHETIC_MESSAGE_ID,
            model: typeof message['model'] === 'string' ? message['model'] : '',
            created: 0,
          },
        ];
      }
      case 'content_block_start': {
        const block = isJsonObject(data['content_block']) ? data['content_block'] : {};
        if (block['type'] === 'text') {
          return typeof block['text'] === 'string' && block['text'] !== ''
            ? [{ type: 'text', text: block['text'] }]
            : [];
        }
        if (block['type'] === 'tool_use') {
          const index = toolIndexByBlock.size;
          toolIndexByBlock.set(blockIndex, index);
          const out: ChatStreamEvent[] = [
            {
              type: 'tool_call_start',
              index,
              id: typeof block['id'] === 'string' ? block['id'] : `toolu_${index}`,
              name: typeof block['name'] === 'string' ? block['name'] : '',
            },
          ];
          // Input normally streams as input_json_delta; a non-empty start input is sent whole.
          if (isJsonObject(block['input']) && Object.keys(block['input']).length > 0) {
            out.push({ type: 'tool_call_delta', index, arguments: JSON.stringify(block['input']) });
          }
          return out;
        }
        return [];
      }
      case 'content_block_delta': {
        const delta = isJsonObject(data['delta']) ? data['delta'] : {};
        if (delta['type'] === 'text_delta' && typeof delta['text'] === 'string' && delta['text'] !== '') {
          return [{ type: 'text', text: delta['text'] }];
        }
        if (delta['type'] === 'input_json_delta' && typeof delta['partial_json'] === 'string') {
          const index = toolIndexByBlock.get(blockIndex);
          if (index === undefined || delta['partial_json'] === '') return [];
          return [{ type: 'tool_call_delta', index, arguments: delta['partial_json'] }];
        }
        return [];
      }
      case 'message_delta': {
        const out: ChatStreamEvent[] = [];
        const delta = isJsonObject(data['delta']) ? data['delta'] : {};
        if (typeof delta['stop_reason'] === 'string') {
          out.push({ type: 'finish', stopReason: anthropicStopToStopReason(delta['stop_reason']) });
        }
        if (isJsonObject(data['usage'])) {
          // message_delta usage is cumulative; input counters, when present, override message_start's.
          const merged: JsonObject = { ...inputUsage };
          for (const [key, value] of Object.entries(data['usage']))
            if (typeof value === 'number') merged[key] = value;
          out.push({ type: 'usage', usage: readUsage(merged) });
        }
        return out;
      }
      case 'message_stop':
        return [{ type: 'end' }];
      case 'error': {
        const error = isJsonObject(data['error']) ? data['error'] : {};
        const message =
          typeof error['message'] === 'string' ? error['message'] : 'the upstream reported an error';
        return typeof error['type'] === 'string'
          ? [{ type: 'error', message, code: error['type'] }]
          : [{ type: 'error', message }];
      }
      default:
        // ping, content_block_stop, and event types added later.
        return [];
    }
  };
}

/**
 * Encoder state machine. `message_start` goes out on the first event; each text run or tool call is one
 * content block (a block is closed when another starts); `finish` and `usage` are joined into one
 * `message_delta`, sent when both have arrived, or at `end` with whichever is known. A tool-call delta
 * for an already-closed block is still sent to that block index (the SDKs accumulate by index).
 */
function createStreamEncoder(): (event: ChatStreamEvent) => SseEvent[] {
  let id = ANTHROPIC_SYNTHETIC_MESSAGE_ID;
  let model = '';
  let started = false;
  let ended = false;
  let nextBlock = 0;
  let open: { block: number; kind: 'text' | 'tool'; tool?: number } | undefined;
  const blockByTool = new Map<number, number>();
  let stopReason: StopReason | undefined;
  let usage: Usage | undefined;
  let deltaSent = false;
  const sse = (type: string, payload: JsonObject): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, ...payload }),
  });
  const ensureStarted = (out: SseEvent[]): void => {
    if (started) return;
    started = true;
    out.push(
      sse('message_start', {
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage?.inputTokens ?? 0, output_tokens: 0 },
        },
      }),
    );
  };
  const closeOpen = (out: SseEvent[]): void => {
    if (open === undefined) return;
    out.push(sse('content_block_stop', { index: open.block }));
    open = undefined;
  };
  const startToolBlock = (out: SseEvent[], tool: number, toolId: string, name: string): number => {
    closeOpen(out);
    const block = nextBlock++;
    blockByTool.set(tool, block);
    open = { block, kind: 'tool', tool };
    out.push(
      sse('content_block_start', {
        index: block,
        content_block: { type: 'tool_use', id: toolId, name, input: {} },
      }),
    );
    return block;
  };
  const sendMessageDelta = (out: SseEvent[]): void => {
    if (deltaSent) return;
    deltaSent = true;
    const usageOut: JsonObject = { output_tokens: usage?.outputTokens ?? 0 };
    if (usage !== undefined) usageOut['input_tokens'] = usage.inputTokens;
    out.push(
      sse('message_delta', {
        delta: { stop_reason: stopReasonToAnthropicStop(stopReason ?? 'stop'), stop_sequence: null },
        usage: usageOut,
      }),
    );
  };
  return (event) => {
    if (ended) return [];
    const out: SseEvent[] = [];
    switch (event.type) {
      case 'start':
        if (!started) {
          id = event.id;
          model = event.model;
        }
        ensureStarted(out);
        break;
      case 'text':
        ensureStarted(out);
        if (event.text === '') break;
        if (open?.kind !== 'text') {
          closeOpen(out);
          open = { block: nextBlock++, kind: 'text' };
          out.push(
            sse('content_block_start', { index: open.block, content_block: { type: 'text', text: '' } }),
          );
        }
        out.push(
          sse('content_block_delta', { index: open.block, delta: { type: 'text_delta', text: event.text } }),
        );
        break;
      case 'tool_call_start':
        ensureStarted(out);
        startToolBlock(out, event.index, event.id, event.name);
        break;
      case 'tool_call_delta': {
        ensureStarted(out);
        if (event.arguments === '') break;
        const block =
          blockByTool.get(event.index) ??
          startToolBlock(out, event.index, `toolu_parapet_${event.index}`, '');
        out.push(
          sse('content_block_delta', {
            index: block,
            delta: { type: 'input_json_delta', partial_json: event.arguments },
          }),
        );
        break;
      }
      case 'finish':
        ensureStarted(out);
        closeOpen(out);
        stopReason = event.stopReason;
        if (usage !== undefined) sendMessageDelta(out);
        break;
      case 'usage':
        usage = event.usage;
        if (stopReason !== undefined && started) sendMessageDelta(out);
        break;
      case 'error':
        ended = true;
        out.push(
          sse('error', {
            error: {
              type: toAnthropicErrorType(event.code ?? 'api_error', event.code),
              message: event.message,
              ...(event.code === undefined ? {} : { code: event.code }),
            },
          }),
        );
        break;
      case 'end':
        ensureStarted(out);
        closeOpen(out);
        sendMessageDelta(out);
        out.push(sse('message_stop', {}));
        ended = true;
        break;
    }
    return out;
  };
}

function errorBody(code: ErrorCode, message: string, type: string): Record<string, unknown> {
  return { type: 'error', error: { type: toAnthropicErrorType(type, code), message, code } };
}

/** The Anthropic Messages wire format. */
export const anthropicMessages: WireFormat = {
  name: 'anthropic-messages',
  parseRequest,
  buildRequest,
  parseResponse,
  buildResponse,
  createStreamDecoder,
  createStreamEncoder,
  errorBody,
};
