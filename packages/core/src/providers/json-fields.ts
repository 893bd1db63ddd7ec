import { ParapetError } from '../errors/codes.ts';

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** The error a failed field check raises: a bad client request, or an upstream answer in the wrong shape. */
export type FieldErrorCode = 'PARAPET_REQUEST_INVALID' | 'PARAPET_UPSTREAM_BAD_RESPONSE';

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Type checks over untrusted JSON that throw a ParapetError naming the field path. Messages never quote
 * the value (it may be prompt content), only the path and what was expected, e.g.
 * "`messages[2].content` must be a string or an array of content parts".
 */
export interface FieldReader {
  readonly code: FieldErrorCode;
  /** The error for `path` not being `expected` (a phrase such as "a string"). */
  fail(path: string, expected: string): ParapetError;
  /** The whole body must be a JSON object. */
  body(value: unknown): JsonObject;
  object(value: unknown, path: string): JsonObject;
  /** `undefined` and `null` read as absent. */
  optionalObject(value: unknown, path: string): JsonObject | undefined;
  array(value: unknown, path: string): unknown[];
  optionalArray(value: unknown, path: string): unknown[] | undefined;
  string(value: unknown, path: string): string;
  optionalString(value: unknown, path: string): string | undefined;
  optionalNumber(value: unknown, path: string): number | undefined;
  /** A non-negative integer. */
  optionalCount(value: unknown, path: string): number | undefined;
  optionalBoolean(value: unknown, path: string): boolean | undefined;
}

/** Builds a FieldReader raising `code`: `PARAPET_REQUEST_INVALID` for requests, `..._BAD_RESPONSE` for upstreams. */
export function createFieldReader(code: FieldErrorCode): FieldReader {
  const subject = code === 'PARAPET_REQUEST_INVALID' ? 'the request body' : 'the upstream response';
  const fail = (path: string, expected: string): ParapetError =>
    new ParapetError(
      code,
      code === 'PARAPET_REQUEST_INVALID'
        ? `\`${path}\` must be ${expected}`
        : `${subject} field \`${path}\` must be ${expected}`,
    );
  const absent = (value: unknown): value is undefined | null => value === undefined || value === null;
  const object = (value: unknown, path: string): JsonObject => {
    if (!isJsonObject(value)) throw fail(path, 'an object');
    return value;
  };
  const array = (value: unknown, path: string): unknown[] => {
    if (!Array.isArray(value)) throw fail(path, 'an array');
    return value;
  };
  const string = (value: unknown, path: string): string => {
    if (typeof value !== 'string') throw fail(path, 'a string');
    return value;
  };
  return {
    code,
    fail,
    body(value) {
      if (!isJsonObject(value)) throw new ParapetError(code, `${subject} must be a JSON object`);
      return value;
    },
    object,
    optionalObject: (value, path) => (absent(value) ? undefined : object(value, path)),
    array,
    optionalArray: (value, path) => (absent(value) ? undefined : array(value, path)),
    string,
    optionalString: (value, path) => (absent(value) ? undefined : string(value, path)),
    optionalNumber(value, path) {
      if (absent(value)) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(path, 'a number');
      return value;
    },
    optionalCount(value, path) {
      if (absent(value)) return undefined;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw fail(path, 'a non-negative integer');
      }
      return value;
    },
    optionalBoolean(value, path) {
      if (absent(value)) return undefined;
      if (typeof value !== 'boolean') throw fail(path, 'a boolean');
      return value;
    },
  };
}

/** Reader for client request bodies (`PARAPET_REQUEST_INVALID`). */
export const REQUEST_FIELDS: FieldReader = createFieldReader('PARAPET_REQUEST_INVALID');
/** Reader for upstream response bodies (`PARAPET_UPSTREAM_BAD_RESPONSE`). */
export const RESPONSE_FIELDS: FieldReader = createFieldReader('PARAPET_UPSTREAM_BAD_RESPONSE');

/** Parses a stream event's JSON data; `undefined` when it is not JSON. */
export function parseJsonData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
