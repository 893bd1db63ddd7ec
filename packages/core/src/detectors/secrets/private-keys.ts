import { decodeBase64, shannonEntropy } from './heuristics.ts';

/** A span found by one of the hand-written scanners. */
export interface RawMatch {
  ruleId: string;
  type: string;
  start: number;
  end: number;
  score: number;
  explanation: string;
}

const BEGIN_RE =
  /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----/g;
const END_MARK = '-----END ';
/** Longest body we look at after a BEGIN marker (a 16k-bit RSA key is about 12 KB). */
const MAX_BODY = 16_384;

function isBodyChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 47 ||
    c === 61 ||
    c === 92 // literal "\n" escapes inside JSON / code strings
  );
}

/** Counts base64 body characters in text[from, to), skipping whitespace, headers and escapes. */
function bodyChars(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (isBodyChar(c) && c !== 92) n++;
  }
  return n;
}

function idFor(label: string): string {
  if (label.startsWith('OPENSSH')) return 'secrets.openssh-private-key';
  if (label.startsWith('PGP')) return 'secrets.pgp-private-key';
  if (label.startsWith('RSA')) return 'secrets.rsa-private-key';
  if (label.startsWith('EC ')) return 'secrets.ec-private-key';
  if (label.startsWith('DSA')) return 'secrets.dsa-private-key';
  if (label.startsWith('ENCRYPTED') || label.startsWith('SSH2')) return 'secrets.encrypted-private-key';
  return 'secrets.pkcs8-private-key';
}

/**
 * PEM / OpenSSH / PGP private key blocks. The span runs from the BEGIN marker to the end of the END
 * marker (or to the end of the body when the block is truncated). A BEGIN marker without a body of at
 * least 64 base64 characters is not reported (documentation often shows the bare header).
 */
export function scanPrivateKeys(text: string, out: RawMatch[]): void {
  BEGIN_RE.lastIndex = 0;
  for (let m = BEGIN_RE.exec(text); m !== null; m = BEGIN_RE.exec(text)) {
    const label = m[1] as string;
    const bodyStart = m.index + m[0].length;
    const limit = Math.min(text.length, bodyStart + MAX_BODY);
    const endAt = text.indexOf(END_MARK, bodyStart);
    let end: number;
    let bodyEnd: number;
    if (endAt !== -1 && endAt < limit) {
      bodyEnd = endAt;
      const close = text.indexOf('-----', endAt + END_MARK.length);
      end = close !== -1 && close - endAt < 80 ? close + 5 : endAt + END_MARK.length;
    } else {
      let i = bodyStart;
      while (i < limit) {
        const c = text.charCodeAt(i);
        if (isBodyChar(c) || c === 10 || c === 13 || c === 32 || c === 9 || c === 58 || c === 45 || c === 44)
          i++;
        else break;
      }
      bodyEnd = i;
      end = i;
    }
    if (bodyChars(text, bodyStart, bodyEnd) < 64) continue;
    out.push({
      ruleId: idFor(label),
      type: 'PRIVATE_KEY',
      start: m.index,
      end,
      score: 0.99,
      explanation: `${label.toLowerCase()} block`,
    });
    BEGIN_RE.lastIndex = Math.max(end, bodyStart);
  }
}

const END_RE = /-----END ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;

/**
 * The tail of a private key whose BEGIN marker is not in this segment: an END marker preceded by at
 * least 24 base64 characters (text cut into chunks, or keys split across string literals).
 */
export function scanPrivateKeyTails(text: string, out: RawMatch[]): void {
  if (!text.includes(END_MARK)) return;
  END_RE.lastIndex = 0;
  for (let m = END_RE.exec(text); m !== null; m = END_RE.exec(text)) {
    let i = m.index;
    let chars = 0;
    const floor = Math.max(0, m.index - 4096);
    while (i > floor) {
      const c = text.charCodeAt(i - 1);
      if (isBodyChar(c) || c === 10 || c === 13 || c === 32 || c === 9) {
        if (isBodyChar(c) && c !== 92) chars++;
        i--;
      } else break;
    }
    if (chars < 24) continue;
    if (text.lastIndexOf('-----BEGIN', m.index) !== -1 && text.lastIndexOf('-----BEGIN', m.index) >= i - 40)
      continue;
    while (i < m.index && !isBodyChar(text.charCodeAt(i))) i++;
    out.push({
      ruleId: 'secrets.private-key-tail',
      type: 'PRIVATE_KEY',
      start: i,
      end: m.index + m[0].length,
      score: 0.9,
      explanation: 'end of a private key block',
    });
  }
}

/** `-----BEGIN` base64-encoded (`LS0tLS1CRUdJTi…`), e.g. a key stored in a Kubernetes secret. */
const B64_PEM_RE = /(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,16384}={0,2}/g;

/** Base64-encoded PEM private keys. */
export function scanEncodedPrivateKeys(text: string, out: RawMatch[]): void {
  if (!text.includes('LS0tLS1CRUdJTi')) return;
  B64_PEM_RE.lastIndex = 0;
  for (let m = B64_PEM_RE.exec(text); m !== null; m = B64_PEM_RE.exec(text)) {
    const head = decodeBase64(m[0].slice(0, 80));
    if (head === null || !head.includes('PRIVATE KEY')) continue;
    out.push({
      ruleId: 'secrets.base64-private-key',
      type: 'PRIVATE_KEY',
      start: m.index,
      end: m.index + m[0].length,
      score: 0.95,
      explanation: 'base64-encoded private key block',
    });
  }
}

/**
 * A single line of a PEM body seen on its own (a key pasted line by line, or a log that printed one).
 * Only reported when the 64-character token is the last token of its line, mixes upper and lower case
 * (and digits, unless its entropy is very high) and has base64-like entropy; the score stays low because
 * certificates share the shape. `starts` are the candidate token starts the run pass measured
 * (`measureRuns(text).pemStarts`).
 */
export function scanPemBodyLines(text: string, out: RawMatch[], starts: readonly number[]): void {
  for (const index of starts) {
    const token = text.slice(index, index + 64);
    let j = index + 64;
    while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
    const next = text.charCodeAt(j);
    const atLineEnd =
      j >= text.length ||
      next === 10 ||
      next === 13 ||
      next === 34 ||
      next === 39 ||
      next === 92 ||
      next === 42;
    if (!atLineEnd) continue;
    if (!/[A-Z]/.test(token) || !/[a-z]/.test(token)) continue;
    // Digits are optional for a very random line: 64 mixed-case letters at ≥ 4.6 bits are not prose.
    const entropy = shannonEntropy(token);
    if (entropy < 4.4 || (entropy < 4.6 && !/[0-9]/.test(token))) continue;
    out.push({
      ruleId: 'secrets.pem-body-line',
      type: 'PRIVATE_KEY',
      start: index,
      end: index + 64,
      score: 0.6,
      explanation: 'line shaped like the body of a PEM private key',
    });
  }
}
