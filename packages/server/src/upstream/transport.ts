/**
 * The upstream transport: sends one gateway request to a model provider, with keep-alive connection
 * pooling, timeouts, retries with backoff, fallbacks to other upstreams, and cancellation.
 *
 * It knows nothing about wire formats: callers hand it a path, headers and a body, and get back a status,
 * headers and either the whole body or a pull-based stream of bytes.
 */

import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { Pool } from 'undici';
import {
  isRetryable,
  UpstreamClientError,
  UpstreamConnectionError,
  UpstreamError,
  UpstreamStatusError,
  UpstreamTimeoutError,
} from './errors.ts';

/** How often, and how patiently, one upstream call is retried. */
export interface UpstreamRetryPolicy {
  /** Retries after the first attempt; 0 means one attempt only. */
  max: number;
  /** The backoff ceiling of the first retry; it doubles on each retry. */
  baseDelayMs: number;
  /** The largest delay between two attempts, also the cap on a `retry-after` the upstream asks for. */
  maxDelayMs: number;
}

/** One configured upstream: where it is, how to authenticate, and how long to wait. */
export interface UpstreamTarget {
  /** The configured name (e.g. `openai`); used in errors and `onAttempt`, never the URL or key. */
  name: string;
  /** e.g. `https://api.openai.com/v1`; a path prefix is kept and `UpstreamCall.path` appended to it. */
  baseUrl: string;
  /** Sent on every request (API key, version headers); never put into errors. */
  headers: Record<string, string>;
  connectTimeoutMs: number;
  /** Non-streams: the total time for headers and body. Streams: the time to headers, then the longest gap between two chunks. */
  timeoutMs: number;
  retries: UpstreamRetryPolicy;
}

/** One request to one upstream; `send()` takes a list of them, the primary first, then fallbacks. */
export interface UpstreamCall {
  target: UpstreamTarget;
  /** Appended to `target.baseUrl`, e.g. `/chat/completions`. */
  path: string;
  query?: Record<string, string>;
  /** Default `POST`. */
  method?: 'POST' | 'GET';
  body?: string;
  /** Merged over `target.headers` (names compared case-insensitively). `content-type: application/json` is added when there is a body and none is given. */
  headers?: Record<string, string>;
  stream: boolean;
}

/** Reported after every attempt, successful or not. */
export interface UpstreamAttemptInfo {
  /** The target's name. */
  target: string;
  /** 1-based attempt number for this target. */
  attempt: number;
  /** Set when the attempt failed (including a 4xx that is returned to the caller). */
  error?: UpstreamError;
  /** The HTTP status, when the upstream answered. */
  status?: number;
}

export interface UpstreamSendOptions {
  /** Aborting it (the client went away) aborts the in-flight request, stops retries and rejects with an AbortError. */
  signal: AbortSignal;
  /** Observer called after each attempt; an exception it throws is ignored. */
  onAttempt?: (info: UpstreamAttemptInfo) => void;
}

/**
 * What an upstream answered. `status` is 2xx, or a 4xx other than 429 (the request was refused: it is
 * passed back as is, with its body in `body`, even for stream calls).
 */
export interface UpstreamResult {
  target: UpstreamTarget;
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** ms from the start of the attempt that succeeded to its response headers. */
  ttfbMs: number;
  /** Attempts made in total, over every target tried. */
  attempts: number;
  /** Non-stream (and refused) responses: the whole body. */
  body?: Buffer;
  /**
   * Stream responses: the body as it arrives, pulled chunk by chunk (backpressure reaches the upstream
   * socket). Iterating it after an upstream failure throws an `UpstreamError` (an `UpstreamTimeoutError`
   * with phase `body` when no chunk came within `timeoutMs`), or an AbortError when the signal aborted.
   * Iterate it to the end, break out of the loop, or abort the signal, so the connection is released.
   */
  stream?: AsyncIterable<Uint8Array>;
  /** ms from `send()` to the end of the body; null until the body has been fully read. */
  totalMs(): number | null;
}

export interface UpstreamTransport {
  /**
   * Tries each call in turn (primary, then fallbacks), each up to `retries.max + 1` times. Resolves with
   * the first 2xx (for streams: as soon as its headers arrive) or the first refusal (4xx other than 429,
   * never retried nor rerouted). Rejects with the last `UpstreamError` when everything failed, or with an
   * AbortError when `signal` aborted.
   */
  send(calls: readonly UpstreamCall[], options: UpstreamSendOptions): Promise<UpstreamResult>;
  /** Closes every connection pool, waiting for in-flight requests; `send()` rejects afterwards. */
  close(): Promise<void>;
}

export interface UpstreamTransportOptions {
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Waits between attempts; default a timer that the signal cancels. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Connections kept per upstream origin; default 128 (pipelining is 1, so this bounds concurrency). */
  connectionsPerOrigin?: number;
  /** Monotonic clock in ms; default `performance.now`. */
  now?: () => number;
}

const DEFAULT_CONNECTIONS_PER_ORIGIN = 128;

/** Codes of undici errors that mean the request could not be made at all: not a network failure. */
const NON_NETWORK_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
  'UND_ERR_INVALID_RETURN_VALUE',
]);

const ERROR_CODE_SHAPE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The error `send()` and stream iteration reject with when the caller's signal aborted. */
function abortError(signal: AbortSignal): Error {
  const err = new Error('the upstream request was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  (err as Error & { code: string }).code = 'ABORT_ERR';
  return err;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ERROR_CODE_SHAPE.test(code) ? code : undefined;
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The delay an upstream asks for in `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
function parseRetryAfter(headers: Record<string, string>): number | null {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers['retry-after'];
  if (after !== undefined && after.trim() !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return null;
}

interface ResolvedUrl {
  origin: string;
  path: string;
}

function resolveUrl(call: UpstreamCall): ResolvedUrl {
  let base: URL;
  try {
    base = new URL(call.target.baseUrl);
  } catch (cause) {
    throw new UpstreamError(call.target.name, `upstream \`${call.target.name}\` has an invalid base URL`, {
      cause,
    });
  }
  const prefix = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
  const suffix = call.path.startsWith('/') ? call.path : `/${call.path}`;
  const params = new URLSearchParams(base.search);
  for (const [key, value] of Object.entries(call.query ?? {})) params.set(key, value);
  const query = params.toString();
  return { origin: base.origin, path: `${prefix}${suffix}${query === '' ? '' : `?${query}`}` };
}

function requestHeaders(call: UpstreamCall): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.target.headers)) out[name.toLowerCase()] = value;
  for (const [name, value] of Object.entries(call.headers ?? {})) out[name.toLowerCase()] = value;
  if (call.body !== undefined && out['content-type'] === undefined) out['content-type'] = 'application/json';
  return out;
}

interface AttemptOutcome {
  result: Omit<UpstreamResult, 'attempts'>;
  /** Set when the upstream refused the request (4xx other than 429). */
  refusal?: UpstreamClientError;
}

/** Creates a transport with one keep-alive connection pool per upstream origin. */
export function createUpstreamTransport(options: UpstreamTransportOptions = {}): UpstreamTransport {
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }));
  const connections = options.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN;
  const now = options.now ?? (() => performance.now());
  const pools = new Map<string, Pool>();
  let closed = false;

  function poolFor(origin: string, connectTimeoutMs: number): Pool {
    // Keyed by origin, and by connect timeout because undici fixes it per pool; in practice one per origin.
    const key = `${origin} ${connectTimeoutMs}`;
    let pool = pools.get(key);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections,
        pipelining: 1,
        connectTimeout: connectTimeoutMs,
        // Our own timers enforce timeoutMs (total, time-to-headers, idle gap); undici's are off.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      pools.set(key, pool);
    }
    return pool;
  }

  /** Waits `ms` unless the signal aborts first (then rejects with an AbortError). */
  function pause(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      sleep(ms, signal).then(
        () => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) reject(abortError(signal));
          else resolve();
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(signal.aborted ? abortError(signal) : err);
        },
      );
    });
  }

  async function attemptOnce(
    call: UpstreamCall,
    signal: AbortSignal,
    sentAt: number,
  ): Promise<AttemptOutcome> {
    const target = call.target;
    const name = target.name;
    const { origin, path } = resolveUrl(call);
    const pool = poolFor(origin, target.connectTimeoutMs);

    const controller = new AbortController();
    let timedOut: UpstreamTimeoutError | null = null;
    let timer: NodeJS.Timeout | undefined;
    let headersArrived = false;
    const onAbort = (): void => controller.abort(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    const armTimer = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = new UpstreamTimeoutError(name, headersArrived ? 'body' : 'headers', target.timeoutMs);
        controller.abort(timedOut);
      }, target.timeoutMs);
    };

    /** Turns whatever was thrown into an AbortError or an `UpstreamError`. */
    const classify = (err: unknown): Error => {
      if (signal.aborted) return abortError(signal);
      if (timedOut !== null) return timedOut;
      if (err instanceof UpstreamError) return err;
      const code = errorCode(err);
      if (code === 'UND_ERR_CONNECT_TIMEOUT') {
        return new UpstreamTimeoutError(name, 'connect', target.connectTimeoutMs, { cause: err });
      }
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        const phase = code === 'UND_ERR_HEADERS_TIMEOUT' ? 'headers' : 'body';
        return new UpstreamTimeoutError(name, phase, target.timeoutMs, { cause: err });
      }
      const suffix = code === undefined ? '' : ` (${code})`;
      if (code !== undefined && NON_NETWORK_CODES.has(code)) {
        return new UpstreamError(name, `request to upstream \`${name}\` could not be made${suffix}`, {
          cause: err,
        });
      }
      const message = headersArrived
        ? `upstream \`${name}\` closed the connection before the body ended${suffix}`
        : `connection to upstream \`${name}\` failed${suffix}`;
      return new UpstreamConnectionError(
        name,
        message,
        code === undefined ? { cause: err } : { cause: err, code },
      );
    };

    let handedOver = false;
    const attemptStart = now();
    armTimer();
    try {
      const response = await pool.request({
        path,
        method: call.method ?? 'POST',
        headers: requestHeaders(call),
        body: call.body ?? null,
        signal: controller.signal,
      });
      headersArrived = true;
      const ttfbMs = now() - attemptStart;
      const status = response.statusCode;
      const headers = flattenHeaders(response.headers);

      if (status >= 200 && status < 300 && call.stream) {
        clearTimeout(timer);
        handedOver = true;
        let endedAt: number | null = null;
        const body = response.body;
        async function* chunks(): AsyncGenerator<Uint8Array> {
          const iterator = body[Symbol.asyncIterator]();
          let finished = false;
          try {
            for (;;) {
              armTimer();
              let step: IteratorResult<Uint8Array>;
              try {
                step = await iterator.next();
              } catch (err) {
                throw classify(err);
              } finally {
                clearTimeout(timer);
              }
              if (step.done === true) {
                finished = true;
                endedAt = now();
                return;
              }
              yield step.value;
            }
          } finally {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            if (!finished) body.destroy();
          }
        }
        return {
          result: {
            target,
            status,
            headers,
            ttfbMs,
            stream: chunks(),
            totalMs: () => (endedAt === null ? null : endedAt - sentAt),
          },
        };
      }

      const parts: Buffer[] = [];
      for await (const chunk of response.body) parts.push(chunk as Buffer);
      const buffer = Buffer.concat(parts);
      const endedAt = now();
      const result = { target, status, headers, ttfbMs, body: buffer, totalMs: () => endedAt - sentAt };
      if (status >= 200 && status < 300) return { result };
      const error = UpstreamStatusError.generate(status, {
        upstream: name,
        bodyText: buffer.toString('utf8'),
        retryAfterMs: parseRetryAfter(headers),
        headers,
      });
      if (error instanceof UpstreamClientError) return { result, refusal: error };
      throw error;
    } catch (err) {
      throw classify(err);
    } finally {
      if (!handedOver) {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      }
    }
  }

  async function send(
    calls: readonly UpstreamCall[],
    sendOptions: UpstreamSendOptions,
  ): Promise<UpstreamResult> {
    if (closed) throw new Error('the upstream transport is closed');
    if (calls.length === 0) throw new TypeError('send() needs at least one upstream call');
    const { signal, onAttempt } = sendOptions;
    const report = (info: UpstreamAttemptInfo): void => {
      try {
        onAttempt?.(info);
      } catch {
        // An observer must not change the outcome of the request.
      }
    };
    const sentAt = now();
    let attempts = 0;
    let lastError: UpstreamError | undefined;

    for (const call of calls) {
      const { max, baseDelayMs, maxDelayMs } = call.target.retries;
      for (let attempt = 0; attempt <= max; attempt++) {
        if (signal.aborted) throw abortError(signal);
        attempts++;
        let outcome: AttemptOutcome;
        try {
          outcome = await attemptOnce(call, signal, sentAt);
        } catch (err) {
          if (!(err instanceof UpstreamError)) throw err;
          lastError = err;
          report({
            target: call.target.name,
            attempt: attempt + 1,
            error: err,
            ...(err instanceof UpstreamStatusError ? { status: err.status } : {}),
          });
          if (!isRetryable(err) || attempt === max) break;
          const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
          const asked = err instanceof UpstreamStatusError ? err.retryAfterMs : null;
          await pause(asked !== null ? Math.min(asked, maxDelayMs) : random() * ceiling, signal);
          continue;
        }
        report({
          target: call.target.name,
          attempt: attempt + 1,
          status: outcome.result.status,
          ...(outcome.refusal === undefined ? {} : { error: outcome.refusal }),
        });
        return { ...outcome.result, attempts };
      }
    }
    throw lastError ?? new UpstreamError(calls[0]!.target.name, 'no upstream attempt was made');
  }

  async function close(): Promise<void> {
    closed = true;
    const all = [...pools.values()];
    pools.clear();
    await Promise.all(all.map((pool) => pool.close()));
  }

  return { send, close };
}
