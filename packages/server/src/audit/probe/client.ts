/**
 * A minimal OpenAI-compatible Chat Completions client for the bias probes (`parapet audit bbq`,
 * `parapet audit counterfactual`). It speaks the wire format directly over `fetch` (undici, built into
 * Node) rather than through the `openai` package, which is only a development dependency of the
 * repository and so is absent from a production install of @parapet/server.
 *
 * Every request is deterministic as far as the API allows: temperature 0, one choice, a small
 * `max_tokens`, no streaming. Errors come back as ProbeHttpError, classified for the runner: retryable
 * (429, 408, 409, 5xx, network failures, timeouts), fatal (401, 403, 404: wrong key, model or URL) or
 * neither (another 4xx: that one item failed).
 */

/** One chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Token counts the endpoint reported for one answer. */
export interface Usage {
  prompt: number;
  completion: number;
  total: number;
}

/** One answer. */
export interface ChatAnswer {
  /** The assistant's text (the refusal text when the endpoint reported a refusal instead). */
  text: string;
  /** The endpoint answered with a `refusal` rather than content. */
  refusal: boolean;
  /** Null when the endpoint reported no usage. */
  usage: Usage | null;
  /** The model that answered, as the endpoint names it (may carry a version suffix). */
  model: string | null;
  finishReason: string | null;
}

/** Anything that answers chat messages: the HTTP client, or a stub in tests. */
export interface ChatClient {
  /** The Chat Completions URL requests go to. */
  readonly url: string;
  readonly model: string;
  complete(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<ChatAnswer>;
}

export interface ChatClientOptions {
  /**
   * Base URL of an OpenAI-compatible API (`https://api.openai.com/v1`, `http://localhost:8080/v1` for
   * the Parapet gateway), or the full `…/chat/completions` URL.
   */
  endpoint: string;
  model: string;
  /** Sent as `Authorization: Bearer <key>` when given. */
  key?: string | undefined;
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
  /** `max_tokens` of every request; default 32. */
  maxAnswerTokens?: number;
  /** Extra request headers. */
  headers?: Readonly<Record<string, string>>;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

/** Why one request failed, classified for the retry logic. */
export class ProbeHttpError extends Error {
  /** HTTP status, or null for a network failure or timeout. */
  readonly status: number | null;
  /** Worth retrying: 408, 409, 429, 5xx, network failures and timeouts. */
  readonly retryable: boolean;
  /** Retrying other items is pointless too: 401, 403, 404, or a connection that cannot be made. */
  readonly fatal: boolean;
  /** What the server asked for in `retry-after-ms` / `retry-after`, in milliseconds. */
  readonly retryAfterMs: number | null;
  /** The network error code (ECONNREFUSED, ENOTFOUND, …) when there was no HTTP answer. */
  readonly code: string | null;
  constructor(
    message: string,
    details: {
      status: number | null;
      retryable: boolean;
      fatal: boolean;
      retryAfterMs?: number | null;
      code?: string | null;
    },
  ) {
    super(message);
    this.name = 'ProbeHttpError';
    this.status = details.status;
    this.retryable = details.retryable;
    this.fatal = details.fatal;
    this.retryAfterMs = details.retryAfterMs ?? null;
    this.code = details.code ?? null;
  }
}

/** Network error codes that mean the endpoint cannot be reached at all (as opposed to a dropped connection). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_URL',
  'ERR_BAD_PORT',
]);

/**
 * The Chat Completions URL for an endpoint given as a base URL (`…/v1`) or as the full URL. Throws an
 * Error with a readable message for something that is not an http(s) URL.
 */
export function chatCompletionsUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`endpoint \`${endpoint}\` is not a URL (expected e.g. http://localhost:8080/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`endpoint \`${endpoint}\` must be an http:// or https:// URL`);
  if (url.search !== '' || url.hash !== '')
    throw new Error(`endpoint \`${endpoint}\` must not carry a query string or fragment`);
  let path = url.pathname;
  while (path.endsWith('/')) path = path.slice(0, -1);
  if (!path.endsWith('/chat/completions')) path = `${path}/chat/completions`;
  url.pathname = path;
  return url.toString();
}

/** Parses `retry-after-ms` (milliseconds) or `retry-after` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return null;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const date = Date.parse(after);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** Creates the HTTP client. Throws for an endpoint that is not an http(s) URL. */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const url = chatCompletionsUrl(options.endpoint);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxTokens = options.maxAnswerTokens ?? 32;
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...options.headers,
  };
  if (options.key !== undefined && options.key !== '') headers['authorization'] = `Bearer ${options.key}`;

  return {
    url,
    model: options.model,
    async complete(messages, signal) {
      const body = JSON.stringify({
        model: options.model,
        messages,
        temperature: 0,
        max_tokens: maxTokens,
        n: 1,
        stream: false,
      });
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, { method: 'POST', headers, body, signal: combined });
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
        const cause = innermostMessage(error);
        // fetch refuses the ports the Fetch standard blocks (6000, 6665–6669, …) with "bad port".
        const code = networkCode(error) ?? (cause === 'bad port' ? 'ERR_BAD_PORT' : null);
        const detail =
          code === 'ERR_BAD_PORT'
            ? 'fetch refuses this port (blocked by the Fetch standard); use another port'
            : (code ?? cause);
        throw new ProbeHttpError(`cannot reach ${url}: ${detail}`, {
          status: null,
          retryable: true,
          fatal: false,
          code,
        });
      }
      if (!response.ok) {
        const status = response.status;
        const message = `HTTP ${status} from ${url}: ${errorMessage(text)}`;
        throw new ProbeHttpError(message, {
          status,
          retryable: status === 408 || status === 409 || status === 429 || status >= 500,
          fatal: status === 401 || status === 403 || status === 404,
          retryAfterMs: parseRetryAfter(response.headers),
        });
      }
      return parseAnswer(text, url);
    },
  };
}

/** Reads a Chat Completions response body. Exported for tests. */
export function parseAnswer(text: string, url = 'the endpoint'): ChatAnswer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProbeHttpError(`${url} answered with something that is not JSON: ${snippet(text)}`, {
      status: 200,
      retryable: true,
      fatal: false,
    });
  }
  const body = json as {
    model?: unknown;
    choices?: { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown }[];
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown };
  };
  const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
  if (choice === undefined || typeof choice !== 'object' || choice === null)
    throw new ProbeHttpError(`${url} answered without choices: ${snippet(text)}`, {
      status: 200,
      retryable: false,
      fatal: false,
    });
  const content = choice.message?.content;
  const refusal = choice.message?.refusal;
  const answerText = contentText(content);
  const isRefusal = answerText === '' && typeof refusal === 'string' && refusal !== '';
  return {
    text: isRefusal ? (refusal as string) : answerText,
    refusal: isRefusal,
    usage: readUsage(body.usage),
    model: typeof body.model === 'string' ? body.model : null,
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
  };
}

/** Content as a string, or as an array of `{type: 'text', text}` parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string'
          ? (part as { text: string }).text
          : '',
      )
      .join('');
  }
  return '';
}

function readUsage(usage: unknown): Usage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const u = usage as { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown };
  const prompt = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  const total = typeof u.total_tokens === 'number' ? u.total_tokens : prompt + completion;
  if (typeof u.prompt_tokens !== 'number' && typeof u.total_tokens !== 'number') return null;
  return { prompt, completion, total };
}

/** The `error.message` of an OpenAI-style error body, else the start of the body. */
function errorMessage(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the body itself, shortened
  }
  return readErrorMessage(json) ?? snippet(text);
}

/** The message of an error body: `{error: "…"}`, `{error: {message}}` or `{message}`; null otherwise. */
export function readErrorMessage(json: unknown): string | null {
  const body = json as { error?: { message?: unknown } | string; message?: unknown } | undefined;
  if (body === undefined || body === null || typeof body !== 'object') return null;
  if (typeof body.error === 'string') return body.error;
  if (typeof body.error?.message === 'string') return body.error.message;
  if (typeof body.message === 'string') return body.message;
  return null;
}

/** A body shortened to one line of at most 200 characters, for error messages. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** The system error code of a failed fetch (undici puts it on `cause`). */
export function networkCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** The message of the deepest `cause` of an error (undici wraps the reason in `fetch failed`). */
function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const cause = (current as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message !== '') message = cause.message;
    current = cause;
  }
  return message;
}
