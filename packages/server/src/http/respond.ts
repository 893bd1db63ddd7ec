import type { ServerResponse } from 'node:http';
import { anthropicMessages, ERROR_CODES, type ErrorCode, openaiChat, ParapetError } from '@parapet/core';

/** Which error shape the client expects. */
export type ErrorShape = 'openai' | 'anthropic';

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendRaw(
  res: ServerResponse,
  status: number,
  body: Buffer,
  headers: Record<string, string>,
): void {
  res.writeHead(status, { ...headers, 'content-length': body.length });
  res.end(body);
}

/** The wire format's own error body with the Parapet code (the formats' translators own the shapes). */
export function errorBody(shape: ErrorShape, code: ErrorCode, message: string): Record<string, unknown> {
  const format = shape === 'anthropic' ? anthropicMessages : openaiChat;
  return format.errorBody(code, message, ERROR_CODES[code].type);
}

export function sendError(
  res: ServerResponse,
  shape: ErrorShape,
  err: ParapetError,
  headers?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, errorBody(shape, err.code, err.message), {
    'x-parapet-error-code': err.code,
    ...err.headers,
    ...headers,
  });
}

/** Any thrown value as a ParapetError; unknown errors become PARAPET_GATEWAY_INTERNAL without their message. */
export function toParapetError(err: unknown): ParapetError {
  if (err instanceof ParapetError) return err;
  return new ParapetError(
    'PARAPET_GATEWAY_INTERNAL',
    'the gateway failed to handle the request; the event records the failure',
    {
      cause: err,
    },
  );
}
