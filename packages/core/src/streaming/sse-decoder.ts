import type { SseEvent } from './sse-event.ts';

/** Default cap on one event (and on one line): 8 MiB of UTF-8. */
export const DEFAULT_MAX_SSE_EVENT_BYTES = 8 * 1024 * 1024;

/** Options for {@link createSseDecoder}. */
export interface SseDecoderOptions {
  /**
   * Largest event, and largest single line, accepted, in UTF-8 bytes (default 8 MiB). The size of an event
   * is the UTF-8 size of what the decoder keeps for it: its `data` lines joined with `\n`, its `event` and
   * its `id`. Going over throws {@link SseDecodeError}, so a hostile upstream cannot exhaust memory.
   */
  maxEventBytes?: number;
}

/**
 * An incremental `text/event-stream` decoder. Feed it the body's bytes as they arrive; it returns the
 * events each chunk completes. It holds no I/O and no timers.
 */
export interface SseDecoder {
  /** Decodes one chunk of the body and returns the events it completes (often none). */
  push(chunk: Uint8Array): SseEvent[];
  /**
   * Ends the stream. An event not yet closed by its blank line is dropped, as the WHATWG spec says ("if
   * the file ends in the middle of an event, before the final empty line, the incomplete event is not
   * dispatched"), so this returns events only in the rare case where the decoder's last buffered bytes
   * complete one. The decoder is reset and may decode a new stream afterwards.
   */
  end(): SseEvent[];
}

/**
 * Thrown when an event or a line is larger than `maxEventBytes`. The decoder must not be used after it
 * throws: abandon the stream.
 */
export class SseDecodeError extends Error {
  /** The limit that was exceeded, in bytes. */
  readonly limitBytes: number;
  constructor(message: string, limitBytes: number) {
    super(message);
    this.name = 'SseDecodeError';
    this.limitBytes = limitBytes;
  }
}

const LF = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;
const ASCII_DIGITS = /^[0-9]+$/;

/** UTF-8 size of a string whose surrogates are paired (as TextDecoder output always is). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    // 2-byte forms add 1; 3-byte forms add 2; a surrogate pair (4 bytes, 2 units) adds 1 per unit.
    bytes += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/**
 * Size of a text in UTF-8 bytes, computed lazily: a UTF-16 code unit is at least 1 and at most 3 UTF-8
 * bytes, so the exact count is only needed when the limit lies between those bounds. Once it is needed it
 * is computed once and kept up to date piece by piece, so a long line arriving in many chunks stays linear.
 */
class LazyByteCount {
  units = 0;
  /** Exact byte count, or -1 while the bounds have sufficed. */
  bytes = -1;

  add(piece: string): void {
    this.units += piece.length;
    if (this.bytes >= 0) this.bytes += utf8Length(piece);
  }

  /** True when the counted text is over `limit`; `recount` gives the exact size of everything counted. */
  exceeds(limit: number, extraBytes: number, recount: () => number): boolean {
    if (this.units + extraBytes > limit) return true;
    if (this.units * 3 + extraBytes <= limit) return false;
    if (this.bytes < 0) this.bytes = recount();
    return this.bytes + extraBytes > limit;
  }

  reset(): void {
    this.units = 0;
    this.bytes = -1;
  }
}

/**
 * Creates an incremental decoder of `text/event-stream` following the WHATWG HTML "event stream
 * interpretation" rules:
 *
 * - the bytes are decoded as UTF-8 incrementally: a character split across chunks comes out whole, and
 *   invalid UTF-8 becomes U+FFFD (decoding never throws); one leading byte order mark is skipped;
 * - lines end in LF, CRLF or CR; a CR ending one chunk and an LF starting the next are one line end;
 * - lines starting with `:` are comments and are ignored;
 * - `field: value` lines (one space after the colon is removed; a line without a colon is a field with an
 *   empty value) set `event`, `data` (several `data` lines are joined with `\n`), `id` (ignored if it
 *   contains NUL) or `retry` (ignored unless only ASCII digits); other fields are ignored;
 * - a blank line dispatches the event; an event with no `data` line is not dispatched (its `event`, `id`
 *   and `retry` are dropped with it).
 *
 * Unlike a browser's EventSource, `id` and `retry` are reported on the event that carried them rather
 * than remembered across events, so a proxy can re-encode each event faithfully. An empty `event` is
 * reported as absent (the default `message` type).
 */
export function createSseDecoder(options: SseDecoderOptions = {}): SseDecoder {
  const maxBytes = options.maxEventBytes ?? DEFAULT_MAX_SSE_EVENT_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(`maxEventBytes must be a positive integer, got \`${String(maxBytes)}\``);
  }

  // Not fatal: invalid UTF-8 becomes U+FFFD. ignoreBOM false: one leading BOM is skipped.
  const utf8 = new TextDecoder('utf-8');
  /** The incomplete last line, waiting for its line end. */
  let pending = '';
  const pendingSize = new LazyByteCount();
  /** A CR ended the previous text: an LF starting the next text belongs to it. */
  let skipLeadingLf = false;

  // The event being built.
  let dataLines: string[] = [];
  const dataSize = new LazyByteCount();
  let eventType = '';
  let eventTypeBytes = 0;
  let id: string | undefined;
  let idBytes = 0;
  let retry: number | undefined;

  function tooLarge(what: string): SseDecodeError {
    return new SseDecodeError(`sse ${what} is over the ${maxBytes}-byte limit`, maxBytes);
  }

  function resetEvent(): void {
    dataLines = [];
    dataSize.reset();
    eventType = '';
    eventTypeBytes = 0;
    id = undefined;
    idBytes = 0;
    retry = undefined;
  }

  function checkEventSize(): void {
    // Bytes of the data lines plus the `\n` joining them, plus the kept `event` and `id`.
    const extra = Math.max(0, dataLines.length - 1) + eventTypeBytes + idBytes;
    if (dataSize.exceeds(maxBytes, extra, () => dataLines.reduce((n, line) => n + utf8Length(line), 0))) {
      throw tooLarge('event');
    }
  }

  function dispatch(out: SseEvent[]): void {
    if (dataLines.length > 0) {
      const event: SseEvent = { data: dataLines.length === 1 ? dataLines[0]! : dataLines.join('\n') };
      if (eventType !== '') event.event = eventType;
      if (id !== undefined) event.id = id;
      if (retry !== undefined) event.retry = retry;
      out.push(event);
    }
    resetEvent();
  }

  function processLine(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === COLON) return;
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'data':
        dataLines.push(value);
        dataSize.add(value);
        checkEventSize();
        break;
      case 'event':
        eventType = value;
        eventTypeBytes = utf8Length(value);
        checkEventSize();
        break;
      case 'id':
        if (!value.includes('\0')) {
          id = value;
          idBytes = utf8Length(value);
          checkEventSize();
        }
        break;
      case 'retry':
        if (ASCII_DIGITS.test(value)) retry = Number(value);
        break;
      default:
        break;
    }
  }

  /** Checks a completed line made of `pending` (already counted) and `head` (not yet counted). */
  function checkLine(line: string, head: string): void {
    pendingSize.add(head);
    if (pendingSize.exceeds(maxBytes, 0, () => utf8Length(line))) throw tooLarge('line');
  }

  function processText(text: string, out: SseEvent[]): void {
    if (text.length === 0) return;
    let pos = 0;
    if (skipLeadingLf) {
      skipLeadingLf = false;
      if (text.charCodeAt(0) === LF) pos = 1;
    }
    // Next LF and next CR at or after `pos`, each searched again only once passed (linear overall).
    let lf = text.indexOf('\n', pos);
    let cr = text.indexOf('\r', pos);
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        if (cr + 1 < text.length) {
          next = text.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
        } else {
          next = cr + 1;
          skipLeadingLf = true;
        }
      }
      const head = text.slice(pos, end);
      let line = head;
      if (pending.length > 0) {
        line = pending + head;
        pending = '';
      }
      checkLine(line, head);
      pendingSize.reset();
      processLine(line, out);
      pos = next;
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
    }
    if (pos < text.length) {
      const tail = pos === 0 ? text : text.slice(pos);
      pending += tail;
      pendingSize.add(tail);
      if (pendingSize.exceeds(maxBytes, 0, () => utf8Length(pending))) throw tooLarge('line');
    }
  }

  return {
    push(chunk: Uint8Array): SseEvent[] {
      const out: SseEvent[] = [];
      processText(utf8.decode(chunk, { stream: true }), out);
      return out;
    },
    end(): SseEvent[] {
      const out: SseEvent[] = [];
      processText(utf8.decode(), out);
      // Whatever is left is an unterminated line or event: dropped, as the spec says. decode() without
      // `stream` has also reset the UTF-8 decoder.
      pending = '';
      pendingSize.reset();
      skipLeadingLf = false;
      resetEvent();
      return out;
    },
  };
}
