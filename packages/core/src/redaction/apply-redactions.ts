/**
 * Input redaction: applies findings to the segments of a request, so the upstream model sees
 * placeholders instead of the values.
 *
 * Modes, and which wins when one stretch of text is asked for under several (the same finding in two plan
 * items, or overlapping findings merged into one region): **mask > hash > tokenize**, the most protective
 * mode wins. A rule that asks for irreversible treatment must not be weakened by a broader reversible
 * rule: a tokenized value is kept in the vault and flows back to the user in the answer, a masked or
 * hashed value is kept nowhere.
 *
 * Spans. Findings whose `segment` or `span` is null (about the whole interaction) and empty spans are
 * ignored. Spans are widened so they never split a surrogate pair. Overlapping or adjacent spans of one
 * segment merge into one region; the region takes the type of its longest span (ties: earlier start, then
 * plan order) and the strongest mode of its spans.
 *
 * Tokenize. A region's text is its value; the same value always gets the same placeholder, through the
 * vault passed in (so pass the vault of the previous turn). New values get `[LABEL_N]` with N counting per
 * label from 1 in order of first appearance (segments in the order given, then by offset), skipping any N
 * already used by the vault, or whose placeholder already appears literally in the input or is a mask
 * placeholder of this call. After that, every other literal occurrence of any vault value at least
 * {@link MIN_LITERAL_LENGTH} characters long is replaced as well, in every segment (so a value restored into
 * an earlier assistant message does not leak in the next turn because a detector missed it there). Literal
 * occurrences are chosen leftmost-longest, and never inside or across a region found by a detector (the
 * region's own replacement covers that text). Call with an empty plan to only re-apply the vault.
 *
 * Identity. With tokenize only, `restoreText(texts[i], vault)` gives back `segments[i].text`, unless the
 * input already contained a placeholder of the vault passed in (which then restores to its value).
 */
import { createAhoCorasick } from '../detectors/aho-corasick.ts';
import type { Finding } from '../model/finding.ts';
import type { Segment } from '../model/segment.ts';
import {
  collectBracketTokens,
  type HashFunction,
  hashPlaceholder,
  maskPlaceholder,
  placeholderLabel,
} from './placeholders.ts';
import { checkSpan, mergeSpans, widenToCodePoints } from './spans.ts';
import { TokenVault, type TokenVaultEntry } from './token-vault.ts';

/** How a value is replaced: reversible placeholder, `[TYPE]`, or `[TYPE:abcd1234]`. */
export type RedactionMode = 'tokenize' | 'mask' | 'hash';

/** Every mode, from the least to the most protective (the later wins on overlap). */
export const REDACTION_MODES: readonly RedactionMode[] = Object.freeze(['tokenize', 'hash', 'mask']);

/** Shortest vault value that is also replaced wherever it occurs literally (shorter ones hit too often). */
export const MIN_LITERAL_LENGTH = 3;

/** Findings to redact and how. */
export interface RedactionPlanItem {
  findings: readonly Finding[];
  mode: RedactionMode;
}

/** Options of {@link applyRedactions}. */
export interface RedactionOptions {
  /** Keyed hash for `hash` mode (the server passes an HMAC); required when a plan item uses `hash`. */
  hash?: HashFunction;
}

/** One replacement made, in the coordinates of the input segment's text. */
export interface AppliedRedaction {
  /** `Segment.index` of the segment. */
  segment: number;
  start: number;
  end: number;
  type: string;
  mode: RedactionMode;
  /** The text put in place of `[start, end)`. */
  placeholder: string;
  /** `finding` when a finding of the plan covered the text; `vault` for another occurrence of a vault value. */
  origin: 'finding' | 'vault';
}

/** What {@link applyRedactions} returns. */
export interface RedactionResult {
  /** The redacted text of each segment, in the order the segments were given. */
  texts: string[];
  /** The vault passed in plus the values tokenized now. */
  vault: TokenVault;
  /** Every replacement, by segment (in the order given) then by offset. */
  replaced: AppliedRedaction[];
}

interface PlannedSpan {
  start: number;
  end: number;
  type: string;
  mode: RedactionMode;
}

interface Region {
  start: number;
  end: number;
  type: string;
  mode: RedactionMode;
  value: string;
}

function strongestMode(spans: readonly PlannedSpan[]): RedactionMode {
  let best = 0;
  for (const span of spans) best = Math.max(best, REDACTION_MODES.indexOf(span.mode));
  return REDACTION_MODES[best]!;
}

/** Collects the spans of the plan per segment position, validated and widened to whole code points. */
function planSpans(segments: readonly Segment[], plan: readonly RedactionPlanItem[]): PlannedSpan[][] {
  const position = new Map<number, number>();
  segments.forEach((segment, i) => {
    if (position.has(segment.index)) {
      throw new RangeError(
        `two segments have the index \`${segment.index}\`; segment indexes must be unique`,
      );
    }
    position.set(segment.index, i);
  });
  const spans: PlannedSpan[][] = segments.map(() => []);
  plan.forEach((item, p) => {
    if (!REDACTION_MODES.includes(item.mode)) {
      throw new TypeError(
        `plan item ${p} has the unknown mode \`${String(item.mode)}\`; use tokenize, mask or hash`,
      );
    }
    item.findings.forEach((finding, k) => {
      if (finding.segment === null || finding.span === null) return;
      const at = position.get(finding.segment);
      if (at === undefined) {
        throw new RangeError(
          `finding ${k} of plan item ${p} points to segment \`${finding.segment}\`, which is not among the segments given`,
        );
      }
      const text = segments[at]!.text;
      const { start, end } = finding.span;
      checkSpan(start, end, text.length, `finding ${k} of plan item ${p}`);
      if (start === end) return;
      const wide = widenToCodePoints(text, start, end);
      spans[at]!.push({ start: wide.start, end: wide.end, type: finding.type, mode: item.mode });
    });
  });
  return spans;
}

/**
 * Applies `plan` to `segments` (see the module documentation for the rules). Pure: the inputs are not
 * modified. Throws a RangeError for a finding that points outside the segments or their texts, and a
 * TypeError for an unknown mode, a `hash` item without `options.hash`, or a hash function that does not
 * return hexadecimal digits.
 */
export function applyRedactions(
  segments: readonly Segment[],
  plan: readonly RedactionPlanItem[],
  vault: TokenVault,
  options: RedactionOptions = {},
): RedactionResult {
  if (!(vault instanceof TokenVault)) {
    throw new TypeError('`vault` must be a TokenVault; build one with emptyVault() or vaultFrom(entries)');
  }
  const spans = planSpans(segments, plan);
  const regions: Region[][] = spans.map((list, i) => {
    const text = segments[i]!.text;
    return mergeSpans(list).map((r) => ({
      start: r.start,
      end: r.end,
      type: r.type,
      mode: strongestMode(r.members),
      value: text.slice(r.start, r.end),
    }));
  });
  const { hash } = options;
  if (hash === undefined && regions.some((list) => list.some((r) => r.mode === 'hash'))) {
    throw new TypeError(
      'the `hash` mode needs a hash function; pass `options.hash` (the server supplies a keyed HMAC)',
    );
  }

  // Placeholders a new token must not use: anything placeholder-like in the input, and this call's masks.
  const taken = new Set<string>();
  for (const segment of segments) collectBracketTokens(segment.text, taken);
  for (const list of regions) for (const r of list) if (r.mode === 'mask') taken.add(maskPlaceholder(r.type));

  const added: TokenVaultEntry[] = [];
  const addedByValue = new Map<string, TokenVaultEntry>();
  const counters = new Map<string, number>();
  const hashed = new Map<string, string>();
  const placeholders: string[][] = regions.map((list) =>
    list.map((r) => {
      if (r.mode === 'mask') return maskPlaceholder(r.type);
      if (r.mode === 'hash') {
        const key = `${r.type}\u0000${r.value}`;
        let out = hashed.get(key);
        if (out === undefined) {
          out = hashPlaceholder(r.type, r.value, hash!);
          hashed.set(key, out);
        }
        return out;
      }
      const known = vault.byValue(r.value) ?? addedByValue.get(r.value);
      if (known !== undefined) return known.placeholder;
      const label = placeholderLabel(r.type);
      let n = counters.get(label) ?? 1;
      let placeholder = `[${label}_${n}]`;
      while (taken.has(placeholder) || vault.byPlaceholder(placeholder) !== undefined) {
        n += 1;
        placeholder = `[${label}_${n}]`;
      }
      counters.set(label, n + 1);
      const entry = { placeholder, value: r.value, type: r.type };
      added.push(entry);
      addedByValue.set(r.value, entry);
      return placeholder;
    }),
  );
  const nextVault = added.length === 0 ? vault : new TokenVault([...vault.entries, ...added]);

  const literal = nextVault.entries.filter((e) => e.value.length >= MIN_LITERAL_LENGTH);
  const matcher =
    literal.length === 0
      ? undefined
      : createAhoCorasick(literal.map((e, i) => ({ id: String(i), text: e.value })));

  const texts: string[] = [];
  const replaced: AppliedRedaction[] = [];
  segments.forEach((segment, i) => {
    const text = segment.text;
    const own = regions[i]!;
    const ownPlaceholders = placeholders[i]!;
    const extra = matcher === undefined ? [] : literalOccurrences(matcher.search(text), own);
    const parts: string[] = [];
    let emitted = 0;
    let a = 0;
    let b = 0;
    while (a < own.length || b < extra.length) {
      const region = own[a];
      const match = extra[b];
      if (region !== undefined && (match === undefined || region.start < match.start)) {
        const placeholder = ownPlaceholders[a]!;
        parts.push(text.slice(emitted, region.start), placeholder);
        emitted = region.end;
        replaced.push({
          segment: segment.index,
          start: region.start,
          end: region.end,
          type: region.type,
          mode: region.mode,
          placeholder,
          origin: 'finding',
        });
        a += 1;
      } else {
        const entry = literal[match!.entry]!;
        parts.push(text.slice(emitted, match!.start), entry.placeholder);
        emitted = match!.end;
        replaced.push({
          segment: segment.index,
          start: match!.start,
          end: match!.end,
          type: entry.type,
          mode: 'tokenize',
          placeholder: entry.placeholder,
          origin: 'vault',
        });
        b += 1;
      }
    }
    if (parts.length === 0) {
      texts.push(text);
    } else {
      parts.push(text.slice(emitted));
      texts.push(parts.join(''));
    }
  });
  return { texts, vault: nextVault, replaced };
}

interface LiteralMatch {
  start: number;
  end: number;
  /** Index into the literal entries. */
  entry: number;
}

/**
 * Picks, from every occurrence of every vault value, the leftmost-longest non-overlapping ones that do not
 * touch a region (regions are sorted and disjoint).
 */
function literalOccurrences(
  matches: readonly { id: string; start: number; end: number }[],
  regions: readonly Region[],
): LiteralMatch[] {
  if (matches.length === 0) return [];
  const sorted = matches
    .map((m) => ({ start: m.start, end: m.end, entry: Number(m.id) }))
    .sort((x, y) => x.start - y.start || y.end - x.end);
  const chosen: LiteralMatch[] = [];
  let lastEnd = 0;
  let r = 0;
  for (const m of sorted) {
    if (m.start < lastEnd) continue;
    while (r < regions.length && regions[r]!.end <= m.start) r += 1;
    if (r < regions.length && regions[r]!.start < m.end) continue;
    chosen.push(m);
    lastEnd = m.end;
  }
  return chosen;
}
