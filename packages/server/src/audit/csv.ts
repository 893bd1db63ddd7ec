/**
 * A streaming CSV reader (RFC 4180): fields separated by a delimiter (`,` by default), records by CRLF,
 * LF or a lone CR; fields may be quoted with `"`, a doubled `""` inside quotes is one quote, and quoted
 * fields may hold delimiters and line breaks. A UTF-8 byte-order mark at the start is dropped.
 *
 * Lenient where RFC 4180 is strict, the way Python's csv module and R's read.csv are: a quote inside an
 * unquoted field (`5'10"`) and text after a closing quote (`"a"b`) are kept as text. Records are not
 * checked against the header here (the caller counts wrong field counts as bad rows).
 *
 * Memory is bounded by the chunk size and the longest record: a record longer than `maxRecordChars`
 * (an unterminated quote swallowing the rest of the file, say) is not held; it comes out with no fields
 * and an `error`, and reading goes on at the next record boundary.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One record: its fields and the 1-based physical line it starts on (the header is line 1). */
export interface CsvRecord {
  fields: string[];
  line: number;
  /** Set when the record could not be read whole: an unterminated quote at the end, or an overlong record. */
  error?: string;
}

export interface CsvOptions {
  /** One character; default `,`. */
  delimiter?: string;
  /** Records longer than this (in characters) are dropped with an error; default 1 MiB of text. */
  maxRecordChars?: number;
}

/** The default cap on one record's length. */
export const MAX_RECORD_CHARS = 1024 * 1024;

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * An incremental CSV parser: `push` text in chunks of any size (a chunk may end anywhere, even between
 * CR and LF or inside a quoted field) and get the records completed so far; `end` flushes the last one.
 */
export class CsvParser {
  private readonly delimiter: number;
  private readonly maxRecordChars: number;
  private started = false;
  private fields: string[] = [];
  private field = '';
  /** At the start of a field: a quote here opens a quoted field. */
  private fieldStart = true;
  private inQuotes = false;
  /** Just after a quote inside a quoted field: the next character decides (`"` again = a literal quote). */
  private afterQuote = false;
  /** The previous chunk ended with a CR that ended a record: an LF starting this chunk belongs to it. */
  private pendingCR = false;
  private line = 1;
  private recordLine = 1;
  private recordChars = 0;
  private overlong = false;
  /** The record has any content (a quote, a delimiter or a character): a bare line break is a blank line. */
  private recordHasContent = false;

  constructor(options: CsvOptions = {}) {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new Error(`the CSV delimiter must be one character other than a quote or a line break`);
    }
    this.delimiter = delimiter.charCodeAt(0);
    this.maxRecordChars = options.maxRecordChars ?? MAX_RECORD_CHARS;
  }

  /** Feeds text; returns the records it completed. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const n = text.length;
    let i = 0;
    if (!this.started) {
      if (n === 0) return out;
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.pendingCR) {
      this.pendingCR = false;
      if (i < n && text.charCodeAt(i) === LF) i++;
    }
    const delimiter = this.delimiter;
    while (i < n) {
      if (this.inQuotes) {
        const close = text.indexOf('"', i);
        const end = close === -1 ? n : close;
        this.append(text, i, end);
        this.line += countLineFeeds(text, i, end);
        if (close === -1) return out;
        i = close + 1;
        this.inQuotes = false;
        this.afterQuote = true;
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (text.charCodeAt(i) === QUOTE) {
          this.append('"', 0, 1);
          this.inQuotes = true;
          i++;
          continue;
        }
      }
      let k = i;
      while (k < n) {
        const c = text.charCodeAt(k);
        if (c === delimiter || c === LF || c === CR || c === QUOTE) break;
        k++;
      }
      if (k > i) {
        this.append(text, i, k);
        this.fieldStart = false;
        this.recordHasContent = true;
        i = k;
      }
      if (k === n) break;
      const c = text.charCodeAt(k);
      i = k + 1;
      if (c === QUOTE) {
        this.recordHasContent = true;
        if (this.fieldStart) {
          this.fieldStart = false;
          this.inQuotes = true;
        } else this.append('"', 0, 1);
      } else if (c === delimiter) {
        this.recordHasContent = true;
        this.endField();
      } else {
        // LF, or CR (alone or as the first half of CRLF).
        if (c === CR) {
          if (i < n) {
            if (text.charCodeAt(i) === LF) i++;
          } else this.pendingCR = true;
        }
        this.line++;
        const record = this.endRecord();
        if (record !== null) out.push(record);
      }
    }
    return out;
  }

  /** Flushes the last record (a file need not end with a line break). */
  end(): CsvRecord[] {
    this.pendingCR = false;
    if (this.inQuotes) {
      const line = this.recordLine;
      this.resetRecord();
      return [{ fields: [], line, error: `unterminated quoted field (the quote opened on line ${line})` }];
    }
    this.afterQuote = false;
    if (!this.recordHasContent) return [];
    const record = this.endRecord();
    return record === null ? [] : [record];
  }

  private append(text: string, start: number, end: number): void {
    if (this.overlong || end <= start) return;
    this.recordChars += end - start;
    if (this.recordChars > this.maxRecordChars) {
      this.overlong = true;
      this.fields = [];
      this.field = '';
      return;
    }
    this.field += start === 0 && end === text.length ? text : text.slice(start, end);
  }

  private endField(): void {
    if (!this.overlong) this.fields.push(this.field);
    this.field = '';
    this.fieldStart = true;
    this.afterQuote = false;
  }

  /** Ends the record at a line break; null for a blank line. */
  private endRecord(): CsvRecord | null {
    const line = this.recordLine;
    if (!this.recordHasContent) {
      this.resetRecord();
      return null;
    }
    this.endField();
    const record: CsvRecord = this.overlong
      ? { fields: [], line, error: `the record is longer than ${this.maxRecordChars} characters` }
      : { fields: this.fields, line };
    this.resetRecord();
    return record;
  }

  private resetRecord(): void {
    this.fields = [];
    this.field = '';
    this.fieldStart = true;
    this.inQuotes = false;
    this.afterQuote = false;
    this.recordChars = 0;
    this.overlong = false;
    this.recordHasContent = false;
    this.recordLine = this.line;
  }
}

function countLineFeeds(text: string, start: number, end: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', start); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/**
 * Reads CSV records from chunks of text or UTF-8 bytes, one array per chunk (blank lines are skipped).
 * Multi-byte characters split between chunks are decoded whole.
 */
export async function* readCsvBatches(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord[]> {
  const parser = new CsvParser(options);
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const records = parser.push(text);
    if (records.length > 0) yield records;
  }
  const rest = parser.push(decoder.decode());
  rest.push(...parser.end());
  if (rest.length > 0) yield rest;
}

/** Reads CSV records one by one (see readCsvBatches). */
export async function* readCsv(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvBatches(chunks, options)) yield* batch;
}

/** Parses a whole CSV text at once (tests, small inputs). */
export function parseCsv(text: string, options: CsvOptions = {}): CsvRecord[] {
  const parser = new CsvParser(options);
  return [...parser.push(text), ...parser.end()];
}

/** The bytes of a file in chunks of 1 MiB, gunzipped when the file starts with the gzip magic number. */
export async function csvFileChunks(path: string): Promise<AsyncIterable<Uint8Array>> {
  const handle = await open(path, 'r');
  let gzip = false;
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    gzip = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
  const stream: Readable = createReadStream(path, { highWaterMark: 1024 * 1024 });
  return gzip ? stream.pipe(createGunzip()) : stream;
}
