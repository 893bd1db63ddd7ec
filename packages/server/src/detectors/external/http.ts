/**
 * Shared plumbing of the external detectors: one JSON POST with a hard timeout, an error class that names
 * the detector (never its URL's credentials, its key, or any content), text chunking on whole characters,
 * and a small concurrency limiter. Everything here may do I/O; nothing here logs.
 */

/** Why an external detector call failed. */
export type ExternalFailureKind = 'timeout' | 'aborted' | 'network' | 'status' | 'protocol' | 'config';

/**
 * An external detector could not give an answer. The gateway's runner turns it into a DetectorFailure
 * (never "nothing found"). The message names the detector id and what went wrong, never keys or content.
 */
export class ExternalDetectorError extends Error {
  /** The detector id, e.g. `external.lakera`. */
  readonly detector: string;
  readonly kind: ExternalFailureKind;
  /** The HTTP status when `kind` is `status`. */
  readonly status: number | undefined;
  constructor(
    detector: string,
    kind: ExternalFailureKind,
    message: string,
    options?: { status?: number; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExternalDetectorError';
    this.detector = detector;
    this.kind = kind;
    this.status = options?.status;
  }
}

/** Options of {@link postJson}. */
export interface PostJsonOptions {
  /** Detector id used in error messages. */
  detector: string;
  headers?: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** The runner's budget signal; aborting it aborts the request. */
  signal?: AbortSignal | undefined;
  /** Largest response body read, in bytes; default 1 MiB. */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;

/**
 * POSTs `body` as JSON and returns the parsed JSON answer. Throws {@link ExternalDetectorError} on a timeout
 * (the whole exchange, headers and body, must finish within `timeoutMs`), an abort, a connection error, a
 * non-2xx status, an oversized body or a body that is not JSON.
 */
export async function postJson(url: string, body: unknown, options: PostJsonOptions): Promise<unknown> {
  const { detector, timeoutMs } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const fail = (err: unknown): never => {
    if (timeout.aborted) {
      throw new ExternalDetectorError(
        detector,
        'timeout',
        `detector \`${detector}\` got no answer within ${timeoutMs} ms`,
        {
          cause: err,
        },
      );
    }
    if (options.signal?.aborted === true) {
      throw new ExternalDetectorError(detector, 'aborted', `detector \`${detector}\` was aborted`, {
        cause: err,
      });
    }
    if (err instanceof ExternalDetectorError) throw err;
    throw new ExternalDetectorError(
      detector,
      'network',
      `detector \`${detector}\` could not reach its endpoint`,
      {
        cause: err,
      },
    );
  };
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    return fail(err);
  }
  let text: string;
  try {
    text = await readLimited(response, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, detector);
  } catch (err) {
    return fail(err);
  }
  if (!response.ok) {
    throw new ExternalDetectorError(
      detector,
      'status',
      `detector \`${detector}\` got HTTP ${response.status} from its endpoint`,
      {
        status: response.status,
      },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ExternalDetectorError(
      detector,
      'protocol',
      `detector \`${detector}\` got a response that is not JSON`,
      {
        cause: err,
      },
    );
  }
}

async function readLimited(response: Response, maxBytes: number, detector: string): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ExternalDetectorError(
        detector,
        'protocol',
        `detector \`${detector}\` got a response over ${maxBytes} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Joins a base URL and a path without doubling or losing the slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** A piece of a text: UTF-16 offsets, end exclusive. */
export interface TextChunk {
  start: number;
  end: number;
}

/**
 * Splits `text` into chunks of at most `maxChars` code units, preferring to cut after whitespace in the
 * last eighth of a chunk and never between the halves of a surrogate pair.
 */
export function chunkText(text: string, maxChars: number): TextChunk[] {
  const chunks: TextChunk[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + maxChars);
    if (end < text.length) {
      const floor = end - Math.max(1, Math.floor(maxChars / 8));
      let cut = end;
      while (cut > floor && cut > start + 1 && !isSpace(text.charCodeAt(cut - 1))) cut--;
      if (cut > floor && cut > start + 1) end = cut;
      const code = text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff && end - 1 > start) end--;
    }
    chunks.push({ start, end });
    start = end;
  }
  return chunks;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** True when the text has something other than whitespace. */
export function hasContent(text: string): boolean {
  return /\S/u.test(text);
}

/** The span of `text` without leading and trailing whitespace (null for a blank text). */
export function trimmedSpan(text: string, start = 0, end = text.length): TextChunk | null {
  let s = start;
  let e = end;
  while (s < e && /\s/u.test(text[s] as string)) s++;
  while (e > s && /\s/u.test(text[e - 1] as string)) e--;
  return s < e ? { start: s, end: e } : null;
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
