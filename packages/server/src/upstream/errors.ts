/**
 * Errors raised while talking to an upstream model provider. Retries and fallbacks match on the class,
 * never on the message (the shape follows openai-node's `APIError.generate`).
 *
 * Messages name the upstream (its configured name) and what went wrong in one sentence; they never carry
 * header values (API keys) nor request or response content. The upstream's own error body is kept apart
 * in `UpstreamStatusError.bodyText` (truncated) for whoever decides what to show the client.
 */

/** The largest `bodyText` kept on an `UpstreamStatusError`, in UTF-16 code units. */
export const MAX_ERROR_BODY_CHARS = 4096;

/** Statuses worth another attempt: rate limits, transient server errors and Anthropic's 529 "overloaded". */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504, 529]);

/** Base class: something went wrong with the upstream called `upstream`. */
export class UpstreamError extends Error {
  /** The configured name of the upstream (e.g. `openai`), never its URL or key. */
  readonly upstream: string;
  constructor(upstream: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.upstream = upstream;
  }
}

/** The connection could not be made or broke: refused, reset, DNS failure, socket closed mid-body. */
export class UpstreamConnectionError extends UpstreamError {
  /** The low-level error code when there is one (`ECONNREFUSED`, `UND_ERR_SOCKET`, …). */
  readonly code: string | undefined;
  constructor(upstream: string, message: string, options?: { cause?: unknown; code?: string }) {
    super(upstream, message, options);
    this.name = 'UpstreamConnectionError';
    this.code = options?.code;
  }
}

/** Where a timeout happened: opening the connection, waiting for the response headers, or reading the body. */
export type UpstreamTimeoutPhase = 'connect' | 'headers' | 'body';

/** The upstream did not answer in time. The gateway answers 504 when this is the last error. */
export class UpstreamTimeoutError extends UpstreamError {
  readonly phase: UpstreamTimeoutPhase;
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  constructor(
    upstream: string,
    phase: UpstreamTimeoutPhase,
    timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    const what =
      phase === 'connect'
        ? 'did not accept the connection'
        : phase === 'headers'
          ? 'did not send response headers'
          : 'stopped sending the response body';
    super(upstream, `upstream \`${upstream}\` ${what} within ${timeoutMs} ms`, options);
    this.name = 'UpstreamTimeoutError';
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** What `UpstreamStatusError.generate` needs besides the status. */
export interface UpstreamStatusErrorInit {
  upstream: string;
  /** The response body as text; truncated to `MAX_ERROR_BODY_CHARS`. */
  bodyText?: string;
  /** The delay the upstream asked for (`retry-after-ms` / `retry-after`), when it did. */
  retryAfterMs?: number | null;
  /** Response headers, kept for callers that need e.g. a request id. */
  headers?: Record<string, string>;
}

/** The upstream answered with a non-success status. Build it with `UpstreamStatusError.generate`. */
export class UpstreamStatusError extends UpstreamError {
  readonly status: number;
  /** The upstream's response body, truncated to `MAX_ERROR_BODY_CHARS`; may hold content, never log it. */
  readonly bodyText: string;
  /** The delay the upstream asked for before retrying, in ms; null when it gave none. */
  readonly retryAfterMs: number | null;
  readonly headers: Record<string, string>;
  constructor(status: number, init: UpstreamStatusErrorInit) {
    super(init.upstream, `upstream \`${init.upstream}\` answered with status ${status}`);
    this.name = 'UpstreamStatusError';
    this.status = status;
    const body = init.bodyText ?? '';
    this.bodyText = body.length > MAX_ERROR_BODY_CHARS ? body.slice(0, MAX_ERROR_BODY_CHARS) : body;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.headers = init.headers ?? {};
  }

  /**
   * Builds the subclass that matches `status`: 429 → `UpstreamRateLimitError`, 5xx and 529 →
   * `UpstreamServerError`, other 4xx → `UpstreamClientError`, anything else → `UpstreamStatusError`.
   */
  static generate(status: number, init: UpstreamStatusErrorInit): UpstreamStatusError {
    if (status === 429) return new UpstreamRateLimitError(status, init);
    if (status >= 500 && status <= 599) return new UpstreamServerError(status, init);
    if (status >= 400 && status <= 499) return new UpstreamClientError(status, init);
    return new UpstreamStatusError(status, init);
  }
}

/** 429: the upstream is rate limiting us. Retried, honouring `retryAfterMs`. */
export class UpstreamRateLimitError extends UpstreamStatusError {
  constructor(status: number, init: UpstreamStatusErrorInit) {
    super(status, init);
    this.name = 'UpstreamRateLimitError';
  }
}

/** 5xx (including Anthropic's 529 "overloaded"): the upstream failed. 500/502/503/504/529 are retried. */
export class UpstreamServerError extends UpstreamStatusError {
  constructor(status: number, init: UpstreamStatusErrorInit) {
    super(status, init);
    this.name = 'UpstreamServerError';
  }
}

/** 4xx other than 429: the request was refused; it is the client's fault, so never retried nor rerouted. */
export class UpstreamClientError extends UpstreamStatusError {
  constructor(status: number, init: UpstreamStatusErrorInit) {
    super(status, init);
    this.name = 'UpstreamClientError';
  }
}

/**
 * True when trying the same upstream again may succeed: connection errors, timeouts, and the statuses
 * 429, 500, 502, 503, 504 and 529. Anything that is not an `UpstreamError` is not retryable.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof UpstreamStatusError) return RETRYABLE_STATUSES.has(err.status);
  return err instanceof UpstreamConnectionError || err instanceof UpstreamTimeoutError;
}

/** True for the error `send()` and stream iteration reject with when the caller's signal aborted. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
