/**
 * The closed table of Parapet error codes. Every error body the gateway sends carries one of these in
 * `code` (OpenAI shape) or `error.code` (Anthropic shape). docs/errors.md mirrors this table, and a test
 * keeps the two in sync.
 */
export const ERROR_CODES = {
  PARAPET_REQUEST_MALFORMED_JSON: {
    status: 400,
    type: 'invalid_request_error',
    doc: 'The body is not valid JSON.',
  },
  PARAPET_REQUEST_INVALID: {
    status: 400,
    type: 'invalid_request_error',
    doc: 'The body is JSON but a field is missing or has the wrong type.',
  },
  PARAPET_REQUEST_INVALID_UTF8: {
    status: 400,
    type: 'invalid_request_error',
    doc: 'The body is not valid UTF-8.',
  },
  PARAPET_REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: 'invalid_request_error',
    doc: 'The body is not `application/json`.',
  },
  PARAPET_REQUEST_TOO_LARGE: {
    status: 413,
    type: 'invalid_request_error',
    doc: 'The body is over `server.body_limit_bytes`.',
  },
  PARAPET_REQUEST_UNSUPPORTED: {
    status: 400,
    type: 'invalid_request_error',
    doc: 'The request uses a feature that the chosen upstream format cannot express.',
  },
  PARAPET_AUTH_MISSING_KEY: {
    status: 401,
    type: 'authentication_error',
    doc: 'No key in `Authorization: Bearer` or `x-api-key`.',
  },
  PARAPET_AUTH_INVALID_KEY: {
    status: 401,
    type: 'authentication_error',
    doc: 'The key is not a known Parapet virtual key.',
  },
  PARAPET_AUTH_EXPIRED_KEY: { status: 401, type: 'authentication_error', doc: 'The key has expired.' },
  PARAPET_AUTH_REVOKED_KEY: { status: 401, type: 'authentication_error', doc: 'The key was revoked.' },
  PARAPET_AUTH_MODEL_NOT_ALLOWED: {
    status: 403,
    type: 'permission_error',
    doc: 'The key may not use this model.',
  },
  PARAPET_MODEL_NOT_FOUND: {
    status: 404,
    type: 'not_found_error',
    doc: 'No model table entry or upstream pattern matches the model.',
  },
  PARAPET_ROUTE_NOT_FOUND: { status: 404, type: 'not_found_error', doc: 'No such route.' },
  PARAPET_DASHBOARD_NOT_BUILT: {
    status: 503,
    type: 'api_error',
    doc: 'The dashboard is switched on but not built: run `npm run build:dashboard` (`npm install` does it) and restart, or set `dashboard.dir`.',
  },
  PARAPET_METHOD_NOT_ALLOWED: {
    status: 405,
    type: 'invalid_request_error',
    doc: 'The route exists but not for this HTTP method.',
  },
  PARAPET_ADMIN_UNAUTHORIZED: {
    status: 401,
    type: 'authentication_error',
    doc: 'An admin API request without a valid credential (session cookie, API token or `admin.token`), or a sign-in with a wrong account name or password.',
  },
  PARAPET_ADMIN_FORBIDDEN: {
    status: 403,
    type: 'permission_error',
    doc: "The caller is signed in but its role lacks the route's permission, or a request made with the session cookie lacks a valid `x-csrf-token` (see docs/admin-access.md).",
  },
  PARAPET_ADMIN_LOGIN_LOCKED: {
    status: 429,
    type: 'rate_limit_error',
    doc: 'Too many failed sign-ins for this account name or from this address: 5 in 15 minutes lock both for 15 minutes; `retry-after` says when to try again.',
  },
  PARAPET_ADMIN_NOT_FOUND: {
    status: 404,
    type: 'not_found_error',
    doc: 'The admin API has no such record (policy version, approval).',
  },
  PARAPET_ADMIN_CONFLICT: {
    status: 409,
    type: 'invalid_request_error',
    doc: 'The record is no longer in a state that allows the change (an approval already decided or expired, nothing to roll back to).',
  },
  PARAPET_ADMIN_CONTENT_UNAVAILABLE: {
    status: 409,
    type: 'invalid_request_error',
    doc: "An event's content cannot be revealed: it was not stored (content mode `none` or `redacted`), or this gateway cannot decrypt it (no content key, or another key).",
  },
  PARAPET_POLICY_BLOCKED: {
    status: 403,
    type: 'permission_error',
    doc: 'A policy rule blocked the request or the response.',
  },
  PARAPET_POLICY_WARNING: {
    status: 403,
    type: 'permission_error',
    doc: 'A warn rule matched: re-send the same request with `x-parapet-acknowledge: <token>` (from the `x-parapet-acknowledge-token` header) to proceed.',
  },
  PARAPET_POLICY_HOLD_DENIED: {
    status: 403,
    type: 'permission_error',
    doc: 'A hold rule sent the request for approval and a reviewer denied it, or no one decided in time.',
  },
  PARAPET_POLICY_INVALID: {
    status: 422,
    type: 'invalid_request_error',
    doc: 'The policy (or `global` section) sent to the admin API does not validate against this deployment; `issues` lists every problem.',
  },
  PARAPET_UPSTREAM_TIMEOUT: {
    status: 504,
    type: 'api_error',
    doc: 'The upstream did not answer within its timeout, on every fallback.',
  },
  PARAPET_UPSTREAM_UNAVAILABLE: {
    status: 502,
    type: 'api_error',
    doc: 'Every upstream for the model failed (connection error, 429 or 5xx) after retries and fallbacks.',
  },
  PARAPET_UPSTREAM_REJECTED: {
    status: 400,
    type: 'invalid_request_error',
    doc: 'The upstream refused the request with a 4xx; its status and message are passed on.',
  },
  PARAPET_UPSTREAM_BAD_RESPONSE: {
    status: 502,
    type: 'api_error',
    doc: 'The upstream answered with something that is not its wire format.',
  },
  PARAPET_UPSTREAM_STREAM_INTERRUPTED: {
    status: 502,
    type: 'api_error',
    doc: 'The upstream closed or failed in the middle of a stream; sent as an error event, then the stream closes.',
  },
  PARAPET_GATEWAY_INTERNAL: {
    status: 500,
    type: 'api_error',
    doc: 'A bug in Parapet; the event records it.',
  },
} as const satisfies Record<string, { status: number; type: string; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error meant for the client: a stable code, an HTTP status and a one-sentence message. */
export class ParapetError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers (for example the acknowledgement token of a warning). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    code: ErrorCode,
    message: string,
    options?: { status?: number; cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParapetError';
    this.code = code;
    this.status = options?.status ?? ERROR_CODES[code].status;
    this.headers = options?.headers ?? {};
  }
}
