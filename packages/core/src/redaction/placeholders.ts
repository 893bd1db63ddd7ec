/**
 * The text that replaces a redacted value. Three forms, all ASCII and bracketed so they survive any wire
 * format and are easy for a model to copy:
 *
 * - tokenize: `[LABEL_N]`, reversible through the vault (`[EMAIL_ADDRESS_1]`);
 * - mask: `[LABEL]`, irreversible (`[EMAIL_ADDRESS]`);
 * - hash: `[LABEL:abcd1234]`, irreversible but linkable: the same value gives the same 8 hex digits under
 *   the same key (`[EMAIL_ADDRESS:3f9a0c12]`).
 *
 * LABEL is the finding type upper-cased with every character outside `A-Z`, `0-9` and `_` turned into `_`
 * (`aws-access-key` → `AWS_ACCESS_KEY`). A tokenize placeholder therefore never contains `[` or `]`
 * except at its two ends, which is what lets restoration scan text in one pass.
 *
 * Restoration matches the exact placeholder only. Models sometimes echo a placeholder with another case,
 * without brackets or with spaces inside; those are deliberately left as they are: guessing would turn
 * ordinary text into someone's real value.
 */

/** Keyed hash of a value, e.g. an HMAC-SHA-256 hex digest supplied by the server. */
export type HashFunction = (value: string) => string;

/** Label used when a type has no usable character. */
const FALLBACK_LABEL = 'REDACTED';

/** Digits of the hash kept in a hash placeholder. */
export const HASH_DIGITS = 8;

function isLabelCode(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
}

/** The placeholder label of a finding type: upper case, `A-Z0-9_` only. */
export function placeholderLabel(type: string): string {
  const upper = type.toUpperCase();
  let label = '';
  for (let i = 0; i < upper.length; i++) {
    const code = upper.charCodeAt(i);
    label += isLabelCode(code) ? upper[i] : '_';
  }
  return label === '' ? FALLBACK_LABEL : label;
}

/** `[LABEL_N]` for a type and a positive number. */
export function tokenPlaceholder(type: string, n: number): string {
  return `[${placeholderLabel(type)}_${n}]`;
}

/** `[LABEL]` for a type. */
export function maskPlaceholder(type: string): string {
  return `[${placeholderLabel(type)}]`;
}

/**
 * `[LABEL:abcd1234]`: the first 8 characters of `hash(value)`, lower-cased. Throws a TypeError when the
 * hash function does not return at least 8 hexadecimal characters.
 */
export function hashPlaceholder(type: string, value: string, hash: HashFunction): string {
  const digest = hash(value);
  if (typeof digest !== 'string' || digest.length < HASH_DIGITS) {
    throw new TypeError(`the hash function must return at least ${HASH_DIGITS} hexadecimal characters`);
  }
  const digits = digest.slice(0, HASH_DIGITS).toLowerCase();
  for (let i = 0; i < digits.length; i++) {
    const code = digits.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) {
      throw new TypeError(`the hash function must return at least ${HASH_DIGITS} hexadecimal characters`);
    }
  }
  return `[${placeholderLabel(type)}:${digits}]`;
}

/**
 * True when `text` is a well-formed tokenize placeholder: `[`, a non-empty label of `A-Z0-9_`, `_`, a
 * positive decimal number without leading zero, `]`.
 */
export function isTokenPlaceholder(text: string): boolean {
  const n = text.length;
  if (n < 4 || text.charCodeAt(0) !== 0x5b || text.charCodeAt(n - 1) !== 0x5d) return false;
  for (let i = 1; i < n - 1; i++) if (!isLabelCode(text.charCodeAt(i))) return false;
  const underscore = text.lastIndexOf('_', n - 2);
  if (underscore < 2 || underscore > n - 3) return false;
  const first = text.charCodeAt(underscore + 1);
  if (first === 48) return false;
  for (let i = underscore + 1; i < n - 1; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * Adds to `into` every bracketed run of label characters in `text` (`[X]` with X in `A-Z0-9_`), i.e.
 * everything in the text that could be mistaken for a placeholder. One linear pass.
 */
export function collectBracketTokens(text: string, into: Set<string>): void {
  let i = text.indexOf('[');
  while (i !== -1) {
    let j = i + 1;
    while (j < text.length && isLabelCode(text.charCodeAt(j))) j++;
    if (j < text.length && j > i + 1 && text.charCodeAt(j) === 0x5d) {
      into.add(text.slice(i, j + 1));
      j++;
    }
    i = text.indexOf('[', j);
  }
}
