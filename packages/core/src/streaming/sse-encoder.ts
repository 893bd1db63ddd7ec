import type { SseEvent } from './sse-event.ts';

/**
 * Thrown when an event cannot be written safely: an `event` or `id` containing CR or LF (or an `id`
 * containing NUL) would let its value inject fields or whole events into the stream, so it is refused
 * rather than re-emitted.
 */
export class SseEncodeError extends Error {
  /** The field that was refused. */
  readonly field: 'event' | 'id' | 'retry';
  constructor(message: string, field: 'event' | 'id' | 'retry') {
    super(message);
    this.name = 'SseEncodeError';
    this.field = field;
  }
}

const LINE_BREAK = /\r\n|\r|\n/;

function hasLineBreak(text: string): boolean {
  return text.includes('\n') || text.includes('\r');
}

/** Writes `field: value` lines, one per line of `text` (LF, CR and CRLF all count as line breaks). */
function fieldLines(field: string, text: string): string {
  if (!hasLineBreak(text)) return field + ': ' + text + '\n';
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += field + ': ' + line + '\n';
  return out;
}

/**
 * Encodes one event as `text/event-stream`, ending with the blank line that dispatches it. Fields are
 * written in the order `event`, `id`, `retry`, `data`; an absent or empty `event` is omitted (both mean
 * `message`). Data containing line breaks becomes several `data:` lines, so the decoder gives back the
 * same data (with every CR or CRLF normalised to LF, as the format cannot carry them).
 *
 * @throws SseEncodeError when `event` or `id` contains CR or LF, `id` contains NUL, or `retry` is not a
 *   non-negative integer.
 */
export function encodeSseEvent(event: SseEvent): string {
  let out = '';
  if (event.event !== undefined && event.event !== '') {
    if (hasLineBreak(event.event)) {
      throw new SseEncodeError('sse `event` must not contain a line break (CR or LF)', 'event');
    }
    out += 'event: ' + event.event + '\n';
  }
  if (event.id !== undefined) {
    if (hasLineBreak(event.id) || event.id.includes('\0')) {
      throw new SseEncodeError('sse `id` must not contain a line break (CR or LF) or NUL', 'id');
    }
    out += 'id: ' + event.id + '\n';
  }
  if (event.retry !== undefined) {
    if (!Number.isSafeInteger(event.retry) || event.retry < 0) {
      throw new SseEncodeError('sse `retry` must be a non-negative integer of milliseconds', 'retry');
    }
    out += 'retry: ' + event.retry + '\n';
  }
  return out + fieldLines('data', event.data) + '\n';
}

/**
 * Encodes a comment (for example a keep-alive `: ping`), followed by a blank line. Clients ignore
 * comments; a text containing line breaks becomes several comment lines, so it cannot inject fields.
 */
export function encodeSseComment(text: string): string {
  if (!hasLineBreak(text)) return ': ' + text + '\n\n';
  return fieldLines('', text) + '\n';
}
