/**
 * The OpenAI Responses API wire format (`POST /v1/responses`) ↔ the neutral chat model.
 *
 * Mapping notes (what is kept, what is not):
 * - `instructions` becomes a system message placed first; on the way out, a leading text-only system
 *   message becomes `instructions` again. `developer` messages are read as `system`.
 * - Input items: messages (content string or `input_text` / `output_text` / `input_image` parts;
 *   `input_file`, `refusal` and other parts become `{type:'other', raw: part}`), `function_call` items
 *   (attached as tool calls to the assistant message just before them, or to a new one) and
 *   `function_call_output` items (tool messages). Any other item (`reasoning`, `item_reference`, built-in
 *   tool calls…) becomes an assistant message holding `{type:'other', raw: {responsesItem: item}}`, which
 *   `buildRequest`/`buildResponse` of this format re-emit in place and other formats ignore.
 * - Tools: only `type: 'function'` tools are kept; built-in tools (web_search, file_search, mcp, custom…)
 *   are dropped without error, as is a `tool_choice` that names one. `strict` is not part of the
 *   neutral model: built function tools carry `strict: false` (the Chat Completions default).
 * - `text.format` is stored in `responseFormat` in the Chat Completions `response_format` shape
 *   (`{type:'json_schema', json_schema:{name, schema, strict}}`), so it survives cross-format routing.
 * - Not kept: `previous_response_id`, `store`, `metadata`, `reasoning`, `include`, `truncation`,
 *   `parallel_tool_calls`, image `detail`, message `name`. Neutral `stop` sequences cannot be expressed
 *   in this format: `buildRequest` rejects them with `PARAPET_REQUEST_UNSUPPORTED`.
 */
import { type ErrorCode, ParapetError } from '../errors/codes.ts';
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ChatRole,
  ChatStreamEvent,
  ContentPart,
  StopReason,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  Usage,
} from '../model/chat.ts';
import type { SseEvent } from '../streaming/sse-event.ts';
import type { WireFormat } from './wire-format.ts';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): ParapetError {
  return new ParapetError('PARAPET_REQUEST_INVALID', message);
}

function badResponse(message: string): ParapetError {
  return new ParapetError('PARAPET_UPSTREAM_BAD_RESPONSE', message);
}

function optionalString(body: Json, key: string, path: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`\`${path}\` must be a string`);
  return value;
}

function requiredString(body: Json, key: string, path: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw invalid(`\`${path}\` must be a string`);
  return value;
}

function optionalNumber(body: Json, key: string, integer = false): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw invalid(`\`${key}\` must be ${integer ? 'an integer' : 'a number'}`);
  }
  return value;
}

/** The marker an item the neutral model does not understand travels in, inside an `other` content part. */
interface ItemCarrier {
  responsesItem: Json;
}

function carriedItem(part: ContentPart): Json | undefined {
  if (part.type !== 'other' || !isRecord(part.raw)) return undefined;
  const item = (part.raw as Partial<ItemCarrier>).responsesItem;
  return isRecord(item) ? item : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Content parts

function parseDataUrl(url: string): { data: string; mediaType: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const marker = url.indexOf(';base64,');
  if (marker < 0) return undefined;
  return { mediaType: url.slice(5, marker), data: url.slice(marker + 8) };
}

function parsePart(part: unknown, path: string): ContentPart {
  if (!isRecord(part) || typeof part.type !== 'string') {
    throw invalid(`\`${path}\` must be an object with a string \`type\``);
  }
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: requiredString(part, 'text', `${path}.text`) };
    case 'input_image': {
      const url = optionalString(part, 'image_url', `${path}.image_url`);
      if (url === undefined) return { type: 'other', raw: part };
      const data = parseDataUrl(url);
      return data ? { type: 'image', data: data.data, mediaType: data.mediaType } : { type: 'image', url };
    }
    default:
      return { type: 'other', raw: part };
  }
}

function parseContent(content: unknown, path: string): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(`\`${path}\` must be a string or an array of content parts`);
  return content.map((part, i) => parsePart(part, `${path}[${i}]`));
}

function buildInputPart(part: ContentPart): Json | undefined {
  switch (part.type) {
    case 'text':
      return { type: 'input_text', text: part.text };
    case 'image':
      if (part.url !== undefined) return { type: 'input_image', image_url: part.url, detail: 'auto' };
      if (part.data !== undefined) {
        const url = `data:${part.mediaType ?? 'image/png'};base64,${part.data}`;
        return { type: 'input_image', image_url: url, detail: 'auto' };
      }
      return undefined;
    default:
      return isRecord(part.raw) && typeof part.raw.type === 'string' && part.raw.type.startsWith('input_')
        ? part.raw
        : undefined;
  }
}

function buildOutputPart(part: ContentPart): Json | undefined {
  if (part.type === 'text') return { type: 'output_text', text: part.text, annotations: [] };
  if (
    part.type === 'other' &&
    isRecord(part.raw) &&
    (part.raw.type === 'refusal' || part.raw.type === 'output_text')
  ) {
    return part.raw;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Requests

const MESSAGE_ROLES: Record<string, ChatRole> = {
  user: 'user',
  assistant: 'assistant',
  system: 'system',
  developer: 'system',
};

function parseInputItem(item: unknown, path: string, messages: ChatMessage[]): void {
  if (!isRecord(item)) throw invalid(`\`${path}\` must be an object`);
  const type = item.type;
  if (type !== undefined && typeof type !== 'string') throw invalid(`\`${path}.type\` must be a string`);
  if (type === undefined || type === 'message') {
    const role = typeof item.role === 'string' ? MESSAGE_ROLES[item.role] : undefined;
    if (role === undefined) {
      throw invalid(`\`${path}.role\` must be one of \`user\`, \`assistant\`, \`system\` or \`developer\``);
    }
    messages.push({ role, content: parseContent(item.content, `${path}.content`) });
    return;
  }
  if (type === 'function_call') {
    const call: ToolCall = {
      id: requiredString(item, 'call_id', `${path}.call_id`),
      name: requiredString(item, 'name', `${path}.name`),
      arguments: requiredString(item, 'arguments', `${path}.arguments`),
    };
    const last = messages[messages.length - 1];
    if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), call];
    else messages.push({ role: 'assistant', content: [], toolCalls: [call] });
    return;
  }
  if (type === 'function_call_output') {
    const toolCallId = requiredString(item, 'call_id', `${path}.call_id`);
    messages.push({ role: 'tool', toolCallId, content: parseContent(item.output, `${path}.output`) });
    return;
  }
  const carrier: ItemCarrier = { responsesItem: item };
  messages.push({ role: 'assistant', content: [{ type: 'other', raw: carrier }] });
}

function parseTools(value: unknown): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('`tools` must be an array');
  const tools: ToolDefinition[] = [];
  value.forEach((tool, i) => {
    if (!isRecord(tool) || typeof tool.type !== 'string') {
      throw invalid(`\`tools[${i}]\` must be an object with a string \`type\``);
    }
    if (tool.type !== 'function') return;
    const definition: ToolDefinition = { name: requiredString(tool, 'name', `tools[${i}].name`) };
    const description = optionalString(tool, 'description', `tools[${i}].description`);
    if (description !== undefined) definition.description = description;
    if (tool.parameters !== undefined && tool.parameters !== null) {
      if (!isRecord(tool.parameters)) throw invalid(`\`tools[${i}].parameters\` must be an object`);
      definition.parameters = tool.parameters;
    }
    tools.push(definition);
  });
  return tools;
}

function parseToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isRecord(value) && typeof value.type === 'string') {
    if (value.type !== 'function') return undefined;
    return { name: requiredString(value, 'name', 'tool_choice.name') };
  }
  throw invalid('`tool_choice` must be `auto`, `none`, `required` or an object with a `type`');
}

/** `text.format` (Responses shape) → `response_format` (Chat Completions shape). */
function formatToNeutral(format: Json): unknown {
  if (format.type !== 'json_schema') return format;
  const { type: _type, ...schema } = format;
  return { type: 'json_schema', json_schema: schema };
}

/** `response_format` (Chat Completions shape) → `text.format` (Responses shape). */
function formatFromNeutral(format: unknown): Json | undefined {
  if (!isRecord(format) || typeof format.type !== 'string') return undefined;
  if (format.type === 'json_schema' && isRecord(format.json_schema)) {
    return { type: 'json_schema', ...format.json_schema };
  }
  return format;
}

function parseRequest(body: unknown): ChatRequest {
  if (!isRecord(body)) throw invalid('the request body must be a JSON object');
  const model = body.model;
  if (typeof model !== 'string' || model === '') throw invalid('`model` must be a non-empty string');

  const messages: ChatMessage[] = [];
  const instructions = optionalString(body, 'instructions', 'instructions');
  if (instructions !== undefined && instructions !== '') {
    messages.push({ role: 'system', content: [{ type: 'text', text: instructions }] });
  }
  const input = body.input;
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: [{ type: 'text', text: input }] });
  } else if (Array.isArray(input)) {
    input.forEach((item, i) => {
      parseInputItem(item, `input[${i}]`, messages);
    });
  } else if (input !== undefined && input !== null) {
    throw invalid('`input` must be a string or an array of input items');
  }

  const stream = body.stream ?? false;
  if (typeof stream !== 'boolean') throw invalid('`stream` must be a boolean');
  const request: ChatRequest = { model, messages, stream };

  const tools = parseTools(body.tools);
  if (tools !== undefined) request.tools = tools;
  const toolChoice = parseToolChoice(body.tool_choice);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const maxTokens = optionalNumber(body, 'max_output_tokens', true);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optionalNumber(body, 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p');
  if (topP !== undefined) request.topP = topP;
  const user = optionalString(body, 'user', 'user');
  if (user !== undefined) request.user = user;

  const text = body.text;
  if (text !== undefined && text !== null) {
    if (!isRecord(text)) throw invalid('`text` must be an object');
    const format = text.format;
    if (format !== undefined && format !== null) {
      if (!isRecord(format) || typeof format.type !== 'string') {
        throw invalid('`text.format` must be an object with a string `type`');
      }
      request.responseFormat = formatToNeutral(format);
    }
  }
  return request;
}

function buildMessageItems(message: ChatMessage, items: Json[]): void {
  if (message.role === 'tool') {
    if (message.toolCallId === undefined) {
      throw new ParapetError(
        'PARAPET_REQUEST_UNSUPPORTED',
        'a tool message without a tool call id cannot be sent to a Responses upstream',
      );
    }
    const parts = message.content.map(buildInputPart).filter((part) => part !== undefined);
    const single = parts.length === 1 ? parts[0] : undefined;
    const output = parts.length === 0 ? '' : single?.type === 'input_text' ? single.text : parts;
    items.push({ type: 'function_call_output', call_id: message.toolCallId, output });
    return;
  }
  let parts: Json[] = [];
  const flushParts = (): void => {
    if (parts.length === 0) return;
    const content = parts;
    parts = [];
    const single = content.length === 1 ? content[0] : undefined;
    const onlyText = single?.type === 'input_text' || single?.type === 'output_text';
    if (onlyText) items.push({ role: message.role, content: single?.text });
    else if (message.role === 'assistant')
      items.push({ type: 'message', role: 'assistant', content, status: 'completed' });
    else items.push({ role: message.role, content });
  };
  for (const part of message.content) {
    const carried = carriedItem(part);
    if (carried) {
      flushParts();
      items.push(carried);
      continue;
    }
    const built = message.role === 'assistant' ? buildOutputPart(part) : buildInputPart(part);
    if (built) parts.push(built);
  }
  flushParts();
  for (const call of message.toolCalls ?? []) {
    items.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: call.arguments });
  }
}

function buildRequest(request: ChatRequest, upstreamModel: string): Json {
  if (request.stop !== undefined && request.stop.length > 0) {
    throw new ParapetError(
      'PARAPET_REQUEST_UNSUPPORTED',
      '`stop` sequences cannot be sent to a Responses upstream; remove them or route to a chat upstream',
    );
  }
  const body: Json = { model: upstreamModel };
  let messages = request.messages;
  const first = messages[0];
  if (first?.role === 'system' && first.content.length > 0 && first.content.every((p) => p.type === 'text')) {
    body.instructions = first.content.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
    messages = messages.slice(1);
  }
  const items: Json[] = [];
  for (const message of messages) buildMessageItems(message, items);
  const only = items.length === 1 ? items[0] : undefined;
  body.input = only?.role === 'user' && typeof only.content === 'string' ? only.content : items;

  if (request.tools !== undefined) {
    body.tools = request.tools.map((tool) => {
      const built: Json = { type: 'function', name: tool.name };
      if (tool.description !== undefined) built.description = tool.description;
      built.parameters = tool.parameters ?? null;
      built.strict = false;
      return built;
    });
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === 'string'
        ? request.toolChoice
        : { type: 'function', name: request.toolChoice.name };
  }
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  const format = formatFromNeutral(request.responseFormat);
  if (format !== undefined) body.text = { format };
  if (request.user !== undefined) body.user = request.user;
  body.stream = request.stream;
  return body;
}

// ---------------------------------------------------------------------------------------------------------
// Responses

function stopReasonOf(status: unknown, incompleteReason: unknown, hasToolCalls: boolean): StopReason {
  if (status === 'incomplete') return incompleteReason === 'content_filter' ? 'content_filter' : 'length';
  if (status === 'completed') return hasToolCalls ? 'tool_calls' : 'stop';
  return 'error';
}

function usageOf(value: unknown): Usage | undefined {
  if (!isRecord(value)) return undefined;
  const { input_tokens: inputTokens, output_tokens: outputTokens } = value;
  if (typeof inputTokens !== 'number' || typeof outputTokens !== 'number') return undefined;
  return { inputTokens, outputTokens };
}

function parseResponse(body: unknown): ChatResponse {
  if (!isRecord(body) || !Array.isArray(body.output) || typeof body.id !== 'string') {
    throw badResponse('the upstream answer is not an OpenAI Responses object');
  }
  const content: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  for (const item of body.output) {
    if (!isRecord(item)) throw badResponse('an output item of the upstream answer is not an object');
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string') {
          content.push({ type: 'text', text: part.text });
        } else {
          content.push({ type: 'other', raw: part });
        }
      }
    } else if (item.type === 'function_call') {
      const { call_id: id, name, arguments: args } = item;
      if (typeof id !== 'string' || typeof name !== 'string' || typeof args !== 'string') {
        throw badResponse('a function call in the upstream answer lacks `call_id`, `name` or `arguments`');
      }
      toolCalls.push({ id, name, arguments: args });
    } else {
      const carrier: ItemCarrier = { responsesItem: item };
      content.push({ type: 'other', raw: carrier });
    }
  }
  const incomplete = isRecord(body.incomplete_details) ? body.incomplete_details.reason : undefined;
  const response: ChatResponse = {
    id: body.id,
    model: typeof body.model === 'string' ? body.model : '',
    created: typeof body.created_at === 'number' ? body.created_at : 0,
    content,
    toolCalls,
    stopReason: stopReasonOf(body.status, incomplete, toolCalls.length > 0),
  };
  const usage = usageOf(body.usage);
  if (usage !== undefined) response.usage = usage;
  return response;
}

function buildUsage(usage: Usage): Json {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

function statusOf(stopReason: StopReason): { status: ResponseStatus; reason?: string } {
  if (stopReason === 'length') return { status: 'incomplete', reason: 'max_output_tokens' };
  if (stopReason === 'content_filter') return { status: 'incomplete', reason: 'content_filter' };
  if (stopReason === 'error') return { status: 'failed' };
  return { status: 'completed' };
}

const FAILED_MESSAGE = 'the upstream failed to complete the response';

/** The `response` object shared by non-streamed answers and the stream's lifecycle events. */
function responseObject(fields: {
  id: string;
  model: string;
  created: number;
  status: ResponseStatus;
  output: Json[];
  incompleteReason?: string;
  error?: { code: string; message: string };
  usage?: Usage;
}): Json {
  const body: Json = {
    id: fields.id,
    object: 'response',
    created_at: fields.created,
    status: fields.status,
    error: fields.error ?? null,
    incomplete_details: fields.incompleteReason === undefined ? null : { reason: fields.incompleteReason },
    instructions: null,
    max_output_tokens: null,
    model: fields.model,
    output: fields.output,
    parallel_tool_calls: true,
    previous_response_id: null,
    temperature: null,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: null,
    metadata: {},
  };
  if (fields.usage !== undefined) body.usage = buildUsage(fields.usage);
  return body;
}

function messageItem(id: string, content: Json[], status: string): Json {
  return { id, type: 'message', status, role: 'assistant', content };
}

function functionCallItem(call: ToolCall, status: string): Json {
  return {
    id: `fc_${call.id}`,
    type: 'function_call',
    status,
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
  };
}

function buildResponse(response: ChatResponse): Json {
  const { status, reason } = statusOf(response.stopReason);
  const itemStatus = status === 'completed' ? 'completed' : 'incomplete';
  const output: Json[] = [];
  let parts: Json[] = [];
  let messages = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    const id = messages === 0 ? `msg_${response.id}` : `msg_${response.id}_${messages}`;
    messages += 1;
    output.push(messageItem(id, parts, itemStatus));
    parts = [];
  };
  for (const part of response.content) {
    const carried = carriedItem(part);
    if (carried) {
      flush();
      output.push(carried);
      continue;
    }
    const built = buildOutputPart(part);
    if (built) parts.push(built);
  }
  flush();
  for (const call of response.toolCalls) output.push(functionCallItem(call, 'completed'));
  return responseObject({
    id: response.id,
    model: response.model,
    created: response.created,
    status,
    output,
    ...(reason === undefined ? {} : { incompleteReason: reason }),
    ...(status === 'failed' ? { error: { code: 'server_error', message: FAILED_MESSAGE } } : {}),
    ...(response.usage === undefined ? {} : { usage: response.usage }),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Streams

function createStreamDecoder(): (event: SseEvent) => ChatStreamEvent[] {
  /** Function-call items by output index: their neutral tool index and the arguments seen so far. */
  const calls = new Map<number, { index: number; args: string }>();
  /** Text seen so far per `output_index:content_index`, to reconcile `.done` events. */
  const texts = new Map<string, string>();
  let done = false;

  const startCall = (
    outputIndex: number,
    item: Json,
    out: ChatStreamEvent[],
  ): { index: number; args: string } => {
    const call = { index: calls.size, args: '' };
    calls.set(outputIndex, call);
    const id = typeof item.call_id === 'string' ? item.call_id : `call_${outputIndex}`;
    out.push({
      type: 'tool_call_start',
      index: call.index,
      id,
      name: typeof item.name === 'string' ? item.name : '',
    });
    return call;
  };
  /** Emits whatever part of the final arguments was not streamed as deltas. */
  const reconcileCall = (
    call: { index: number; args: string },
    full: unknown,
    out: ChatStreamEvent[],
  ): void => {
    if (typeof full !== 'string' || full.length <= call.args.length || !full.startsWith(call.args)) return;
    out.push({ type: 'tool_call_delta', index: call.index, arguments: full.slice(call.args.length) });
    call.args = full;
  };
  const finish = (response: unknown, out: ChatStreamEvent[]): void => {
    const body = isRecord(response) ? response : {};
    const incomplete = isRecord(body.incomplete_details) ? body.incomplete_details.reason : undefined;
    out.push({ type: 'finish', stopReason: stopReasonOf(body.status, incomplete, calls.size > 0) });
    const usage = usageOf(body.usage);
    if (usage !== undefined) out.push({ type: 'usage', usage });
    out.push({ type: 'end' });
    done = true;
  };

  return (sse) => {
    if (done || sse.data === '[DONE]') return [];
    let data: unknown;
    try {
      data = JSON.parse(sse.data);
    } catch {
      throw badResponse('the upstream sent a stream event that is not JSON');
    }
    if (!isRecord(data)) throw badResponse('the upstream sent a stream event that is not a JSON object');
    const type = typeof data.type === 'string' ? data.type : sse.event;
    const outputIndex = typeof data.output_index === 'number' ? data.output_index : 0;
    const out: ChatStreamEvent[] = [];
    switch (type) {
      case 'response.created': {
        const response = isRecord(data.response) ? data.response : {};
        out.push({
          type: 'start',
          id: typeof response.id === 'string' ? response.id : '',
          model: typeof response.model === 'string' ? response.model : '',
          created: typeof response.created_at === 'number' ? response.created_at : 0,
        });
        break;
      }
      case 'response.output_item.added': {
        if (isRecord(data.item) && data.item.type === 'function_call' && !calls.has(outputIndex)) {
          const call = startCall(outputIndex, data.item, out);
          reconcileCall(call, data.item.arguments, out);
        }
        break;
      }
      case 'response.output_text.delta': {
        if (typeof data.delta === 'string' && data.delta !== '') {
          const key = `${outputIndex}:${data.content_index ?? 0}`;
          texts.set(key, (texts.get(key) ?? '') + data.delta);
          out.push({ type: 'text', text: data.delta });
        }
        break;
      }
      case 'response.output_text.done': {
        const key = `${outputIndex}:${data.content_index ?? 0}`;
        const seen = texts.get(key) ?? '';
        if (typeof data.text === 'string' && data.text.length > seen.length && data.text.startsWith(seen)) {
          out.push({ type: 'text', text: data.text.slice(seen.length) });
          texts.set(key, data.text);
        }
        break;
      }
      case 'response.function_call_arguments.delta': {
        const call = calls.get(outputIndex) ?? startCall(outputIndex, {}, out);
        if (typeof data.delta === 'string' && data.delta !== '') {
          call.args += data.delta;
          out.push({ type: 'tool_call_delta', index: call.index, arguments: data.delta });
        }
        break;
      }
      case 'response.function_call_arguments.done': {
        const call = calls.get(outputIndex);
        if (call) reconcileCall(call, data.arguments, out);
        break;
      }
      case 'response.output_item.done': {
        if (isRecord(data.item) && data.item.type === 'function_call') {
          const call = calls.get(outputIndex) ?? startCall(outputIndex, data.item, out);
          reconcileCall(call, data.item.arguments, out);
        }
        break;
      }
      case 'response.completed':
      case 'response.incomplete':
        finish(data.response, out);
        break;
      case 'response.failed': {
        const response = isRecord(data.response) ? data.response : {};
        const error = isRecord(response.error) ? response.error : {};
        const event: ChatStreamEvent = {
          type: 'error',
          message: typeof error.message === 'string' ? error.message : FAILED_MESSAGE,
        };
        if (typeof error.code === 'string') event.code = error.code;
        out.push(event, { type: 'end' });
        done = true;
        break;
      }
      case 'error': {
        const event: ChatStreamEvent = {
          type: 'error',
          message: typeof data.message === 'string' ? data.message : 'the upstream reported an error',
        };
        if (typeof data.code === 'string') event.code = data.code;
        out.push(event, { type: 'end' });
        done = true;
        break;
      }
      default:
        break;
    }
    return out;
  };
}

interface EncoderItem {
  kind: 'message' | 'function_call';
  outputIndex: number;
  id: string;
  open: boolean;
  /** Message text, or function-call arguments. */
  text: string;
  callId: string;
  name: string;
}

function createStreamEncoder(): (event: ChatStreamEvent) => SseEvent[] {
  let sequence = 0;
  let started = false;
  let finished = false;
  let id = 'resp_parapet';
  let model = '';
  let created = 0;
  let stopReason: StopReason | undefined;
  let usage: Usage | undefined;
  let messageCount = 0;
  const items: EncoderItem[] = [];
  const calls = new Map<number, EncoderItem>();
  let open: EncoderItem | undefined;

  const emit = (out: SseEvent[], type: string, payload: Json): void => {
    out.push({ event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...payload }) });
  };
  const itemBody = (item: EncoderItem, status: string): Json =>
    item.kind === 'message'
      ? messageItem(
          item.id,
          item.open ? [] : [{ type: 'output_text', text: item.text, annotations: [] }],
          status,
        )
      : functionCallItem({ id: item.callId, name: item.name, arguments: item.open ? '' : item.text }, status);
  const snapshot = (
    status: ResponseStatus,
    extra: { incompleteReason?: string; error?: { code: string; message: string } } = {},
  ): Json => {
    const itemStatus = status === 'incomplete' ? 'incomplete' : 'completed';
    return responseObject({
      id,
      model,
      created,
      status,
      output: status === 'in_progress' ? [] : items.map((item) => itemBody(item, itemStatus)),
      ...extra,
      ...(usage === undefined || status === 'in_progress' ? {} : { usage }),
    });
  };
  const ensureStarted = (out: SseEvent[]): void => {
    if (started) return;
    started = true;
    emit(out, 'response.created', { response: snapshot('in_progress') });
    emit(out, 'response.in_progress', { response: snapshot('in_progress') });
  };
  const closeOpen = (out: SseEvent[]): void => {
    const item = open;
    if (item === undefined) return;
    open = undefined;
    item.open = false;
    const where = { item_id: item.id, output_index: item.outputIndex };
    if (item.kind === 'message') {
      const part = { type: 'output_text', text: item.text, annotations: [] };
      emit(out, 'response.output_text.done', { ...where, content_index: 0, text: item.text, logprobs: [] });
      emit(out, 'response.content_part.done', { ...where, content_index: 0, part });
    } else {
      emit(out, 'response.function_call_arguments.done', { ...where, name: item.name, arguments: item.text });
    }
    emit(out, 'response.output_item.done', {
      output_index: item.outputIndex,
      item: itemBody(item, 'completed'),
    });
  };
  const openItem = (out: SseEvent[], item: EncoderItem): void => {
    closeOpen(out);
    items.push(item);
    open = item;
    emit(out, 'response.output_item.added', {
      output_index: item.outputIndex,
      item: itemBody(item, 'in_progress'),
    });
    if (item.kind === 'message') {
      const part = { type: 'output_text', text: '', annotations: [] };
      emit(out, 'response.content_part.added', {
        item_id: item.id,
        output_index: item.outputIndex,
        content_index: 0,
        part,
      });
    }
  };
  const callItem = (out: SseEvent[], index: number, callId: string, name: string): EncoderItem => {
    const item: EncoderItem = {
      kind: 'function_call',
      outputIndex: items.length,
      id: `fc_${callId}`,
      open: true,
      text: '',
      callId,
      name,
    };
    calls.set(index, item);
    openItem(out, item);
    return item;
  };
  const terminate = (out: SseEvent[]): void => {
    closeOpen(out);
    finished = true;
    const { status, reason } = statusOf(stopReason ?? 'stop');
    if (status === 'failed') {
      const error = { code: 'server_error', message: FAILED_MESSAGE };
      emit(out, 'response.failed', { response: snapshot('failed', { error }) });
    } else if (status === 'incomplete') {
      emit(out, 'response.incomplete', {
        response: snapshot('incomplete', { incompleteReason: reason ?? '' }),
      });
    } else {
      emit(out, 'response.completed', { response: snapshot('completed') });
    }
  };

  return (event) => {
    const out: SseEvent[] = [];
    if (finished) return out;
    if (event.type === 'start') {
      if (!started) {
        id = event.id;
        model = event.model;
        created = event.created;
      }
      ensureStarted(out);
      return out;
    }
    ensureStarted(out);
    switch (event.type) {
      case 'text': {
        if (event.text === '') break;
        let item = open;
        if (item?.kind !== 'message') {
          item = {
            kind: 'message',
            outputIndex: items.length,
            id: messageCount === 0 ? `msg_${id}` : `msg_${id}_${messageCount}`,
            open: true,
            text: '',
            callId: '',
            name: '',
          };
          messageCount += 1;
          openItem(out, item);
        }
        item.text += event.text;
        emit(out, 'response.output_text.delta', {
          item_id: item.id,
          output_index: item.outputIndex,
          content_index: 0,
          delta: event.text,
          logprobs: [],
        });
        break;
      }
      case 'tool_call_start':
        if (!calls.has(event.index)) callItem(out, event.index, event.id, event.name);
        break;
      case 'tool_call_delta': {
        const item = calls.get(event.index) ?? callItem(out, event.index, `call_${event.index}`, '');
        item.text += event.arguments;
        emit(out, 'response.function_call_arguments.delta', {
          item_id: item.id,
          output_index: item.outputIndex,
          delta: event.arguments,
        });
        break;
      }
      case 'finish':
        stopReason = event.stopReason;
        closeOpen(out);
        break;
      case 'usage':
        usage = event.usage;
        break;
      case 'error': {
        closeOpen(out);
        emit(out, 'error', { code: event.code ?? 'server_error', message: event.message, param: null });
        stopReason = 'error';
        terminate(out);
        break;
      }
      case 'end':
        terminate(out);
        break;
    }
    return out;
  };
}

function errorBody(code: ErrorCode, message: string, type: string): Json {
  return { error: { message, type, code, param: null } };
}

/** The OpenAI Responses API (`/v1/responses`) translator; see the module comment for what it keeps. */
export const openaiResponses: WireFormat = {
  name: 'openai-responses',
  parseRequest,
  buildRequest,
  parseResponse,
  buildResponse,
  createStreamDecoder,
  createStreamEncoder,
  errorBody,
};
