import type { IncomingMessage } from 'node:http';
import { ParapetError } from '@parapet/core';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads the whole JSON request body (a content type other than JSON is refused), refusing it with PARAPET_REQUEST_TOO_LARGE as soon as it passes `limit`
 * bytes (the declared content-length is checked first, so a huge upload is refused before it is read).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const type = req.headers['content-type'];
  if (type !== undefined && !type.toLowerCase().includes('json')) {
    req.resume();
    return Promise.reject(
      new ParapetError(
        'PARAPET_REQUEST_UNSUPPORTED_MEDIA_TYPE',
        `content type \`${type.slice(0, 100)}\` is not supported; send \`application/json\``,
      ),
    );
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

function tooLarge(limit: number): ParapetError {
  return new ParapetError(
    'PARAPET_REQUEST_TOO_LARGE',
    `request body is over the limit of ${limit} bytes; send less or raise \`server.body_limit_bytes\``,
  );
}

/** Decodes strict UTF-8 and parses JSON, with the error a client can act on. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new ParapetError('PARAPET_REQUEST_INVALID_UTF8', 'request body is not valid UTF-8');
  }
  if (text.length === 0) {
    throw new ParapetError('PARAPET_REQUEST_MALFORMED_JSON', 'request body is empty; send a JSON object');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's message quotes part of the input; keep only the position so no content is echoed or logged.
    const position = err instanceof SyntaxError ? /position (\d+)/.exec(err.message)?.[1] : undefined;
    const where = position === undefined ? 'unexpected end or token' : `error at position ${position}`;
    throw new ParapetError(
      'PARAPET_REQUEST_MALFORMED_JSON',
      `request body is not valid JSON (${where}); check the body is one complete JSON object`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ParapetError('PARAPET_REQUEST_INVALID', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
