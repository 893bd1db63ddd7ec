/**
 * How much of a streamed answer's end may still be the beginning of a value that output redaction masks,
 * so the gateway can hold back only that instead of a fixed number of characters (the stream inspector's
 * `holdBackFor`). The tail is the current word (an e-mail address, a key, an IP address or a URL has no
 * spaces) and, before it, every whitespace-separated group that contains a digit (card numbers, IBANs,
 * phone numbers and national ids are written in digit groups). Ordinary prose holds back one word.
 * Values of several words without digits (names, street addresses) are not covered: use a fixed hold-back
 * for those. Linear in the text; no regular expression.
 */
export function valueTail(text: string): number {
  let start = text.length;
  while (start > 0 && !isSpace(text.charCodeAt(start - 1))) start--;
  for (;;) {
    let gap = start;
    while (gap > 0 && start - gap < 2 && isSpace(text.charCodeAt(gap - 1))) gap--;
    if (gap === start) break;
    let from = gap;
    let digit = false;
    while (from > 0 && !isSpace(text.charCodeAt(from - 1))) {
      from--;
      const c = text.charCodeAt(from);
      if (c >= 48 && c <= 57) digit = true;
    }
    if (!digit) break;
    start = from;
  }
  return text.length - start;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0;
}
