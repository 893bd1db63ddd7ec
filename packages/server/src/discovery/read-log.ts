/**
 * Streaming a log through a line parser: files (gzip detected from the first bytes), text and any byte
 * stream, line by line with bounded memory. A line longer than MAX_LINE_CHARS is counted malformed and
 * skipped without being held whole (readline would buffer it entire, whatever its size).
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { type LineParser, type LogFormatName, type LogRecord, logFormat } from './parsers/index.ts';

/** Longest line read (64 KiB of text); longer lines are malformed. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Malformed lines whose number and reason are kept per file. */
export const MALFORMED_SAMPLES = 5;

/** What reading one file found. */
export interface FileReadStats {
  /** The file name (or `-` for standard input, or the upload's name). */
  name: string;
  lines: number;
  records: number;
  skipped: number;
  malformed: number;
  /** The first MALFORMED_SAMPLES malformed lines: 1-based line number and why. */
  malformedSamples: { line: number; reason: string }[];
}

export interface ReadLogOptions {
  format: LogFormatName;
  /** Called for every record, in file order. */
  onRecord(record: LogRecord): void;
  /** Called as bytes are read: bytes of the (possibly compressed) input so far. */
  onBytes?(bytes: number): void;
  signal?: AbortSignal;
}

/** Reads chunks of bytes or text as lines and feeds them to a fresh parser of `options.format`. */
export async function readLogChunks(
  name: string,
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options: ReadLogOptions,
): Promise<FileReadStats> {
  const parser = logFormat(options.format).createParser();
  const stats: FileReadStats = { name, lines: 0, records: 0, skipped: 0, malformed: 0, malformedSamples: [] };
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let overlong = false;

  const line = (text: string) => {
    stats.lines++;
    if (overlong) {
      overlong = false;
      note(stats, `the line is longer than ${MAX_LINE_CHARS} characters`);
      return;
    }
    handle(parser, text.endsWith('\r') ? text.slice(0, -1) : text, stats, options);
  };

  const take = (text: string) => {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      line(partial + text.slice(start, nl));
      partial = '';
      start = nl + 1;
    }
    const rest = text.slice(start);
    if (overlong) return;
    if (partial.length + rest.length > MAX_LINE_CHARS) {
      overlong = true;
      partial = '';
    } else partial += rest;
  };

  for await (const chunk of chunks) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    take(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  }
  take(decoder.end());
  if (partial.length > 0 || overlong) line(partial);
  return stats;
}

function handle(parser: LineParser, text: string, stats: FileReadStats, options: ReadLogOptions): void {
  const parsed = parser.parse(stats.lines === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (parsed.kind === 'record') {
    stats.records++;
    options.onRecord(parsed.record);
  } else if (parsed.kind === 'skip') stats.skipped++;
  else note(stats, parsed.reason);
}

function note(stats: FileReadStats, reason: string): void {
  stats.malformed++;
  if (stats.malformedSamples.length < MALFORMED_SAMPLES)
    stats.malformedSamples.push({ line: stats.lines, reason });
}

/** Size of a file in bytes, or throws a one-line error naming it. */
export async function logFileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`\`${path}\` is not a regular file`);
    return info.size;
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('`')) throw err;
    throw new Error(`cannot read \`${path}\`; check the path and permissions`);
  }
}

/** Whether the file starts with the gzip magic bytes. */
async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Reads one log file (plain or gzip), reporting progress in bytes of the file as stored. */
export async function readLogFile(path: string, options: ReadLogOptions): Promise<FileReadStats> {
  await logFileSize(path);
  const gzip = await isGzip(path);
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  if (options.onBytes !== undefined) {
    const onBytes = options.onBytes;
    file.on('data', () => onBytes(file.bytesRead));
  }
  if (!gzip) return readLogChunks(path, file, options);
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  file.pipe(gunzip);
  try {
    return await readLogChunks(path, gunzip, options);
  } catch (err) {
    if (err instanceof Error && 'code' in err && String(err.code).startsWith('Z_')) {
      throw new Error(`\`${path}\` looks like gzip but does not decompress (${err.message})`);
    }
    throw err;
  } finally {
    file.destroy();
  }
}
