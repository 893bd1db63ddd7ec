import { minWordRun } from './runs.ts';

/**
 * The shape of one secrets rule. Rules are plain data plus an optional pure validator; the engine in
 * `engine.ts` runs them only when one of their literal keywords occurs in the text (prefilter).
 */
export interface SecretRule {
  /** Stable id reported in `Finding.detector`, e.g. `secrets.aws-access-key-id`. */
  readonly id: string;
  /** SCREAMING_SNAKE secret type reported in `Finding.type`, e.g. `AWS_ACCESS_KEY`. */
  readonly type: string;
  /** Lower-case literals; the rule runs only when one of them occurs in the text (case-insensitive). */
  readonly keywords: readonly string[];
  /** Global regular expression; capture group 1 (when present) is the secret's span, else the match. */
  readonly pattern: RegExp;
  /**
   * The same expression without the ANSI-escape alternative of its start boundaries ({@link B}), for
   * texts that hold no ESC character, where that alternative can never match. V8 cannot skip ahead over
   * a pattern that starts with an alternation of look-behinds, and tries it at every position instead;
   * with a single look-behind it can (about thirty times faster on prose). Null when the pattern has no
   * such boundary.
   */
  readonly plain: RegExp | null;
  /**
   * Every match contains a run of at least this many word characters (`[A-Za-z0-9_]`), derived from the
   * source by {@link minWordRun}; a text whose longest run is shorter cannot match, and is not searched.
   */
  readonly minRun: number;
  /** Score when the match passes validation. */
  readonly score: number;
  /** Short human explanation (never contains the matched value). */
  readonly description: string;
  /**
   * Optional check on the captured value (and the whole match); returns a score to use instead of
   * `score`, `true` to keep the default score, or `false` to drop the match.
   */
  readonly validate?: (value: string, match: string) => boolean | number;
  /** Skip the shared placeholder / low-variety filter (for formats that legitimately repeat characters). */
  readonly allowLowVariety?: boolean;
}

/** Options accepted by {@link rule}. */
export interface RuleOptions {
  /** Case-insensitive pattern. */
  ci?: boolean;
  score?: number;
  validate?: SecretRule['validate'];
  allowLowVariety?: boolean;
}

/**
 * Not preceded by a token character (letters, digits, `_`), or preceded by an ANSI colour escape such as
 * `ESC[93m` (terminal output pasted into a prompt keeps them, and their final `m` is a letter).
 */
export const B = '(?:(?<![A-Za-z0-9_])|(?<=\\x1b\\[[0-9;]{0,12}m))';

/** A start boundary `(?:(?<!CLASS)|(?<=ESC[…m))` as written in rule sources (the class may vary). */
const ANSI_BOUNDARY = /\(\?:\(\?<!(\[[^\]]{1,40}\])\)\|\(\?<=\\x1b\\\[\[0-9;\]\{0,12\}m\)\)/g;

/**
 * `source` with every ANSI-aware start boundary reduced to its plain look-behind; null when there is none,
 * or when an escape sequence would still be looked for (then only the full pattern is used).
 */
export function withoutAnsiBoundaries(source: string, flags: string): RegExp | null {
  const plain = source.replace(ANSI_BOUNDARY, '(?<!$1)');
  if (plain === source || plain.includes('x1b')) return null;
  return new RegExp(plain, flags);
}
/** Not followed by a token character. */
export const E = '(?![A-Za-z0-9_])';

/**
 * Builds a rule. `source` is compiled once with the `g` flag (plus `i` when `ci`); it must be linear-time:
 * literal anchors first, bounded repetitions, no nested quantifiers over overlapping classes.
 */
export function rule(
  id: string,
  type: string,
  keywords: readonly string[],
  source: string,
  description: string,
  options: RuleOptions = {},
): SecretRule {
  const flags = options.ci ? 'gi' : 'g';
  return {
    id: `secrets.${id}`,
    type,
    keywords: keywords.map((k) => k.toLowerCase()),
    pattern: new RegExp(source, flags),
    plain: withoutAnsiBoundaries(source, flags),
    minRun: minWordRun(source),
    score: options.score ?? 0.9,
    description,
    ...(options.validate ? { validate: options.validate } : {}),
    ...(options.allowLowVariety ? { allowLowVariety: true } : {}),
  };
}

/**
 * A key name followed by an assignment and a value, e.g. `heroku_api_key = "…"`. `keys` is a regex
 * alternation of key literals (case-insensitive); the value pattern becomes capture group 1.
 */
export function assigned(keys: string, value: string): string {
  return `(?:${keys})[A-Za-z0-9_.-]{0,30}?["'\\]]{0,2}\\s{0,3}(?:=>|:=|[:=])\\s{0,3}["'\`]?(${value})(?![A-Za-z0-9_])`;
}
