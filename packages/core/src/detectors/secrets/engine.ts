import { keepDisjoint, overlapTest } from '../overlaps.ts';
import { CREDENTIAL_RULES } from './credential-rules.ts';
import { findEncodedText } from './encoded.ts';
import {
  type EntropySettings,
  FOREIGN_KEY_HINTS,
  KEY_RE_LITERALS,
  NEAR_RE_LITERALS,
  scanAssignments,
  scanHighEntropy,
} from './generic.ts';
import { isLowVariety, isPlaceholder } from './heuristics.ts';
import { createKeywordScanner, type KeywordScanner } from './keyword-scan.ts';
import { NICHE_PROVIDER_RULES } from './niche-provider-rules.ts';
import {
  type RawMatch,
  scanEncodedPrivateKeys,
  scanPemBodyLines,
  scanPrivateKeys,
  scanPrivateKeyTails,
} from './private-keys.ts';
import { PROVIDER_RULES } from './provider-rules.ts';
import type { SecretRule } from './rule.ts';
import { measureRuns, type TextRuns } from './runs.ts';

/** Every regex rule, provider formats first. */
export const ALL_RULES: readonly SecretRule[] = [
  ...PROVIDER_RULES,
  ...NICHE_PROVIDER_RULES,
  ...CREDENTIAL_RULES,
];

/** Ids of the hand-written scanners (not regex rules), with their secret types. */
export const SCANNER_RULES: ReadonlyArray<{ id: string; type: string; description: string }> = [
  { id: 'secrets.rsa-private-key', type: 'PRIVATE_KEY', description: 'PEM RSA private key block' },
  { id: 'secrets.ec-private-key', type: 'PRIVATE_KEY', description: 'PEM EC private key block' },
  { id: 'secrets.dsa-private-key', type: 'PRIVATE_KEY', description: 'PEM DSA private key block' },
  { id: 'secrets.openssh-private-key', type: 'PRIVATE_KEY', description: 'OpenSSH private key block' },
  { id: 'secrets.pgp-private-key', type: 'PRIVATE_KEY', description: 'PGP private key block' },
  {
    id: 'secrets.encrypted-private-key',
    type: 'PRIVATE_KEY',
    description: 'encrypted PKCS#8 private key block',
  },
  { id: 'secrets.pkcs8-private-key', type: 'PRIVATE_KEY', description: 'PKCS#8 private key block' },
  { id: 'secrets.private-key-tail', type: 'PRIVATE_KEY', description: 'end of a private key block' },
  { id: 'secrets.base64-private-key', type: 'PRIVATE_KEY', description: 'base64-encoded PEM private key' },
  { id: 'secrets.pem-body-line', type: 'PRIVATE_KEY', description: 'single line of a PEM body' },
  { id: 'secrets.generic-password', type: 'PASSWORD', description: 'password assignment' },
  { id: 'secrets.generic-secret', type: 'GENERIC_SECRET', description: 'secret/token/api_key assignment' },
  {
    id: 'secrets.generic-high-entropy',
    type: 'GENERIC_SECRET',
    description: 'high-entropy token near a key word',
  },
  {
    id: 'secrets.base64-encoded-secret',
    type: 'ENCODED_SECRET',
    description:
      'base64 text that decodes to a credential (Kubernetes secrets, encoded configs, JWKs); the finding carries the decoded credential type',
  },
];

/** Resolved engine options (built once by `createSecretsDetector`). */
export interface EngineOptions {
  enabled: (ruleId: string) => boolean;
  minScore: number;
  entropy: EntropySettings;
  allowList: readonly string[];
}

/** Bits of {@link KeywordHits.words}: some literal of KEY_RE / NEAR_RE occurs in the text. */
export const KEY_WORD = 1;
export const NEAR_WORD = 2;

/** A compiled rule set: per keyword, the rules it unlocks, and the automaton that finds the keywords. */
export interface CompiledRules {
  rules: readonly SecretRule[];
  /** The keywords and the generic scanners' literal words, found in one automaton pass. */
  scanner: KeywordScanner;
  /** Keyword → the rules it unlocks; keys longest first. */
  byKeyword: Map<string, number[]>;
  /** Prefilter keywords that switch on the generic scanner's foreign-language pass. */
  hints: ReadonlySet<string>;
}

/**
 * Compiles the enabled rules into their keywords, longest first, and one keyword automaton (the
 * keyword pass that replaced a case-insensitive alternation of them; see `scanText`). A keyword that contains a shorter keyword also unlocks the shorter one's
 * rules, so overlapping literals (`sk-` inside `sk-ant-`) never hide a rule.
 */
export function compileRules(enabled: (id: string) => boolean): CompiledRules {
  const rules = ALL_RULES.filter((r) => enabled(r.id));
  const direct = new Map<string, Set<number>>();
  rules.forEach((r, idx) => {
    for (const k of r.keywords) {
      const set = direct.get(k) ?? new Set<number>();
      set.add(idx);
      direct.set(k, set);
    }
  });
  const hints = new Set<string>();
  if (enabled('secrets.generic-password')) {
    for (const k of FOREIGN_KEY_HINTS) {
      hints.add(k);
      if (!direct.has(k)) direct.set(k, new Set());
    }
  }
  const keywords = [...direct.keys()].sort((a, b) => b.length - a.length);
  const byKeyword = new Map<string, number[]>();
  for (const k of keywords) {
    const all = new Set<number>();
    for (const other of keywords) if (k.includes(other)) for (const i of direct.get(other) ?? []) all.add(i);
    byKeyword.set(
      k,
      [...all].sort((a, b) => a - b),
    );
  }
  const scanner = createKeywordScanner(keywords, [
    ...KEY_RE_LITERALS.map((text) => ({ text, bit: KEY_WORD })),
    ...NEAR_RE_LITERALS.map((text) => ({ text, bit: NEAR_WORD })),
  ]);
  return { rules, byKeyword, hints, scanner };
}

/** What the keyword pass decided for one text. */
export interface RuleSelection {
  /** Indexes into `compiled.rules` of the rules to run. */
  toRun: Set<number>;
  /** A {@link FOREIGN_KEY_HINTS} keyword was seen: run the foreign-language assignment pass. */
  foreignHint: boolean;
  /** Bits {@link KEY_WORD} / {@link NEAR_WORD}: a literal that KEY_RE / NEAR_RE needs occurs. */
  words: number;
}

/**
 * The rules whose keywords occur in `text`, exactly as the loop over the prefilter alternation found them
 * (`re.exec` from `pos`): the leftmost keyword start at or after `pos`, with the longest keyword there.
 * A keyword seen before makes the search resume after its end, so a keyword overlapping it is not seen
 * there; a first sighting may hide an overlapping keyword (`:AA` then `AAAA…`), so the search resumes one
 * character on. Replaying that loop, rather than taking every keyword found, keeps the set of rules run
 * (and so the findings) the same.
 */
export function selectRules(text: string, compiled: CompiledRules): RuleSelection {
  const toRun = new Set<number>();
  let foreignHint = false;
  const { starts, lengths, words } = compiled.scanner.scan(text);
  const seen = new Set<string>();
  let pos = 0;
  for (let h = starts.length - 1; h >= 0; h--) {
    const start = starts[h]!;
    if (start < pos) continue;
    const end = start + lengths[h]!;
    const keyword = text.slice(start, end).toLowerCase();
    if (seen.has(keyword)) {
      pos = end;
      continue;
    }
    seen.add(keyword);
    if (compiled.hints.has(keyword)) foreignHint = true;
    for (const i of compiled.byKeyword.get(keyword) ?? []) toRun.add(i);
    if (toRun.size === compiled.rules.length && (foreignHint || compiled.hints.size === 0)) break;
    pos = start + 1;
  }
  return { toRun, foreignHint, words };
}

/**
 * Runs the compiled rules and scanners on one text; returns non-overlapping matches above the floor.
 * `depth` counts base64 layers already decoded: text decoded from base64 is scanned once more, not again.
 */
export function scanText(
  text: string,
  compiled: CompiledRules,
  options: EngineOptions,
  depth = 0,
): RawMatch[] {
  const raw: RawMatch[] = [];
  if (text.length === 0) return raw;
  const { toRun, foreignHint, words } = selectRules(text, compiled);
  // Without an ESC character the ANSI-escape alternative of the rules' start boundaries cannot match.
  const plain = !text.includes('\x1b');
  // Character runs (longest word run, PEM-line candidates), measured once when first needed.
  let runs: TextRuns | null = null;
  for (const idx of [...toRun].sort((a, b) => a - b)) {
    const r = compiled.rules[idx] as SecretRule;
    if (r.minRun > 0) {
      runs ??= measureRuns(text);
      if (runs.longestWord < r.minRun) continue;
    }
    const re = plain && r.plain !== null ? r.plain : r.pattern;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const value = m[1] ?? m[0];
      const offset = m[1] !== undefined ? m.index + m[0].indexOf(m[1]) : m.index;
      if (isPlaceholder(value) || (!r.allowLowVariety && isLowVariety(value))) continue;
      let score = r.score;
      if (r.validate) {
        const v = r.validate(value, m[0]);
        if (v === false) continue;
        if (typeof v === 'number') score = v;
      }
      raw.push({
        ruleId: r.id,
        type: r.type,
        start: offset,
        end: offset + value.length,
        score,
        explanation: r.description,
      });
    }
  }
  const keys: RawMatch[] = [];
  scanPrivateKeys(text, keys);
  scanPrivateKeyTails(text, keys);
  scanEncodedPrivateKeys(text, keys);
  if (options.enabled('secrets.pem-body-line')) {
    runs ??= measureRuns(text);
    scanPemBodyLines(text, keys, runs.pemStarts);
  }
  for (const k of keys) if (options.enabled(k.ruleId)) raw.push(k);
  const covered = overlapTest(raw, text.length, (f) => f.score >= 0.6);
  if (options.enabled('secrets.generic-password') || options.enabled('secrets.generic-secret')) {
    const generic: RawMatch[] = [];
    scanAssignments(text, generic, covered, foreignHint, (words & KEY_WORD) !== 0);
    for (const g of generic) if (options.enabled(g.ruleId)) raw.push(g);
  }
  // Without a NEAR_RE literal the high-entropy scan has no key word to start from.
  if (
    (words & NEAR_WORD) !== 0 &&
    options.entropy.enabled &&
    options.enabled('secrets.generic-high-entropy')
  ) {
    scanHighEntropy(text, options.entropy, raw, covered);
  }
  if (depth === 0 && options.enabled('secrets.base64-encoded-secret'))
    scanEncoded(text, compiled, options, raw);
  return resolveOverlaps(
    raw.filter((f) => f.score >= options.minScore && !allowed(text, f, options.allowList)),
  );
}

/**
 * Base64 runs that decode to text holding a credential: one finding over the whole run, with the inner
 * finding's type and score. Runs already reported by another rule (base64 PEM keys, JWTs, Basic auth)
 * are left to that rule.
 */
function scanEncoded(text: string, compiled: CompiledRules, options: EngineOptions, raw: RawMatch[]): void {
  const reported = overlapTest(raw, text.length, (f) => f.score >= options.minScore);
  for (const run of findEncodedText(text)) {
    if (reported(run.start, run.end)) continue;
    let best: RawMatch | null = null;
    for (const inner of scanText(run.decoded, compiled, options, 1)) {
      if (inner.ruleId === 'secrets.pem-body-line' || inner.ruleId === 'secrets.generic-high-entropy')
        continue;
      if (best === null || inner.score > best.score) best = inner;
    }
    if (best === null) continue;
    raw.push({
      ruleId: 'secrets.base64-encoded-secret',
      type: best.type,
      start: run.start,
      end: run.end,
      score: best.score,
      explanation: `base64 text holding a ${best.explanation}`,
    });
  }
}

function allowed(text: string, f: RawMatch, allowList: readonly string[]): boolean {
  if (allowList.length === 0) return false;
  const value = text.slice(f.start, f.end);
  return allowList.includes(value);
}

/** Keeps the best finding where spans overlap: higher score, then longer span, then earlier rule. */
function resolveOverlaps(found: RawMatch[]): RawMatch[] {
  const sorted = [...found].sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start));
  return keepDisjoint(sorted).sort((a, b) => a.start - b.start || a.end - b.end);
}
