/**
 * The OpenAI Chat Completions wire format (`POST /v1/chat/completions`) ↔ the neutral chat model.
 *
 * Translation notes (lossy corners, documented rather than hidden):
 * - `developer` messages read as `system`; `system` messages are written back as `system`.
 * - Content parts other than `text` and `image_url` (audio, files, refusals) read as `{type:'other'}` and
 *   are written back only when their `type` is an OpenAI part type; parts from other formats are dropped.
 * - `max_completion_tokens` wins over the deprecated `max_tokens`; requests are built with
 *   `max_completion_tokens` (the only one reasoning models accept).
 * - Streaming requests are always built with `stream_options.include_usage: true` so the gateway sees usage.
 * - Only the first choice (`n` = 1) is read from responses and streams.
 * - Tools other than `type: "function"` (custom tools) and object `tool_choice` values other than
 *   `type: "function"` (allowed_tools) have no neutral form: they are left out of the neutral request, so
 *   a same-format pass-through forwards them untouched and a cross-format translation drops them.
 */
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
import { imageUrlOf, isTextOnly, joinText, passThroughRaw, splitDataUrl } from './translate-common.ts';
import type { WireFormat } from './wire-format.ts';

/** OpenAI content part types kept when an `other` part is written back. */
const OPENAI_PART_TYPES: ReadonlySet<string> = new Set([
  'text',
  'image_url',
  'input_audio',
  'file',
  'refusal',
]);

/** Id used on stream chunks when the neutral stream carried no `start` event. */
export const OPENAI_SYNTHETIC_COMPLETION_ID = 'chatcmpl-parapet';

const FINISH_FROM_OPENAI: Readonly<Record<string, StopReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

const FINISH_TO_OPENAI: Readonly<Record<StopReason, string>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  error: 'stop',
};

/** Maps an OpenAI `finish_reason` to the neutral stop reason (unknown values read as `stop`). */
export function openaiFinishToStopReason(reason: string | null | undefined): StopReason {
  return (reason !== null && reason !== undefined && FINISH_FROM_OPENAI[reason]) || 'stop';
}

/** Maps a neutral stop reason to an OpenAI `finish_reason`. */
export function stopReasonToOpenaiFinish(reason: StopReason): string {
  return FINISH_TO_OPENAI[reason];
}

// ---------------------------------------------------------------------------------------------------
// Requests

function parseImageUrlPart(f: FieldReader, part: JsonObject, path: string): ContentPart {
  const image = f.object(part['image_url'], `${path}.image_url`);
  const url = f.string(image['url'], `${path}.image_url.url`);
  const inline = splitDataUrl(url);
  return inline ? { type: 'image', data: inline.data, mediaType: inline.mediaType } : { type: 'image', url };
}

function parseContent(f: FieldReader, value: unknown, path: string, nullable: boolean): ContentPart[] {
  if (typeof value === 'string') return [{ type: 'text', text: value }];
  if ((value === null || value === undefined) && nullable) return [];
  if (!Array.isArray(value)) {
    throw f.fail(
      path,
      nullable ? 'a string, an array of content parts or null' : 'a string or an array of content parts',
    );
  }
  return value.map((item, i): ContentPart => {
    const partPath = `${path}[${i}]`;
    const part = f.object(item, partPath);
    const type = f.string(part['type'], `${partPath}.type`);
    if (type === 'text') return { type: 'text', text: f.string(part['text'], `${partPath}.text`) };
    if (type === 'image_url') return parseImageUrlPart(f, part, partPath);
    return { type: 'other', raw: part };
  });
}

function parseToolCalls(f: FieldReader, value: unknown, path: string): ToolCall[] | undefined {
  const calls = f.optionalArray(value, path);
  if (calls === undefined) return undefined;
  return calls.map((item, i) => {
    const callPath = `${path}[${i}]`;
    const call = f.object(item, callPath);
    const fn = f.object(call['function'], `${callPath}.function`);
    return {
      id: f.string(call['id'], `${callPath}.id`),
      name: f.string(fn['name'], `${callPath}.function.name`),
      arguments: f.optionalString(fn['arguments'], `${callPath}.function.arguments`) ?? '',
    };
  });
}

const MESSAGE_ROLES = '`system`, `developer`, `user`, `assistant` or `tool`';

function parseMessage(f: FieldReader, item: unknown, path: string): ChatMessage {
  const message = f.object(item, path);
  const role = f.string(message['role'], `${path}.role`);
  const name = f.optionalString(message['name'], `${path}.name`);
  const withName = (m: ChatMessage): ChatMessage => (name === undefined ? m : { ...m, name });
  switch (role) {
    case 'system':
    case 'developer':
    case 'user':
      return withName({
        role: role === 'user' ? 'user' : 'system',
        content: parseContent(f, message['content'], `${path}.content`, false),
      });
    case 'assistant': {
      const content = parseContent(f, message['content'], `${path}.content`, true);
      const toolCalls = parseToolCalls(f, message['tool_calls'], `${path}.tool_calls`);
      const out: ChatMessage = { role: 'assistant', content };
      if (toolCalls !== undefined && toolCalls.length > 0) out.toolCalls = toolCalls;
      return withName(out);
    }
    case 'tool':
      return {
        role: 'tool',
        content: parseContent(f, message['content'], `${path}.content`, false),
        toolCallId: f.string(message['tool_call_id'], `${path}.tool_call_id`),
      };
    default:
      throw f.fail(`${path}.role`, `one of ${MESSAGE_ROLES}`);
  }
}

function parseTools(f: FieldReader, value: unknown): ToolDefinition[] | undefined {
  const tools = f.optionalArray(value, 'tools');
  if (tools === undefined) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const [i, item] of tools.entries()) {
    const path = `tools[${i}]`;
    const tool = f.object(item, path);
    if (f.string(tool['type'], `${path}.type`) !== 'function') continue;
    const fn = f.object(tool['function'], `${path}.function`);
    const definition: ToolDefinition = { name: f.string(fn['name'], `${path}.function.name`) };
    const description = f.optionalString(fn['description'], `${path}.function.description`);
    if (description !== undefined) definition.description = description;
    const parameters = f.optionalObject(fn['parameters'], `${path}.function.parameters`);
    if (parameters !== undefined) definition.parameters = parameters;
    definitions.push(definition);
  }
  return definitions;
}

function parseToolChoice(f: FieldReader, value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isJsonObject(value) && value['type'] === 'function') {
    const fn = f.object(value['function'], 'tool_choice.function');
    return { name: f.string(fn['name'], 'tool_choice.function.name') };
  }
  // Object choices without a neutral form (allowed_tools, custom) are left out; see the module notes.
  if (isJsonObject(value) && typeof value['type'] === 'string') return undefined;
  throw f.fail('tool_choice', '`auto`, `none`, `required` or `{"type":"function","function":{"name":...}}`');
}

function parseStop(f: FieldReader, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value as string[];
  throw f.fail('stop', 'a string or an array of strings');
}

function parseRequest(input: unknown): ChatRequest {
  const f = REQUEST_FIELDS;
  const body = f.body(input);
  const messages = f.array(body['messages'], 'messages').map((m, i) => parseMessage(f, m, `messages[${i}]`));
  const request: ChatRequest = {
    model: f.string(body['model'], 'model'),
    messages,
    stream: f.optionalBoolean(body['stream'], 'stream') ?? false,
  };
  const tools = parseTools(f, body['tools']);
  if (tools !== undefined) request.tools = tools;
  const toolChoice = parseToolChoice(f, body['tool_choice']);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const maxCompletion = f.optionalCount(body['max_completion_tokens'], 'max_completion_tokens');
  const maxTokens = f.optionalCount(body['max_tokens'], 'max_tokens');
  if (maxCompletion !== undefined || maxTokens !== undefined) request.maxTokens = maxCompletion ?? maxTokens;
  const temperature = f.optionalNumber(body['temperature'], 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = f.optionalNumber(body['top_p'], 'top_p');
  if (topP !== undefined) request.topP = topP;
  const stop = parseStop(f, body['stop']);
  if (stop !== undefined) request.stop = stop;
  const streamOptions = f.optionalObject(body['stream_options'], 'stream_options');
  const includeUsage = f.optionalBoolean(streamOptions?.['include_usage'], 'stream_options.include_usage');
  if (includeUsage !== undefined) request.includeUsage = includeUsage;
  const responseFormat = f.optionalObject(body['response_format'], 'response_format');
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  const user = f.optionalString(body['user'], 'user');
  if (user !== undefined) request.user = user;
  return request;
}

/** Content as OpenAI writes it: a plain string when it is all text, else an array of parts. */
function buildContent(parts: readonly ContentPart[]): string | JsonObject[] {
  if (isTextOnly(parts)) return joinText(parts);
  const out: JsonObject[] = [];
  for (const part of parts) {
    if (part.type === 'text') out.push({ type: 'text', text: part.text });
    else if (part.type === 'image') out.push({ type: 'image_url', image_url: { url: imageUrlOf(part) } });
    else {
      const raw = passThroughRaw(part.raw, OPENAI_PART_TYPES);
      if (raw !== undefined) out.push(raw);
    }
  }
  return out;
}

function buildMessage(message: ChatMessage): JsonObject {
  switch (message.role) {
    case 'tool':
      // Tool messages carry text only; images in a tool result (Anthropic) cannot be expressed.
      return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: joinText(message.content) };
    case 'assistant': {
      const out: JsonObject = { role: 'assistant' };
      const hasCalls = message.toolCalls !== undefined && message.toolCalls.length > 0;
      out['content'] = hasCalls && message.content.length === 0 ? null : buildContent(message.content);
      if (hasCalls) {
        out['tool_calls'] = message.toolCalls!.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      if (message.name !== undefined) out['name'] = message.name;
      return out;
    }
    default: {
      const out: JsonObject = { role: message.role, content: buildContent(message.content) };
      if (message.name !== undefined) out['name'] = message.name;
      return out;
    }
  }
}

function buildToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function buildRequest(request: ChatRequest, upstreamModel: string): Record<string, unknown> {
  const body: JsonObject = { model: upstreamModel, messages: request.messages.map(buildMessage) };
  if (request.tools !== undefined && request.tools.length > 0) {
    body['tools'] = request.tools.map((tool) => {
      const fn: JsonObject = { name: tool.name };
      if (tool.description !== undefined) fn['description'] = tool.description;
      fn['parameters'] = tool.parameters ?? { type: 'object', properties: {} };
      return { type: 'function', function: fn };
    });
  }
  if (request.toolChoice !== undefined) body['tool_choice'] = buildToolChoice(request.toolChoice);
  if (request.maxTokens !== undefined) body['max_completion_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  if (request.topP !== undefined) body['top_p'] = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body['stop'] = [...request.stop];
  if (request.responseFormat !== undefined) body['response_format'] = request.responseFormat;
  if (request.user !== undefined) body['user'] = request.user;
  body['stream'] = request.stream;
  if (request.stream) body['stream_options'] = { include_usage: true };
  return body;
}

// ---------------------------------------------------------------------------------------------------
// Responses

function parseUsage(f: FieldReader, value: unknown, path: string): Usage | undefined {
  const usage = f.optionalObject(value, path);
  if (usage === undefined) return undefined;
  return {
    inputTokens: f.optionalCount(usage['prompt_tokens'], `${path}.prompt_tokens`) ?? 0,
    outputTokens: f.optionalCount(usage['completion_tokens'], `${path}.completion_tokens`) ?? 0,
  };
}

function buildUsage(usage: Usage): JsonObject {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function parseResponse(input: unknown): ChatResponse {
  const f = RESPONSE_FIELDS;
  const body = f.body(input);
  const choices = f.array(body['choices'], 'choices');
  const first = choices.length > 0 ? f.object(choices[0], 'choices[0]') : undefined;
  const message = first === undefined ? undefined : f.object(first['message'], 'choices[0].message');
  const content =
    message === undefined ? [] : parseContent(f, message['content'], 'choices[0].message.content', true);
  const refusal =
    message === undefined ? undefined : f.optionalString(message['refusal'], 'choices[0].message.refusal');
  if (refusal !== undefined && refusal !== '') content.push({ type: 'text', text: refusal });
  const response: ChatResponse = {
    id: f.string(body['id'], 'id'),
    model: f.string(body['model'], 'model'),
    created: f.optionalCount(body['created'], 'created') ?? 0,
    content,
    toolCalls: parseToolCalls(f, message?.['tool_calls'], 'choices[0].message.tool_calls') ?? [],
    stopReason: openaiFinishToStopReason(
      f.optionalString(first?.['finish_reason'], 'choices[0].finish_reason'),
    ),
  };
  const usage = parseUsage(f, body['usage'], 'usage');
  if (usage !== undefined) response.usage = usage;
  return response;
}

function buildResponse(response: ChatResponse): Record<string, unknown> {
  const message: JsonObject = {
    role: 'assistant',
    content:
      response.content.length === 0 && response.toolCalls.length > 0 ? null : joinText(response.content),
    refusal: null,
  };
  if (response.toolCalls.length > 0) {
    message['tool_calls'] = response.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  const body: JsonObject = {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: response.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: stopReasonToOpenaiFinish(response.stopReason) },
    ],
  };
  if (response.usage !== undefined) body['usage'] = buildUsage(response.usage);
  return body;
}

// ---------------------------------------------------------------------------------------------------
// Streams

function createStreamDecoder(): (event: SseEvent) => ChatStreamEvent[] {
  let started = false;
  const startedTools = new Set<number>();
  return (event) => {
    const data = event.data.trim();
    if (data === '[DONE]') return [{ type: 'end' }];
    if (data === '') return [];
    const chunk = parseJsonData(data);
    if (!isJsonObject(chunk)) {
      return [
        {
          type: 'error',
          message: 'the upstream sent a stream event that is not a JSON object',
          code: 'PARAPET_UPSTREAM_BAD_RESPONSE',
        },
      ];
    }
    const out: ChatStreamEvent[] = [];
    if (isJsonObject(chunk['error'])) {
      const error = chunk['error'];
      const message =
        typeof error['message'] === 'string' ? error['message'] : 'the upstream reported an error';
      const code =
        typeof error['code'] === 'string'
          ? error['code']
          : typeof error['type'] === 'string'
            ? error['type']
            : undefined;
      out.push(code === undefined ? { type: 'error', message } : { type: 'error', message, code });
      return out;
    }
    // Azure sends a first chunk with an empty id (prompt filter results only); wait for the real one.
    if (!started && typeof chunk['id'] === 'string' && chunk['id'] !== '') {
      started = true;
      out.push({
        type: 'start',
        id: chunk['id'],
        model: typeof chunk['model'] === 'string' ? chunk['model'] : '',
        created: typeof chunk['created'] === 'number' ? chunk['created'] : 0,
      });
    }
    const choices = Array.isArray(chunk['choices']) ? chunk['choices'] : [];
    const choice = choices.find((c) => isJsonObject(c) && (c['index'] ?? 0) === 0);
    if (isJsonObject(choice)) {
      const delta = isJsonObject(choice['delta']) ? choice['delta'] : {};
      if (typeof delta['content'] === 'string' && delta['content'] !== '')
        out.push({ type: 'text', text: delta['content'] });
      if (typeof delta['refusal'] === 'string' && delta['refusal'] !== '')
        out.push({ type: 'text', text: delta['refusal'] });
      if (Array.isArray(delta['tool_calls'])) {
        for (const [position, item] of delta['tool_calls'].entries()) {
          if (!isJsonObject(item)) continue;
          const index = typeof item['index'] === 'number' ? item['index'] : position;
          const fn = isJsonObject(item['function']) ? item['function'] : {};
          if (!startedTools.has(index)) {
            startedTools.add(index);
            out.push({
              type: 'tool_call_start',
              index,
              id: typeof item['id'] === 'string' ? item['id'] : `call_${index}`,
              name: typeof fn['name'] === 'string' ? fn['name'] : '',
            });
          }
          if (typeof fn['arguments'] === 'string' && fn['arguments'] !== '') {
            out.push({ type: 'tool_call_delta', index, arguments: fn['arguments'] });
          }
        }
      }
      if (typeof choice['finish_reason'] === 'string') {
        out.push({ type: 'finish', stopReason: openaiFinishToStopReason(choice['finish_reason']) });
      }
    }
    if (isJsonObject(chunk['usage'])) {
      const usage = chunk['usage'];
      out.push({
        type: 'usage',
        usage: {
          inputTokens: typeof usage['prompt_tokens'] === 'number' ? usage['prompt_tokens'] : 0,
          outputTokens: typeof usage['completion_tokens'] === 'number' ? usage['completion_tokens'] : 0,
        },
      });
    }
    return out;
  };
}

/**
 * Encoder state machine. Every chunk carries id/object/created/model; the first content chunk is preceded
 * by a `delta.role: "assistant"` chunk; a usage event that arrives before `finish` is held back and sent
 * (as a chunk with empty `choices`) after the finish chunk, so the usage chunk is always last before `[DONE]`.
 */
function createStreamEncoder(): (event: ChatStreamEvent) => SseEvent[] {
  let id = OPENAI_SYNTHETIC_COMPLETION_ID;
  let model = '';
  let created = 0;
  let roleSent = false;
  let finished = false;
  let ended = false;
  let pendingUsage: Usage | undefined;
  const chunk = (fields: JsonObject): SseEvent => ({
    data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model, ...fields }),
  });
  const choiceChunk = (delta: JsonObject, finishReason: string | null = null): SseEvent =>
    chunk({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  const ensureRole = (out: SseEvent[]): void => {
    if (roleSent) return;
    roleSent = true;
    out.push(choiceChunk({ role: 'assistant', content: '', refusal: null }));
  };
  const usageChunk = (usage: Usage): SseEvent => chunk({ choices: [], usage: buildUsage(usage) });
  return (event) => {
    if (ended) return [];
    const out: SseEvent[] = [];
    switch (event.type) {
      case 'start':
        id = event.id;
        model = event.model;
        created = event.created;
        ensureRole(out);
        break;
      case 'text':
        ensureRole(out);
        out.push(choiceChunk({ content: event.text }));
        break;
      case 'tool_call_start':
        ensureRole(out);
        out.push(
          choiceChunk({
            tool_calls: [
              {
                index: event.index,
                id: event.id,
                type: 'function',
                function: { name: event.name, arguments: '' },
              },
            ],
          }),
        );
        break;
      case 'tool_call_delta':
        ensureRole(out);
        out.push(
          choiceChunk({ tool_calls: [{ index: event.index, function: { arguments: event.arguments } }] }),
        );
        break;
      case 'finish':
        ensureRole(out);
        finished = true;
        out.push(choiceChunk({}, stopReasonToOpenaiFinish(event.stopReason)));
        if (pendingUsage !== undefined) {
          out.push(usageChunk(pendingUsage));
          pendingUsage = undefined;
        }
        break;
      case 'usage':
        if (finished) out.push(usageChunk(event.usage));
        else pendingUsage = event.usage;
        break;
      case 'error':
        out.push({
          data: JSON.stringify({
            error: { message: event.message, type: 'api_error', code: event.code ?? null, param: null },
          }),
        });
        break;
      case 'end':
        if (pendingUsage !== undefined) out.push(usageChunk(pendingUsage));
        pendingUsage = undefined;
        ended = true;
        out.push({ data: '[DONE]' });
        break;
    }
    return out;
  };
}

function errorBody(code: string, message: string, type: string): Record<string, unknown> {
  return { error: { message, type, code, param: null } };
}

/** The OpenAI Chat Completions wire format. */
export const openaiChat: WireFormat = {
  name: 'openai-chat',
  parseRequest,
  buildRequest,
  parseResponse,
  buildResponse,
  createStreamDecoder,
  createStreamEncoder,
  errorBody,
};
