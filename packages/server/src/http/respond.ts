import type { ServerResponse } from 'node:http';
import { ERROR_CODES, type ErrorCode, ParapetError } from '@parapet/core';

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

/** Anthropic's error `type` for a Parapet code (its SDK maps these to exception classes). */
function anthropicType(code: ErrorCode, status: number): string {
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (code === 'PARAPET_UPSTREAM_UNAVAILABLE' && status === 529) return 'overloaded_error';
  return ERROR_CODES[code].type;
}

/** The wire format's own error body with the Parapet code. */
export function errorBody(
  shape: ErrorShape,
  code: ErrorCode,
  message: string,
  status: number,
): Record<string, unknown> {
  if (shape === 'anthropic') {
    return { type: 'error', error: { type: anthropicType(code, status), message, code } };
  }
  return { error: { message, type: ERROR_CODES[code].type, code, param: null } };
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
  sendJson(res, err.status, errorBody(shape, err.code, err.message, err.status), {
    'x-parapet-error-code': err.code,
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
