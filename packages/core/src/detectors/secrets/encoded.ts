import { decodeBase64 } from './heuristics.ts';

/** A base64 run in the text with its decoded, printable content. */
export interface EncodedRun {
  start: number;
  end: number;
  decoded: string;
}

/** Shortest base64 run worth decoding (18 bytes of payload, enough for `password: x1y2z3w4`). */
const MIN_RUN = 24;
/** Longest run decoded (a Kubernetes secret or a base64 JSON key file fits easily). */
const MAX_RUN = 65_536;

function isB64(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 47 ||
    c === 45 ||
    c === 95
  );
}

/** True when nearly every character is printable text (so the run was base64 of text, not of bytes). */
function isPrintableText(s: string): boolean {
  let bad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) bad++;
  }
  return bad <= s.length * 0.02;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_LENIENT = new TextDecoder('utf-8');

/** Bytes of a binary string (as `atob` returns them). */
function bytesOf(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Cheap look at the first 32 characters (24 bytes) before decoding a long run: binary payloads (DER
 * keys, images, ciphertext) show control bytes or broken UTF-8 at once. One replacement character is
 * allowed for a multi-byte character cut at the end of the sample.
 */
function headLooksLikeText(run: string): boolean {
  const head = decodeBase64(run.slice(0, 32));
  if (head === null) return false;
  const text = UTF8_LENIENT.decode(bytesOf(head));
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127 || c === 0xfffd) bad++;
  }
  return bad <= 1;
}

/** Decodes the UTF-8 bytes held in a binary string; null when they are not UTF-8 (random bytes). */
function utf8(binary: string): string | null {
  try {
    return UTF8.decode(bytesOf(binary));
  } catch {
    return null;
  }
}

/**
 * Base64 / base64url runs of at least 24 characters that decode to text. One hand-written pass with a
 * stride: a run that long must cover one of every 24th position, so only those positions are probed and a
 * run is widened around a probe that lands on a base64 character (linear, and about a quarter of the
 * character reads of a full pass on prose). Runs that decode to binary (images, DER, ciphertext) are
 * skipped, and so are runs without both upper- and lower-case letters (long words, hex digests).
 */
export function findEncodedText(text: string): EncodedRun[] {
  const runs: EncodedRun[] = [];
  let p = MIN_RUN - 1;
  while (p < text.length) {
    if (!isB64(text.charCodeAt(p))) {
      p += MIN_RUN;
      continue;
    }
    let start = p;
    while (start > 0 && isB64(text.charCodeAt(start - 1))) start--;
    let k = p + 1;
    while (k < text.length && isB64(text.charCodeAt(k))) k++;
    // The next run starts after `k` (a non-base64 character) and is at least MIN_RUN long.
    p = k + MIN_RUN;
    if (k - start < MIN_RUN || k - start > MAX_RUN) continue;
    let upper = false;
    let lower = false;
    for (let i = start; i < k && !(upper && lower); i++) {
      const c = text.charCodeAt(i);
      if (c >= 65 && c <= 90) upper = true;
      else if (c >= 97 && c <= 122) lower = true;
    }
    if (!upper || !lower) continue;
    let end = k;
    while (end < text.length && end - k < 2 && text.charCodeAt(end) === 61) end++;
    const run = text.slice(start, k);
    if (!headLooksLikeText(run)) continue;
    const binary = decodeBase64(run);
    if (binary === null || binary.length < 16) continue;
    const decoded = utf8(binary);
    if (decoded === null || !isPrintableText(decoded)) continue;
    runs.push({ start, end, decoded });
  }
  return runs;
}
