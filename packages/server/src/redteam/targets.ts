/**
 * Red-team targets: what the attempts are sent to.
 *
 * - `openai`: any OpenAI-compatible Chat Completions endpoint (`…/v1` or the full URL), tools as
 *   `tools: [{type: 'function', …}]`, simulated tool results as `tool` messages;
 * - `anthropic`: the Anthropic Messages API (`…/v1/messages`), tools as `tools: [{name, input_schema}]`,
 *   tool results as `tool_result` blocks;
 * - `http`: an application with its own API, described by a request template (JSON with `{{prompt}}`,
 *   `{{messages}}`, `{{system}}`, `{{model}}` placeholders) and a response path (`data.reply.text`).
 *
 * Through a Parapet gateway (`--via-gateway`) the same adapters read the gateway's `x-parapet-decision`
 * and `x-parapet-event-id` headers, and a policy block (`PARAPET_POLICY_*` error codes) becomes a
 * blocked reply rather than an error.
 *
 * `converse` is the multi-turn driver: it sends the attempt's conversation, then each further turn of a
 * multi-turn probe with the whole conversation so far (the target's answers included), so stateless
 * model APIs see the escalation the way a chat user's session would.
 *
 * Errors are ProbeHttpError (audit/probe/client.ts) so the fairness runner's retry logic applies:
 * retryable (429, 408, 409, 5xx, network, timeouts), fatal (401, 403, 404), or one attempt's failure.
 */
import {
  networkCode,
  ProbeHttpError,
  parseRetryAfter,
  readErrorMessage,
  snippet,
} from '../audit/probe/client.ts';
import type { Attempt, ProbeMessage, ProbeTool, TargetReply } from './types.ts';

export type TargetType = 'openai' | 'anthropic' | 'http';

export interface TargetOptions {
  type: TargetType;
  /** Base URL (`…/v1`), the full endpoint URL, or the application's URL for `http`. */
  url: string;
  model: string;
  key?: string | undefined;
  /** Read the gateway's headers and treat policy blocks as blocked replies. */
  gateway?: boolean;
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
  /** `max_tokens` of each request; default 512. */
  maxTokens?: number;
  /** `http` targets: the request body template (parsed JSON). */
  requestTemplate?: unknown;
  /** `http` targets: dot path of the reply text in the response JSON (`data.reply.text`, `choices.0.text`). */
  responsePath?: string;
  headers?: Readonly<Record<string, string>>;
  fetch?: typeof fetch;
}

/** One call's outcome. */
export interface TurnResult {
  text: string;
  toolCalls: { name: string; arguments: string }[];
  status: number;
  gateway: TargetReply['gateway'];
  /** The gateway stopped the request (or its answer). */
  blocked: boolean;
  tokens: number | null;
}

export interface Target {
  readonly type: TargetType;
  readonly url: string;
  readonly model: string;
  readonly viaGateway: boolean;
  /** Sends one request: the system prompt first, then the conversation. */
  call(
    messages: readonly ProbeMessage[],
    tools: readonly ProbeTool[],
    signal?: AbortSignal,
  ): Promise<TurnResult>;
}

/** Error codes of the gateway that mean the policy stopped the request. */
function isPolicyCode(code: string | null): boolean {
  return code?.startsWith('PARAPET_POLICY') === true;
}

/** Creates a target. Throws an Error with a readable message for a bad URL or missing template. */
export function createTarget(options: TargetOptions): Target {
  const url = endpointUrl(options.type, options.url);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxTokens = options.maxTokens ?? 512;
  const doFetch = options.fetch ?? fetch;
  const viaGateway = options.gateway === true;
  if (options.type === 'http') {
    if (options.requestTemplate === undefined)
      throw new Error('an http target needs --request-template FILE (JSON with {{prompt}} or {{messages}})');
    if (options.responsePath === undefined || options.responsePath === '')
      throw new Error('an http target needs --response-path (e.g. data.reply.text)');
  }

  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.key !== undefined && options.key !== '') {
    if (options.type === 'anthropic' && !viaGateway) headers['x-api-key'] = options.key;
    else headers['authorization'] = `Bearer ${options.key}`;
  }
  if (options.type === 'anthropic') headers['anthropic-version'] = '2023-06-01';
  Object.assign(headers, options.headers);

  const body = (messages: readonly ProbeMessage[], tools: readonly ProbeTool[]): unknown => {
    switch (options.type) {
      case 'openai':
        return openAiBody(options.model, messages, tools, maxTokens);
      case 'anthropic':
        return anthropicBody(options.model, messages, tools, maxTokens);
      case 'http':
        return fillTemplate(options.requestTemplate, templateValues(options.model, messages));
    }
  };

  return {
    type: options.type,
    url,
    model: options.model,
    viaGateway,
    async call(messages, tools, signal) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body(messages, tools)),
          signal: combined,
        });
        text = await response.text();
      } catch (error) {
        if (signal?.aborted === true) throw error;
        if (timeout.aborted)
          throw new ProbeHttpError(`no answer within ${timeoutMs / 1000} s`, {
            status: null,
            retryable: true,
            fatal: false,
            code: 'ETIMEDOUT',
          });
        const code = networkCode(error);
        throw new ProbeHttpError(`cannot reach ${url}: ${code ?? (error as Error).message}`, {
          status: null,
          retryable: true,
          fatal: false,
          code,
        });
      }
      const json = parseJson(text);
      const errorCode = readErrorCode(json);
      const gateway = viaGateway
        ? {
            decision: response.headers.get('x-parapet-decision'),
            errorCode,
            eventId: response.headers.get('x-parapet-event-id'),
          }
        : null;
      const decision = gateway?.decision ?? null;
      if (viaGateway && (isPolicyCode(errorCode) || decision?.startsWith('block') === true)) {
        return {
          text: readErrorMessage(json) ?? '',
          toolCalls: [],
          status: response.status,
          gateway,
          blocked: true,
          tokens: null,
        };
      }
      if (!response.ok) {
        const status = response.status;
        throw new ProbeHttpError(`HTTP ${status} from ${url}: ${readErrorMessage(json) ?? snippet(text)}`, {
          status,
          retryable: status === 408 || status === 409 || status === 429 || status >= 500,
          fatal: status === 401 || status === 403 || status === 404,
          retryAfterMs: parseRetryAfter(response.headers),
        });
      }
      if (json === undefined)
        throw new ProbeHttpError(`${url} answered with something that is not JSON: ${snippet(text)}`, {
          status: response.status,
          retryable: true,
          fatal: false,
        });
      const parsed =
        options.type === 'openai'
          ? readOpenAi(json)
          : options.type === 'anthropic'
            ? readAnthropic(json)
            : readHttp(json, options.responsePath!, url);
      return { ...parsed, status: response.status, gateway, blocked: false };
    },
  };
}

/**
 * The multi-turn driver: sends the attempt (system prompt first), then each further turn with the
 * conversation so far. Stops at a block. Returns the reply and the tokens the target reported.
 */
export async function converse(
  target: Target,
  attempt: Attempt,
  systemPrompt: string,
  signal?: AbortSignal,
): Promise<{ reply: TargetReply; tokens: number | null; calls: number }> {
  const conversation: ProbeMessage[] = [{ role: 'system', content: systemPrompt }, ...attempt.messages];
  const transcript: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const m of attempt.messages)
    if (m.role === 'user') transcript.push({ role: 'user', content: m.content });
  const toolCalls: { name: string; arguments: string }[] = [];
  let tokens: number | null = null;
  let calls = 0;
  let last: TurnResult | null = null;
  const turns = ['', ...attempt.turns];
  for (let i = 0; i < turns.length; i++) {
    if (i > 0) {
      const content = turns[i]!;
      conversation.push({ role: 'user', content });
      transcript.push({ role: 'user', content });
    }
    last = await target.call(conversation, attempt.tools, signal);
    calls++;
    if (last.tokens !== null) tokens = (tokens ?? 0) + last.tokens;
    toolCalls.push(...last.toolCalls);
    const said =
      last.text !== ''
        ? last.text
        : last.toolCalls.length > 0
          ? `(called ${last.toolCalls.map((c) => c.name).join(', ')})`
          : '';
    transcript.push({ role: 'assistant', content: said });
    if (last.blocked) break;
    conversation.push({ role: 'assistant', content: said });
  }
  return {
    reply: {
      text: last?.text ?? '',
      transcript,
      toolCalls,
      status: last?.status ?? 0,
      gateway: last?.gateway ?? null,
      error: null,
    },
    tokens,
    calls,
  };
}

// ---------------------------------------------------------------------------------------------------
// URLs

function endpointUrl(type: TargetType, endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`target \`${endpoint}\` is not a URL (expected e.g. http://localhost:8080/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`target \`${endpoint}\` must be an http:// or https:// URL`);
  if (type === 'http') return url.toString();
  let path = url.pathname;
  while (path.endsWith('/')) path = path.slice(0, -1);
  if (type === 'openai' && !path.endsWith('/chat/completions')) path = `${path}/chat/completions`;
  if (type === 'anthropic' && !path.endsWith('/messages'))
    path = path.endsWith('/v1') ? `${path}/messages` : `${path}/v1/messages`;
  url.pathname = path;
  return url.toString();
}

// ---------------------------------------------------------------------------------------------------
// OpenAI Chat Completions

function openAiBody(
  model: string,
  messages: readonly ProbeMessage[],
  tools: readonly ProbeTool[],
  maxTokens: number,
): unknown {
  const out: Record<string, unknown>[] = [];
  let pendingCalls = new Set<string>();
  messages.forEach((m, i) => {
    if (m.role === 'tool') {
      const id = m.toolCallId ?? `call_${i}`;
      if (!pendingCalls.has(id)) {
        // A tool result needs the assistant's call before it: simulate one.
        out.push({
          role: 'assistant',
          content: null,
          tool_calls: [{ id, type: 'function', function: { name: 'fetch_document', arguments: '{}' } }],
        });
      }
      pendingCalls.delete(id);
      out.push({ role: 'tool', tool_call_id: id, content: m.content });
      return;
    }
    if (m.role === 'assistant' && m.toolCalls !== undefined && m.toolCalls.length > 0) {
      pendingCalls = new Set(m.toolCalls.map((c) => c.id));
      out.push({
        role: 'assistant',
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        })),
      });
      return;
    }
    out.push({ role: m.role, content: m.content });
  });
  return {
    model,
    messages: out,
    temperature: 0,
    max_tokens: maxTokens,
    n: 1,
    stream: false,
    ...(tools.length > 0
      ? {
          tools: tools.map((t) => ({
            type: 'function',
            function: { name: t.name, description: t.description, parameters: t.parameters },
          })),
        }
      : {}),
  };
}

function readOpenAi(json: unknown): Pick<TurnResult, 'text' | 'toolCalls' | 'tokens'> {
  const body = json as {
    choices?: {
      message?: {
        content?: unknown;
        refusal?: unknown;
        tool_calls?: { function?: { name?: unknown; arguments?: unknown } }[];
      };
    }[];
    usage?: { total_tokens?: unknown };
  };
  const message = Array.isArray(body.choices) ? body.choices[0]?.message : undefined;
  if (message === undefined)
    throw new ProbeHttpError(`the target answered without choices: ${snippet(JSON.stringify(json))}`, {
      status: 200,
      retryable: false,
      fatal: false,
    });
  let text = contentText(message.content);
  if (text === '' && typeof message.refusal === 'string') text = message.refusal;
  const toolCalls = Array.isArray(message.tool_calls)
    ? message.tool_calls.map((c) => ({
        name: String(c.function?.name ?? ''),
        arguments: typeof c.function?.arguments === 'string' ? c.function.arguments : '{}',
      }))
    : [];
  const total = body.usage?.total_tokens;
  return { text, toolCalls, tokens: typeof total === 'number' ? total : null };
}

// ---------------------------------------------------------------------------------------------------
// Anthropic Messages

function anthropicBody(
  model: string,
  messages: readonly ProbeMessage[],
  tools: readonly ProbeTool[],
  maxTokens: number,
): unknown {
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const out: { role: 'user' | 'assistant'; content: Record<string, unknown>[] }[] = [];
  const push = (role: 'user' | 'assistant', block: Record<string, unknown>) => {
    const last = out[out.length - 1];
    if (last !== undefined && last.role === role) last.content.push(block);
    else out.push({ role, content: [block] });
  };
  let pending = new Set<string>();
  messages.forEach((m, i) => {
    if (m.role === 'system') return;
    if (m.role === 'tool') {
      const id = m.toolCallId ?? `toolu_${i}`;
      if (!pending.has(id)) push('assistant', { type: 'tool_use', id, name: 'fetch_document', input: {} });
      pending.delete(id);
      push('user', { type: 'tool_result', tool_use_id: id, content: m.content });
      return;
    }
    if (m.role === 'assistant') {
      if (m.content !== '') push('assistant', { type: 'text', text: m.content });
      pending = new Set();
      for (const c of m.toolCalls ?? []) {
        pending.add(c.id);
        push('assistant', { type: 'tool_use', id: c.id, name: c.name, input: parseObject(c.arguments) });
      }
      return;
    }
    push('user', { type: 'text', text: m.content });
  });
  return {
    model,
    max_tokens: maxTokens,
    temperature: 0,
    ...(system === '' ? {} : { system }),
    messages: out,
    ...(tools.length > 0
      ? {
          tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })),
        }
      : {}),
  };
}

function readAnthropic(json: unknown): Pick<TurnResult, 'text' | 'toolCalls' | 'tokens'> {
  const body = json as {
    content?: { type?: unknown; text?: unknown; name?: unknown; input?: unknown }[];
    usage?: { input_tokens?: unknown; output_tokens?: unknown };
  };
  if (!Array.isArray(body.content))
    throw new ProbeHttpError(`the target answered without content: ${snippet(JSON.stringify(json))}`, {
      status: 200,
      retryable: false,
      fatal: false,
    });
  const text = body.content
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
  const toolCalls = body.content
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ name: String(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) }));
  const i = body.usage?.input_tokens;
  const o = body.usage?.output_tokens;
  const tokens = typeof i === 'number' || typeof o === 'number' ? Number(i ?? 0) + Number(o ?? 0) : null;
  return { text, toolCalls, tokens };
}

// ---------------------------------------------------------------------------------------------------
// HTTP applications

interface TemplateValues {
  prompt: string;
  system: string;
  model: string;
  messages: { role: string; content: string }[];
}

function templateValues(model: string, messages: readonly ProbeMessage[]): TemplateValues {
  const users = messages.filter((m) => m.role === 'user');
  // An application without a messages field sees tool results and documents inlined into the prompt.
  const tools = messages.filter((m) => m.role === 'tool').map((m) => m.content);
  const last = users[users.length - 1]?.content ?? '';
  return {
    prompt: tools.length > 0 && users.length <= 1 ? [...tools, last].join('\n\n') : last,
    system: messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n'),
    model,
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
  };
}

const PLACEHOLDER = /\{\{\s*(prompt|system|model|messages)\s*\}\}/g;

/**
 * Fills a request template: a string that is exactly `{{messages}}` becomes the message array; in any
 * other string `{{prompt}}`, `{{system}}`, `{{model}}` are replaced by their text (`{{messages}}` by its
 * JSON). Exported for tests.
 */
export function fillTemplate(template: unknown, values: TemplateValues): unknown {
  if (typeof template === 'string') {
    if (/^\{\{\s*messages\s*\}\}$/.test(template)) return values.messages;
    return template.replace(PLACEHOLDER, (_, name: string) =>
      name === 'messages' ? JSON.stringify(values.messages) : values[name as 'prompt' | 'system' | 'model'],
    );
  }
  if (Array.isArray(template)) return template.map((t) => fillTemplate(t, values));
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = fillTemplate(v, values);
    return out;
  }
  return template;
}

/** Reads a dot path (`data.reply.text`, `choices.0.message.content`) from JSON; undefined when absent. */
export function readPath(json: unknown, path: string): unknown {
  let current: unknown = json;
  for (const part of path.split('.')) {
    if (part === '') continue;
    if (Array.isArray(current)) current = /^\d+$/.test(part) ? current[Number(part)] : undefined;
    else if (current !== null && typeof current === 'object')
      current = Object.hasOwn(current, part) ? (current as Record<string, unknown>)[part] : undefined;
    else return undefined;
  }
  return current;
}

function readHttp(
  json: unknown,
  path: string,
  url: string,
): Pick<TurnResult, 'text' | 'toolCalls' | 'tokens'> {
  const value = readPath(json, path);
  if (value === undefined || value === null)
    throw new ProbeHttpError(
      `${url} answered without \`${path}\` (check --response-path): ${snippet(JSON.stringify(json))}`,
      { status: 200, retryable: false, fatal: false },
    );
  return { text: typeof value === 'string' ? value : JSON.stringify(value), toolCalls: [], tokens: null };
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseObject(text: string): unknown {
  const value = parseJson(text);
  return value !== null && typeof value === 'object' ? value : {};
}

function readErrorCode(json: unknown): string | null {
  const error = (json as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error === 'object' && error !== null && typeof error.code === 'string' ? error.code : null;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((p) =>
        typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string'
          ? (p as { text: string }).text
          : '',
      )
      .join('');
  return '';
}
