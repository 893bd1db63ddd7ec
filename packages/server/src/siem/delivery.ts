/**
 * Sends one batch to the SIEM endpoint: a signed NDJSON POST, retried on 5xx, 429, 408 and network
 * errors with exponential backoff and full jitter (honouring `retry-after`, capped). Every attempt of one
 * batch carries the same body, signature and delivery id; only the timestamp changes.
 */
import { DELIVERY_HEADER, SIGNATURE_HEADER, signSiemBody, TIMESTAMP_HEADER } from './signature.ts';

/** `content-type` of a delivery. */
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

export interface DeliveryTarget {
  url: string;
  secret: string;
  /** Deadline of one attempt. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
}

/** What delivery uses from the outside world; tests replace it. */
export interface DeliveryIo {
  fetch: typeof fetch;
  /** Uniform in [0, 1). */
  random(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Wall clock, ms since the epoch (for the timestamp header). */
  now(): number;
  /** First retry delay ceiling; doubles per retry. */
  baseDelayMs: number;
  /** Largest delay between two attempts, also the cap on a `retry-after`. */
  maxDelayMs: number;
}

export type DeliveryOutcome =
  | { ok: true; status: number; attempts: number }
  | {
      ok: false;
      /** HTTP status of the last attempt, null for a network error or timeout. */
      status: number | null;
      attempts: number;
      /** One sentence, without the URL's secrets. */
      message: string;
      /** False for a status that retrying will not change (4xx other than 408 and 429). */
      retryable: boolean;
      /** Why the attempts stopped early: the sink is stopping, or `beforeAttempt` said no. */
      aborted: boolean;
    };

/**
 * POSTs `body` until a 2xx, a non-retryable status, or `maxRetries` retries. `beforeAttempt` runs before
 * every attempt (the exporter renews its lease there); when it answers false the delivery stops at once.
 */
export async function deliver(
  target: DeliveryTarget,
  body: string,
  delivery: string,
  io: DeliveryIo,
  options: { signal: AbortSignal; beforeAttempt?: () => Promise<boolean> },
): Promise<DeliveryOutcome> {
  const signature = signSiemBody(target.secret, body);
  let attempts = 0;
  let last: { status: number | null; message: string; retryAfterMs: number | null } = {
    status: null,
    message: 'no attempt was made',
    retryAfterMs: null,
  };
  for (let retry = 0; retry <= target.maxRetries; retry++) {
    if (retry > 0) {
      const ceiling = Math.min(io.maxDelayMs, io.baseDelayMs * 2 ** (retry - 1));
      const wait =
        last.retryAfterMs !== null ? Math.min(last.retryAfterMs, io.maxDelayMs) : io.random() * ceiling;
      try {
        await io.sleep(wait, options.signal);
      } catch {
        return stopped(last, attempts);
      }
    }
    if (options.signal.aborted) return stopped(last, attempts);
    if (options.beforeAttempt !== undefined && !(await options.beforeAttempt()))
      return stopped(last, attempts);
    attempts++;
    const timeout = AbortSignal.timeout(target.timeoutMs);
    let res: Response;
    try {
      res = await io.fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': NDJSON_CONTENT_TYPE,
          [SIGNATURE_HEADER]: signature,
          [TIMESTAMP_HEADER]: new Date(io.now()).toISOString(),
          [DELIVERY_HEADER]: delivery,
          'user-agent': 'parapet-siem/1',
        },
        body,
        signal: AbortSignal.any([options.signal, timeout]),
        redirect: 'error',
      });
    } catch (err) {
      if (options.signal.aborted) return stopped(last, attempts);
      last = {
        status: null,
        message: timeout.aborted
          ? `the SIEM endpoint did not answer within ${target.timeoutMs} ms`
          : `the SIEM endpoint could not be reached (${networkReason(err)})`,
        retryAfterMs: null,
      };
      continue;
    }
    // The answer's body is not needed; read it so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, attempts };
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    last = {
      status: res.status,
      message: `the SIEM endpoint answered ${res.status}`,
      retryAfterMs: retryable ? retryAfter(res.headers, io.now()) : null,
    };
    if (!retryable) {
      return {
        ok: false,
        status: res.status,
        attempts,
        message: last.message,
        retryable: false,
        aborted: false,
      };
    }
  }
  return { ok: false, status: last.status, attempts, message: last.message, retryable: true, aborted: false };
}

function stopped(
  last: { status: number | null; message: string },
  attempts: number,
): Extract<DeliveryOutcome, { ok: false }> {
  return {
    ok: false,
    status: last.status,
    attempts,
    message: attempts === 0 ? 'the delivery was stopped before its first attempt' : last.message,
    retryable: true,
    aborted: true,
  };
}

/** The delay asked for in `retry-after` (seconds or an HTTP date), or null. */
export function retryAfter(headers: Headers, now: number): number | null {
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** A short reason from a fetch failure: the cause's code (`ECONNREFUSED`) or message, never the URL. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message.slice(0, 200);
  return err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
}

/** An abortable sleep on a real timer. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
