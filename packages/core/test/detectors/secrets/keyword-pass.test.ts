import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeRegex } from '../../../src/detectors/regex-escape.ts';
import {
  type CompiledRules,
  compileRules,
  KEY_WORD,
  NEAR_WORD,
  selectRules,
} from '../../../src/detectors/secrets/engine.ts';
import {
  KEY_RE,
  KEY_RE_LITERALS,
  NEAR_RE,
  NEAR_RE_LITERALS,
} from '../../../src/detectors/secrets/generic.ts';
import { createSecretsDetector } from '../../../src/detectors/secrets/index.ts';
import { canonicalize } from '../../../src/detectors/secrets/keyword-scan.ts';
import { seededRandom } from '../../../src/fairness/random.ts';
import type { Finding } from '../../../src/model/finding.ts';

// The engine finds its rule keywords with one automaton pass instead of a regex alternation. Which rules
// run decides what is found, so the pass must select exactly what the alternation's loop selected,
// including that loop's quirk: after a keyword already seen it resumes at the keyword's end, missing
// keywords that overlap it. These tests compare with that loop, written out here as the reference.

/** The loop the automaton pass replaced, verbatim but for its outputs. */
function referenceSelection(
  text: string,
  compiled: CompiledRules,
): { toRun: number[]; foreignHint: boolean } {
  const toRun = new Set<number>();
  let foreignHint = false;
  // The replaced prefilter: one case-insensitive alternation of the keywords, longest first.
  const keywords = [...compiled.byKeyword.keys()];
  const re = keywords.length > 0 ? new RegExp(keywords.map(escapeRegex).join('|'), 'gi') : null;
  if (re !== null) {
    re.lastIndex = 0;
    const seen = new Set<string>();
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const keyword = m[0].toLowerCase();
      if (seen.has(keyword)) continue;
      seen.add(keyword);
      if (compiled.hints.has(keyword)) foreignHint = true;
      for (const i of compiled.byKeyword.get(keyword) ?? []) toRun.add(i);
      if (toRun.size === compiled.rules.length && (foreignHint || compiled.hints.size === 0)) break;
      re.lastIndex = m.index + 1;
    }
  }
  return { toRun: [...toRun].sort((a, b) => a - b), foreignHint };
}

function selection(text: string, compiled: CompiledRules): { toRun: number[]; foreignHint: boolean } {
  const s = selectRules(text, compiled);
  return { toRun: [...s.toRun].sort((a, b) => a - b), foreignHint: s.foreignHint };
}

const ALL = compileRules(() => true);
const KEYWORDS = [...ALL.byKeyword.keys()];
// Characters that fold or nearly fold onto keyword letters (long s, Kelvin sign, dotted I, sharp s, …).
const ODD = [
  'ſ',
  '\u212a',
  'İ',
  'ı',
  'ß',
  'µ',
  'Σ',
  'ς',
  'é',
  '😀',
  '\uD800',
  ' ',
  '\n',
  '_',
  '0',
  'A',
  'a',
  ':',
];

/** Texts built from keywords (random case, cut at random), odd characters and repeats: many overlaps. */
function texts(seed: number, count: number, extra: readonly string[] = []): string[] {
  const next = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    let t = '';
    const pieces = 1 + Math.floor(next() * 12);
    for (let p = 0; p < pieces; p++) {
      const r = next();
      if (r < 0.45) {
        let k = pick(KEYWORDS);
        if (next() < 0.3) k = k.slice(Math.floor(next() * k.length));
        if (next() < 0.3) k = k.slice(0, 1 + Math.floor(next() * k.length));
        t += [...k].map((c) => (next() < 0.3 ? c.toUpperCase() : c)).join('');
      } else if (r < 0.6 && extra.length > 0) t += pick(extra);
      else if (r < 0.8) t += pick(ODD);
      else t += pick(KEYWORDS).repeat(1 + Math.floor(next() * 4));
    }
    out.push(t);
  }
  return out;
}

describe('secrets keyword pass', () => {
  test('canonicalize is the case folding of a non-unicode case-insensitive regex', () => {
    let all = '';
    for (let c = 0; c < 0x10000; c++) all += String.fromCharCode(c);
    // Code units, not code points: the regex compares code units.
    const alphabet = new Set<string>(
      [...KEYWORDS, ...KEY_RE_LITERALS, ...NEAR_RE_LITERALS, ...ODD].join('').split(''),
    );
    for (const p of alphabet) {
      const re = new RegExp(p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'gi');
      const expected = canonicalize(p.charCodeAt(0));
      for (let m = re.exec(all); m !== null; m = re.exec(all)) {
        assert.equal(canonicalize(m.index), expected, `${p.charCodeAt(0)} matches ${m.index}`);
      }
      let count = 0;
      for (let c = 0; c < 0x10000; c++) if (canonicalize(c) === expected) count++;
      re.lastIndex = 0;
      assert.equal(all.match(re)?.length, count, `code units folding with ${p.charCodeAt(0)}`);
    }
  });

  test('selects the rules the prefilter alternation loop selected, overlaps and repeats included', () => {
    const cases = [
      ':AAAAAAAA :aa',
      'sk-ant-sk-ant-',
      'sksk-sk-ant-api03-',
      '--||--||',
      'ghp_ghp_gho_',
      'ſk_live_ \u212aEY passwort PASSWORT de passe de-passe',
      'eyJeyJhbGciOi eyj',
      ...texts(20261128, 3000),
    ];
    for (const text of cases) assert.deepEqual(selection(text, ALL), referenceSelection(text, ALL), text);
  });

  test('also with few rules enabled (the early stop) and without the foreign-language hints', () => {
    const few = compileRules((id) =>
      ['secrets.aws-access-key-id', 'secrets.github-pat', 'secrets.url-credentials', 'secrets.jwt'].includes(
        id,
      ),
    );
    const noHints = compileRules((id) => id !== 'secrets.generic-password');
    assert.equal(noHints.hints.size, 0);
    for (const text of texts(7, 1500)) {
      assert.deepEqual(selection(text, few), referenceSelection(text, few), text);
      assert.deepEqual(selection(text, noHints), referenceSelection(text, noHints), text);
    }
  });

  test('reports a literal of the generic key-word regexes whenever one of them matches', () => {
    const fragments = [
      'pass',
      'word',
      'wd',
      'phrase',
      'code',
      'pw',
      'd',
      's',
      'ps',
      'wrd',
      'paswd',
      'secret',
    ];
    fragments.push('token', 'api', 'key', ' ', '_', '-', 'access', 'auth', 'private', 'signing', 'master');
    fragments.push('encryption', 'credential', 'credentials', 'nonce', 'bearer', 'KEY', 'Pass', 'SECRET');
    let keyMatches = 0;
    let nearMatches = 0;
    for (const text of texts(99, 3000, fragments)) {
      const { words } = selectRules(text, ALL);
      KEY_RE.lastIndex = 0;
      if (KEY_RE.test(text)) {
        keyMatches++;
        assert.ok((words & KEY_WORD) !== 0, text);
      }
      NEAR_RE.lastIndex = 0;
      if (NEAR_RE.test(text)) {
        nearMatches++;
        assert.ok((words & NEAR_WORD) !== 0, text);
      }
    }
    KEY_RE.lastIndex = 0;
    NEAR_RE.lastIndex = 0;
    assert.ok(keyMatches > 500 && nearMatches > 500);
    assert.equal(selectRules('The meeting moved to Thursday.', ALL).words, 0);
  });

  test('URL credentials of any scheme: the scheme rules are unchanged', () => {
    const detector = createSecretsDetector({});
    const found = (text: string): Finding[] =>
      detector.inspect([{ index: 0, source: 'user', path: 'p', text }], { direction: 'input' }) as Finding[];
    const url = found('connect with custom+db://admin:Zq8vLm2xRt@db.internal:9000 now');
    assert.deepEqual(
      url.map((f) => [f.detector, f.span?.start, f.span?.end]),
      [['secrets.url-credentials', 31, 41]],
    );
    // The scheme must start with a letter, be 2-25 characters and not continue a longer token.
    assert.deepEqual(found('x 9ab://admin:Zq8vLm2xRt@db.internal'), []);
    assert.deepEqual(found('x a://admin:Zq8vLm2xRt@db.internal'), []);
    assert.deepEqual(found(`x ${'a'.repeat(40)}://admin:Zq8vLm2xRt@db.internal`), []);
  });
});
