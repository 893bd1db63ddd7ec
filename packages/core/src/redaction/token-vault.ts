/**
 * The token vault: which placeholder stands for which real value in one conversation. An immutable value
 * object; `applyRedactions` returns a new vault with the entries it added, so the caller keeps (encrypts,
 * expires) one vault per conversation and passes it to the next turn.
 *
 * `JSON.stringify(vault)` gives `{"entries":[…]}`; `vaultFrom(parsed.entries)` rebuilds it.
 */
import { z } from 'zod';
import { isTokenPlaceholder } from './placeholders.ts';

/** One placeholder and the value it stands for. */
export const TokenVaultEntry = z.object({
  /** `[LABEL_N]`, e.g. `[EMAIL_ADDRESS_1]`. */
  placeholder: z.string().refine(isTokenPlaceholder, { message: 'expected a placeholder like `[PERSON_1]`' }),
  /** The real value (never empty). */
  value: z.string().min(1),
  /** Finding type the value was first tokenized as, e.g. `EMAIL_ADDRESS`. */
  type: z.string(),
});
export type TokenVaultEntry = z.infer<typeof TokenVaultEntry>;

/**
 * Placeholders and their values, with look-ups both ways. Build one with {@link emptyVault} or
 * {@link vaultFrom}. Values and placeholders are each unique.
 */
export class TokenVault {
  /** Entries in the order they were added. */
  readonly entries: readonly TokenVaultEntry[];
  readonly #byValue = new Map<string, TokenVaultEntry>();
  readonly #byPlaceholder = new Map<string, TokenVaultEntry>();
  readonly #maxPlaceholderLength: number;

  /**
   * Validates and freezes `entries`. Throws a TypeError for a malformed entry, or when two entries share
   * a placeholder or a value. Error messages never quote values.
   */
  constructor(entries: readonly TokenVaultEntry[]) {
    if (!Array.isArray(entries)) throw new TypeError('vault entries must be an array');
    const frozen: TokenVaultEntry[] = [];
    let max = 0;
    entries.forEach((entry: unknown, i) => {
      if (typeof entry !== 'object' || entry === null) {
        throw new TypeError(
          `vault entry ${i} must be an object with \`placeholder\`, \`value\` and \`type\``,
        );
      }
      const { placeholder, value, type } = entry as Record<string, unknown>;
      if (typeof placeholder !== 'string' || !isTokenPlaceholder(placeholder)) {
        throw new TypeError(
          `vault entry ${i} has a malformed placeholder; placeholders look like \`[PERSON_1]\``,
        );
      }
      if (typeof value !== 'string' || value === '') {
        throw new TypeError(`vault entry ${i} (\`${placeholder}\`) must have a non-empty string \`value\``);
      }
      if (typeof type !== 'string') {
        throw new TypeError(`vault entry ${i} (\`${placeholder}\`) must have a string \`type\``);
      }
      if (this.#byPlaceholder.has(placeholder)) {
        throw new TypeError(`vault entry ${i} repeats the placeholder \`${placeholder}\``);
      }
      const other = this.#byValue.get(value);
      if (other !== undefined) {
        throw new TypeError(
          `vault entry ${i} (\`${placeholder}\`) has the same value as \`${other.placeholder}\`; each value has one placeholder`,
        );
      }
      const copy = Object.freeze({ placeholder, value, type });
      frozen.push(copy);
      this.#byPlaceholder.set(placeholder, copy);
      this.#byValue.set(value, copy);
      if (placeholder.length > max) max = placeholder.length;
    });
    this.entries = Object.freeze(frozen);
    this.#maxPlaceholderLength = max;
    Object.freeze(this);
  }

  /** The entry whose value is exactly `value`. */
  byValue(value: string): TokenVaultEntry | undefined {
    return this.#byValue.get(value);
  }

  /** The entry whose placeholder is exactly `placeholder`. */
  byPlaceholder(placeholder: string): TokenVaultEntry | undefined {
    return this.#byPlaceholder.get(placeholder);
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.length;
  }

  /** Length of the longest placeholder (0 for an empty vault): the most a restorer ever holds back. */
  get maxPlaceholderLength(): number {
    return this.#maxPlaceholderLength;
  }

  /** `{ entries }`, so a vault serialises as plain data. */
  toJSON(): { entries: readonly TokenVaultEntry[] } {
    return { entries: this.entries };
  }
}

const EMPTY = new TokenVault([]);

/** The vault of a conversation that has nothing tokenized yet. */
export function emptyVault(): TokenVault {
  return EMPTY;
}

/** A vault holding `entries` (e.g. read back from storage). Throws a TypeError on malformed entries. */
export function vaultFrom(entries: readonly TokenVaultEntry[]): TokenVault {
  return Array.isArray(entries) && entries.length === 0 ? EMPTY : new TokenVault(entries);
}
