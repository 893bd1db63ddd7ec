/**
 * The admin API's HTTP edge: bearer-token check, JSON bodies with a size limit, request validation with
 * zod, and JSON answers and errors (`{"error":{"code","message",…}}`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ErrorCode, ParapetError } from '@parapet/core';
import type { z } from 'zod';
import { parseJsonBody, readBody } from '../http/body.ts';
import { sendJson } from '../http/respond.ts';

/** A client error with details that go into the error body next to code and message (e.g. `issues`). */
export class AdminError extends ParapetError {
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { headers?: Record<string, string> },
  ) {
    super(code, message, options);
    this.name = 'AdminError';
    this.details = details;
  }
}

/** Headers on every admin answer: its content may be sensitive, never cache it. */
const NO_STORE = { 'cache-control': 'no-store' } as const;

export function sendAdminJson(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, NO_STORE);
}

export function sendAdminError(res: ServerResponse, err: ParapetError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const details = err instanceof AdminError ? err.details : {};
  sendJson(
    res,
    err.status,
    { error: { ...details, code: err.code, message: err.message } },
    { ...NO_STORE, 'x-parapet-error-code': err.code, ...err.headers },
  );
}

/**
 * A constant-time check of `Authorization: Bearer <token>`: both sides are hashed with SHA-256 first, so
 * the comparison takes the same time whatever the length or content of the candidate.
 */
export function createTokenCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = sha256(token);
  return (authorization) => {
    if (authorization === undefined) return false;
    const space = authorization.indexOf(' ');
    if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') return false;
    const candidate = authorization.slice(space + 1).trim();
    if (candidate === '') return false;
    return timingSafeEqual(sha256(candidate), expected);
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Reads a JSON object body of at most `limit` bytes; an empty body reads as `{}` (routes whose fields are
 * all optional can be called without one).
 */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readBody(req, limit);
  } catch (err) {
    if (err instanceof ParapetError && err.code === 'PARAPET_REQUEST_TOO_LARGE') {
      throw new ParapetError(
        'PARAPET_REQUEST_TOO_LARGE',
        `request body is over the admin API limit of ${limit} bytes`,
      );
    }
    throw err;
  }
  if (raw.length === 0) return {};
  return parseJsonBody(raw);
}

/** Where a value came from, for messages. */
export type InputPart = 'body' | 'query' | 'path';

/**
 * Parses `value` with `schema`, or throws 400 PARAPET_REQUEST_INVALID naming every problem (`issues`:
 * `[{path, message}]`; the message names the first).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => describeIssue(issue));
  const first = issues[0]!;
  const where = first.path.length === 0 ? '' : ` \`${first.path.join('.')}\``;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new AdminError('PARAPET_REQUEST_INVALID', `${PART_NAMES[part]}${where}: ${first.message}${more}`, {
    issues,
  });
}

const PART_NAMES: Record<InputPart, string> = {
  body: 'request body',
  query: 'query parameter',
  path: 'path parameter',
};

function describeIssue(issue: z.core.$ZodIssue): { path: (string | number)[]; message: string } {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  switch (issue.code) {
    case 'unrecognized_keys':
      return {
        path,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`,
      };
    case 'invalid_type':
      return {
        path,
        message:
          (issue as { input?: unknown }).input === undefined
            ? `is required (${issue.expected})`
            : `expected ${issue.expected}, got ${kindOf((issue as { input?: unknown }).input)}`,
      };
    case 'invalid_value':
      return { path, message: `must be one of ${issue.values.map((v) => `\`${String(v)}\``).join(', ')}` };
    case 'invalid_union': {
      // `against=x`: say what each branch wanted rather than "invalid input".
      const wanted = issue.errors
        .flat()
        .map((i) => describeIssue(i).message)
        .filter((m, i, all) => all.indexOf(m) === i);
      return { path, message: wanted.length === 0 ? 'invalid value' : wanted.join(', or ') };
    }
    default: {
      const message = issue.message.length > 0 ? issue.message : 'invalid value';
      return { path, message: message[0]!.toLowerCase() + message.slice(1) };
    }
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
