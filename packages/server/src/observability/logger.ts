/** Log levels, least to most severe; `silent` writes nothing. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What a log line may carry besides its message. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Where log lines go: one `write` per line, the line ends with `\n`. */
export interface LogStream {
  write(line: string): void;
}

/** A structured JSON logger. */
export interface Logger {
  /** The threshold: lines below it are not written. */
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** True when a line at `level` would be written (to skip building costly fields). */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /** A logger that adds `bindings` to every line (redacted once, here). */
  child(bindings: LogFields): Logger;
}

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  level: LogLevel;
  /** Default `process.stdout`. */
  stream?: LogStream;
  /** Fields added to every line. */
  bindings?: LogFields;
  /** Clock in epoch milliseconds, for tests; default `Date.now`. */
  now?: () => number;
}

/** The value that replaces a redacted field. */
export const REDACTED = '[redacted]';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Keys (lower-cased, `-` and `_` removed) whose values are never logged. */
const SENSITIVE_KEYS = new Set([
  'authorization',
  'xapikey',
  'apikey',
  'key',
  'secret',
  'token',
  'password',
  'cookie',
  'prompt',
  'content',
  'messages',
  'input',
  'output',
  'body',
  'text',
]);

/** Objects nested deeper than this are replaced by a marker. */
const MAX_DEPTH = 6;
/** Keys kept per object and items kept per array. */
const MAX_ENTRIES = 100;
/** Strings longer than this are cut. */
const MAX_STRING = 8192;

/**
 * Secrets that may appear inside free text: bearer credentials and common provider keys. Each branch is a
 * fixed prefix followed by one character class, so matching is linear-time.
 */
const SECRET_IN_TEXT =
  /\b([Bb]earer)\s+[A-Za-z0-9._~+/=-]{8,}|\b(sk-ant-|sk-|ppk_|ghp_|gho_|ghs_|github_pat_|xox[abprs]-|hf_|gsk_|AIza)[A-Za-z0-9_-]{8,}|\bAKIA[0-9A-Z]{16}\b|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/** Masks bearer tokens and provider keys wherever they appear in `text`. */
export function maskSecrets(text: string): string {
  if (text.length < 11) return text;
  return text.replace(SECRET_IN_TEXT, (_match, scheme: string | undefined, prefix: string | undefined) => {
    if (scheme !== undefined) return `${scheme} ${REDACTED}`;
    if (prefix !== undefined) return `${prefix}${REDACTED}`;
    return REDACTED;
  });
}

const keyDecisions = new Map<string, boolean>();

/**
 * True when a field named `key` must not be logged: its whole name, or its last word (camelCase,
 * snake_case or kebab-case), is a sensitive name. `accessToken`, `x-api-key` and `client_secret` are;
 * `keyId` and `inputTokens` are not.
 */
export function isSensitiveKey(key: string): boolean {
  const cached = keyDecisions.get(key);
  if (cached !== undefined) return cached;
  const lower = key.toLowerCase();
  let sensitive = SENSITIVE_KEYS.has(lower.replace(/[-_]/g, ''));
  if (!sensitive) {
    const words = key
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[\s_.-]+/);
    const last = words[words.length - 1];
    sensitive = last !== undefined && SENSITIVE_KEYS.has(last);
  }
  if (keyDecisions.size < 4096) keyDecisions.set(key, sensitive);
  return sensitive;
}

function serializeError(error: Error, withStack: boolean, depth: number, seen: WeakSet<object>): unknown {
  const out: Record<string, unknown> = { name: error.name, message: maskSecrets(error.message) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out['code'] = code;
  if (withStack && typeof error.stack === 'string') out['stack'] = maskSecrets(error.stack);
  if (withStack && error.cause !== undefined && depth < MAX_DEPTH) {
    out['cause'] = sanitize(error.cause, withStack, depth + 1, seen);
  }
  return out;
}

/** Copies `value` into plain JSON data with sensitive keys redacted, secrets masked and sizes bounded. */
function sanitize(value: unknown, withStack: boolean, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return maskSecrets(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[truncated]` : value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (object instanceof Error) {
    seen.add(object);
    return serializeError(object, withStack, depth, seen);
  }
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (ArrayBuffer.isView(object)) return `[binary ${object.byteLength} bytes]`;
  seen.add(object);
  if (Array.isArray(object)) {
    const n = Math.min(object.length, MAX_ENTRIES);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const item = sanitize(object[i], withStack, depth + 1, seen);
      out[i] = item === undefined ? null : item;
    }
    if (object.length > MAX_ENTRIES) out.push(`[${object.length - MAX_ENTRIES} more]`);
    return out;
  }
  if (object instanceof Map) {
    return sanitizeEntries(object.entries(), withStack, depth, seen);
  }
  if (object instanceof Set) {
    return sanitize([...object], withStack, depth, seen);
  }
  return sanitizeEntries(Object.entries(object), withStack, depth, seen);
}

function sanitizeEntries(
  entries: Iterable<[unknown, unknown]>,
  withStack: boolean,
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [rawKey, item] of entries) {
    const key = String(rawKey);
    if (count === MAX_ENTRIES) {
      out['[truncated]'] = true;
      break;
    }
    count++;
    if (isSensitiveKey(key)) {
      if (item !== undefined) out[key] = REDACTED;
      continue;
    }
    const clean = sanitize(item, withStack, depth + 1, seen);
    if (clean !== undefined) out[key] = clean;
  }
  return out;
}

/**
 * Redacts a record the way the logger does before writing: values of sensitive keys (at any depth)
 * become `[redacted]`, bearer tokens and provider keys in strings are masked, errors become
 * `{ name, message, code }` (plus `stack` and `cause` when `withStack`), depth and sizes are bounded.
 */
export function redact(fields: LogFields, withStack = false): Record<string, unknown> {
  return sanitizeEntries(Object.entries(fields), withStack, 0, new WeakSet());
}

const RESERVED = new Set(['time', 'level', 'msg']);

function noop(): void {}

/**
 * Creates a logger writing one JSON object per line: `time` (ISO-8601), `level`, `msg`, then the
 * bindings and fields, redacted (see {@link redact}). Fields named `time`, `level` or `msg` are dropped.
 * Methods for disabled levels are no-ops; `silent` writes nothing.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const level = options.level;
  if (!(level in LEVEL_RANK)) throw new Error(`unknown log level \`${String(level)}\``);
  const stream: LogStream = options.stream ?? process.stdout;
  const now = options.now ?? Date.now;
  const threshold = LEVEL_RANK[level];
  const withStack = threshold <= LEVEL_RANK.debug;
  return build(options.bindings === undefined ? {} : redact(options.bindings, withStack));

  function build(bindings: Record<string, unknown>): Logger {
    const write = (lineLevel: Exclude<LogLevel, 'silent'>) => {
      if (LEVEL_RANK[lineLevel] < threshold) return noop;
      return (msg: string, fields?: LogFields): void => {
        const record: Record<string, unknown> = {
          time: new Date(now()).toISOString(),
          level: lineLevel,
          msg: maskSecrets(String(msg)),
        };
        for (const key in bindings) {
          if (!RESERVED.has(key)) record[key] = bindings[key];
        }
        if (fields !== undefined) {
          const clean = redact(fields, withStack);
          for (const key in clean) {
            if (!RESERVED.has(key)) record[key] = clean[key];
          }
        }
        let line: string;
        try {
          line = JSON.stringify(record);
        } catch {
          line = JSON.stringify({ time: record['time'], level: lineLevel, msg: record['msg'] });
        }
        stream.write(`${line}\n`);
      };
    };
    return {
      level,
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      enabled: (lineLevel) => LEVEL_RANK[lineLevel] >= threshold,
      child(more) {
        return build({ ...bindings, ...redact(more, withStack) });
      },
    };
  }
}
