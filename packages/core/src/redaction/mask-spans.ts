/**
 * Output redaction: irreversible masking or hashing of spans of one text (an answer, or the part of a
 * streamed answer the stream inspector releases). Tokenization has no place here: the client must not
 * receive placeholders it cannot resolve.
 */
import { type HashFunction, hashPlaceholder, maskPlaceholder } from './placeholders.ts';
import { checkSpan, mergeSpans, type TypedSpan, widenToCodePoints } from './spans.ts';

/** Irreversible redaction modes. */
export type MaskMode = 'mask' | 'hash';

/**
 * `text` with each span replaced by `[TYPE]` (`mask`) or `[TYPE:abcd1234]` (`hash`, which needs `hash`).
 * Spans are UTF-16 offsets, end exclusive; they are widened so as not to split a surrogate pair, empty ones
 * are ignored, and overlapping or adjacent ones merge into one replacement with the type of the longest
 * (ties: the earlier start, then the one given first). Throws a RangeError for a span outside the text and
 * a TypeError for an unknown mode or a missing or malformed hash.
 */
export function maskSpans(
  text: string,
  spans: readonly TypedSpan[],
  mode: MaskMode = 'mask',
  hash?: HashFunction,
): string {
  if (mode !== 'mask' && mode !== 'hash') {
    throw new TypeError(`unknown mask mode \`${String(mode)}\`; use mask or hash`);
  }
  if (mode === 'hash' && typeof hash !== 'function') {
    throw new TypeError('the `hash` mode needs a hash function (the server supplies a keyed HMAC)');
  }
  const wide: TypedSpan[] = [];
  spans.forEach((span, k) => {
    checkSpan(span.start, span.end, text.length, `item ${k} of spans`);
    if (span.start === span.end) return;
    const { start, end } = widenToCodePoints(text, span.start, span.end);
    wide.push({ start, end, type: span.type });
  });
  if (wide.length === 0) return text;
  const parts: string[] = [];
  let emitted = 0;
  for (const region of mergeSpans(wide)) {
    const value = text.slice(region.start, region.end);
    parts.push(
      text.slice(emitted, region.start),
      mode === 'mask' ? maskPlaceholder(region.type) : hashPlaceholder(region.type, value, hash!),
    );
    emitted = region.end;
  }
  parts.push(text.slice(emitted));
  return parts.join('');
}
