/**
 * Restoration: puts the real values back in place of the vault's placeholders, in a whole text or in a
 * stream of chunks.
 *
 * Only exact placeholders are restored (`[EMAIL_ADDRESS_1]`); other case, missing brackets or inner spaces
 * are left as they are, as are placeholders the vault does not know and mask or hash placeholders.
 * Restoration is one pass: a restored value is never scanned again, so a value that itself looks like a
 * placeholder stays as it is.
 *
 * A placeholder starts with `[`, ends with the first `]` after it and has no `[` in between, so the scan
 * looks at each `[` once and at most {@link TokenVault.maxPlaceholderLength} characters after it: linear
 * time, whatever the text.
 */
import type { TokenVault } from './token-vault.ts';

const OPEN = 0x5b;
const CLOSE = 0x5d;

/** What the scan needs from a vault, computed once per restorer. */
interface RestoreTable {
  /** Placeholder → value. */
  values: Map<string, string>;
  /** Every proper, non-empty prefix of every placeholder. */
  prefixes: Set<string>;
  maxLength: number;
}

function tableOf(vault: TokenVault): RestoreTable {
  const values = new Map<string, string>();
  const prefixes = new Set<string>();
  for (const { placeholder, value } of vault.entries) {
    values.set(placeholder, value);
    for (let n = 1; n < placeholder.length; n++) prefixes.add(placeholder.slice(0, n));
  }
  return { values, prefixes, maxLength: vault.maxPlaceholderLength };
}

/**
 * Restores the placeholders in `text`. When `final` is false and `text` ends with what may be the start of
 * a placeholder, that tail is returned as `rest` instead of being emitted; it is a proper prefix of a
 * placeholder, so shorter than the longest one.
 */
function scan(text: string, table: RestoreTable, final: boolean): { out: string; rest: string } {
  const { values, prefixes, maxLength } = table;
  let i = maxLength === 0 ? -1 : text.indexOf('[');
  if (i === -1) return { out: text, rest: '' };
  const parts: string[] = [];
  let emitted = 0;
  let rest = '';
  while (i !== -1) {
    const limit = Math.min(text.length, i + maxLength);
    let j = i + 1;
    while (j < limit) {
      const code = text.charCodeAt(j);
      if (code === CLOSE || code === OPEN) break;
      j += 1;
    }
    if (j < limit && text.charCodeAt(j) === CLOSE) {
      const value = values.get(text.slice(i, j + 1));
      if (value !== undefined) {
        parts.push(text.slice(emitted, i), value);
        emitted = j + 1;
      }
      i = text.indexOf('[', j + 1);
    } else if (j < limit) {
      i = j; // another `[`: a placeholder can only start there
    } else if (j === text.length && j < i + maxLength) {
      // The text ends inside what may still become a placeholder.
      if (!final && prefixes.has(text.slice(i))) {
        rest = text.slice(i);
        parts.push(text.slice(emitted, i));
        emitted = text.length;
      }
      break;
    } else {
      i = text.indexOf('[', j); // longer than any placeholder
    }
  }
  if (emitted < text.length) parts.push(text.slice(emitted));
  return { out: parts.join(''), rest };
}

/** `text` with every placeholder of `vault` replaced by its value. Unknown placeholders are left as is. */
export function restoreText(text: string, vault: TokenVault): string {
  if (vault.size === 0) return text;
  return scan(text, tableOf(vault), true).out;
}

/**
 * Restores placeholders in a stream. Make one per channel (answer text, each tool call's arguments, …):
 * a placeholder split across chunks of one channel is restored whole.
 */
export interface Restorer {
  /**
   * Takes the next chunk and returns the text that can be emitted now. Only a tail that may be the start
   * of a placeholder is held back (fewer characters than the longest placeholder); everything else,
   * including any text that cannot start a placeholder, is returned at once.
   */
  push(chunk: string): string;
  /** Ends the stream: returns the held-back tail as it is. The restorer can then start a new stream. */
  flush(): string;
  /** Characters currently held back. */
  readonly pendingLength: number;
}

/**
 * A streaming restorer for `vault`. Total work is linear in the text pushed: each push scans the new chunk
 * plus the held-back tail (bounded by the longest placeholder).
 */
export function createRestorer(vault: TokenVault): Restorer {
  const table = tableOf(vault);
  let pending = '';
  return {
    push(chunk: string): string {
      if (typeof chunk !== 'string') throw new TypeError('restorer chunks must be strings');
      if (chunk === '') return '';
      const { out, rest } = scan(pending + chunk, table, false);
      pending = rest;
      return out;
    },
    flush(): string {
      const out = pending;
      pending = '';
      return out;
    },
    get pendingLength(): number {
      return pending.length;
    },
  };
}
