/**
 * The line-parser contract every proxy-log format implements. A parser is created per file (W3C and CSV
 * carry header state) and turns one line into a record, a line to skip (blank, comment, header) or a
 * malformed line with a reason. A malformed line never stops an import; LogFormatError (a file whose
 * header cannot be used at all) does.
 */

/** The formats `parapet discover --format` accepts. */
export const LOG_FORMATS = ['squid', 'csv', 'w3c', 'zscaler', 'cef'] as const;
export type LogFormatName = (typeof LOG_FORMATS)[number];

/** One web request out of a log line, normalized. */
export interface LogRecord {
  /** When the request was made (ISO-8601, UTC), or null when the line carries no time. */
  time: string | null;
  /** The authenticated user, or null when the proxy did not know one. */
  user: string | null;
  /** The client address, or null. */
  client: string | null;
  /** The destination host, lower case, without port (discovery/host.ts). */
  host: string;
  /** Bytes sent by the client to the service (request size); 0 when the format does not log it. */
  bytesUp: number;
  /** Bytes received by the client from the service (response size); 0 when not logged. */
  bytesDown: number;
}

export type ParsedLine =
  | { kind: 'record'; record: LogRecord }
  /** Blank, comment or header line. */
  | { kind: 'skip' }
  | { kind: 'malformed'; reason: string };

export interface LineParser {
  /** Parses one line (without its line break). */
  parse(line: string): ParsedLine;
}

export interface LogFormat {
  readonly name: LogFormatName;
  /** One line for `--help` and the docs. */
  readonly description: string;
  /** A parser for one file. */
  createParser(): LineParser;
}

/** A file that cannot be read in this format at all (e.g. a CSV header without a host or URL column). */
export class LogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogFormatError';
  }
}

/** A malformed-line answer. */
export function malformed(reason: string): ParsedLine {
  return { kind: 'malformed', reason };
}

/** A non-negative whole byte count from a log field; `-`, empty or absent read as 0; null when not a number. */
export function byteCount(text: string | undefined): number | null {
  if (text === undefined) return 0;
  const t = text.trim();
  if (t === '' || t === '-') return 0;
  let value = 0;
  for (const char of t) {
    if (char < '0' || char > '9') return null;
    value = value * 10 + (char.charCodeAt(0) - 48);
    if (value > Number.MAX_SAFE_INTEGER) return null;
  }
  return value;
}

/** A field's value, or null for the usual "empty" markers of proxy logs. */
export function present(text: string | undefined): string | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '' || t === '-' || t === 'None' || t === 'NA' || t === 'N/A' || t === '(null)') return null;
  return t;
}
