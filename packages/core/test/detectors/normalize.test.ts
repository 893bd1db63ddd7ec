import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import type { Detector } from '../../src/detectors/contract.ts';
import { type NormalizedText, normalizeText } from '../../src/detectors/normalize.ts';
import type { Finding } from '../../src/model/finding.ts';
import { runDetectorContract } from './detector-contract.ts';

/** Original text covered by the normalised span `[start, end)`. */
function original(input: string, n: NormalizedText, start: number, end: number): string {
  const span = n.toOriginalSpan(start, end);
  return input.slice(span.start, span.end);
}

/** Original text covered by the first occurrence of `needle` in the normalised text. */
function originalOf(input: string, needle: string): string {
  const n = normalizeText(input);
  const at = n.text.indexOf(needle);
  assert.ok(at >= 0, `\`${needle}\` not found in normalised text \`${n.text}\``);
  return original(input, n, at, at + needle.length);
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function splitsPair(text: string, offset: number): boolean {
  return (
    offset > 0 &&
    offset < text.length &&
    isHigh(text.charCodeAt(offset - 1)) &&
    !isHigh(text.charCodeAt(offset)) &&
    text.charCodeAt(offset) >= 0xdc00 &&
    text.charCodeAt(offset) <= 0xdfff
  );
}

describe('normalizeText: plain ASCII hot path', () => {
  test('returns the same string, unchanged, with an identity map', () => {
    const input = 'Send the report to bob@example.com by Friday, thanks.';
    const n = normalizeText(input);
    assert.equal(n.changed, false);
    assert.equal(n.text, input);
    assert.equal(n.toOriginal(5), 5);
    assert.deepEqual(n.toOriginalSpan(19, 34), { start: 19, end: 34 });
  });

  test('clamps offsets outside the text', () => {
    const n = normalizeText('abc');
    assert.equal(n.toOriginal(-4), 0);
    assert.equal(n.toOriginal(99), 3);
    assert.deepEqual(n.toOriginalSpan(2, 1), { start: 2, end: 2 });
  });

  test('the empty string is unchanged', () => {
    const n = normalizeText('');
    assert.equal(n.changed, false);
    assert.equal(n.text, '');
    assert.deepEqual(n.toOriginalSpan(0, 0), { start: 0, end: 0 });
  });
});

describe('normalizeText: NFKC', () => {
  test('an expanding ligature maps both letters back to the one original character', () => {
    const input = 'a ﬁle here';
    const n = normalizeText(input);
    assert.equal(n.text, 'a file here');
    assert.equal(n.changed, true);
    assert.deepEqual(n.toOriginalSpan(2, 3), { start: 2, end: 3 }, '`f` covers the whole ligature');
    assert.deepEqual(n.toOriginalSpan(3, 4), { start: 2, end: 3 }, '`i` covers the whole ligature');
    assert.equal(original(input, n, 2, 6), 'ﬁle');
    assert.equal(originalOf(input, 'here'), 'here');
  });

  test('fullwidth digits and letters fold to ASCII at the same offsets', () => {
    const input = 'card ４１１１ １１１１ ＡＢ';
    const n = normalizeText(input);
    assert.equal(n.text, 'card 4111 1111 AB');
    assert.equal(originalOf(input, '4111 1111'), '４１１１ １１１１');
    assert.equal(originalOf(input, 'AB'), 'ＡＢ');
  });

  test('a base letter and a combining mark compose and map to both original units', () => {
    const input = 'cafe\u0301 ok';
    const n = normalizeText(input);
    assert.equal(n.text, 'café ok');
    assert.equal(original(input, n, 3, 4), 'e\u0301');
    assert.equal(originalOf(input, 'ok'), 'ok');
  });

  test('astral mathematical letters fold without splitting surrogate pairs', () => {
    const input = 'key 𝐀𝐁𝐂123';
    const n = normalizeText(input);
    assert.equal(n.text, 'key ABC123');
    assert.equal(original(input, n, 4, 5), '𝐀');
    assert.equal(originalOf(input, 'ABC123'), '𝐀𝐁𝐂123');
  });

  test('compatibility characters expand (circled digits, units, roman numerals)', () => {
    assert.equal(normalizeText('① ㎏ Ⅸ').text, '1 kg IX');
    assert.equal(originalOf('x ㎏ y', 'kg'), '㎏');
  });

  test('a run of combining marks longer than a cluster stays bounded and mapped', () => {
    const input = `a${'\u0301'.repeat(100)}b`;
    const n = normalizeText(input);
    assert.ok(n.text.endsWith('b'));
    assert.equal(originalOf(input, 'b'), 'b');
  });
});

describe('normalizeText: invisible characters are removed', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['zero width space', '\u200B'],
    ['zero width non-joiner', '\u200C'],
    ['zero width joiner', '\u200D'],
    ['word joiner', '\u2060'],
    ['byte order mark', '\uFEFF'],
    ['soft hyphen', '\u00AD'],
    ['left-to-right mark', '\u200E'],
    ['right-to-left mark', '\u200F'],
    ['right-to-left override', '\u202E'],
    ['left-to-right embedding', '\u202A'],
    ['first strong isolate', '\u2068'],
    ['pop directional isolate', '\u2069'],
    ['tag characters', '\u{E0001}\u{E0041}\u{E007F}'],
    ['variation selector', '\uFE0F'],
  ];
  for (const [label, invisible] of cases) {
    test(label, () => {
      const input = `pass${invisible}word${invisible} ok`;
      const n = normalizeText(input);
      assert.equal(n.text, 'password ok');
      // A variation selector is a combining mark: it belongs to the cluster of the letter before it.
      const trailing = invisible === '\uFE0F' ? invisible : '';
      assert.equal(originalOf(input, 'password'), `pass${invisible}word${trailing}`);
      assert.equal(originalOf(input, 'word'), `word${trailing}`);
      assert.equal(originalOf(input, 'ok'), 'ok');
    });
  }

  test('a text made only of invisible characters becomes empty', () => {
    const n = normalizeText('\u200B\u200D\u{E0041}');
    assert.equal(n.text, '');
    assert.equal(n.changed, true);
    assert.deepEqual(
      n.toOriginalSpan(0, 0),
      { start: 4, end: 4 },
      'the end of the text maps to the original end',
    );
  });
});

describe('normalizeText: confusable folding', () => {
  test('an email written with Cyrillic letters is found at the right original span', () => {
    const email = 'jоhn.dое@ехаmрlе.com'; // Cyrillic о, е, х, а, р
    const input = `Привет! Write to ${email} today.`;
    const n = normalizeText(input);
    const match = /[a-z.]{1,64}@[a-z]{1,63}\.com/.exec(n.text);
    assert.ok(match, 'the folded email matches an ASCII pattern');
    assert.equal(match[0], 'john.doe@example.com');
    const span = n.toOriginalSpan(match.index, match.index + match[0].length);
    assert.equal(input.slice(span.start, span.end), email);
    assert.equal(span.start, input.indexOf(email));
  });

  test('Greek, Armenian and Cherokee look-alikes in mixed-script words fold', () => {
    assert.equal(normalizeText('ΑΚΙΑ1234').text, 'AKIA1234');
    assert.equal(normalizeText('gօօgle').text, 'google');
    assert.equal(normalizeText('ᏚᎬᏟRET').text, 'SECRET');
  });

  test('a word made only of look-alikes folds (whole-script confusable)', () => {
    assert.equal(normalizeText('visit раура.com').text, 'visit paypa.com');
  });

  test('ordinary Cyrillic and Greek words are left alone', () => {
    const input = 'Привет, мир! Γειά σου κόσμε.';
    assert.equal(normalizeText(input).text, input);
    assert.equal(normalizeText(input).changed, false);
  });

  test('digits of other scripts fold to ASCII digits', () => {
    const input = 'رقم ٠١٢٣٤٥٦٧٨٩ और ०१२';
    const n = normalizeText(input);
    assert.ok(n.text.includes('0123456789'));
    assert.ok(n.text.includes('012'));
    assert.equal(originalOf(input, '0123456789'), '٠١٢٣٤٥٦٧٨٩');
  });

  test('look-alike dashes and slashes fold', () => {
    assert.equal(normalizeText('555–0134 and 1∕2 — done').text, '555-0134 and 1/2 - done');
  });
});

describe('normalizeText: whitespace folding', () => {
  test('runs of any white space become one ASCII space', () => {
    const input = 'a\u00A0\u00A0b\t\n\nc\u2003d\u3000\u3000e\u2028f  g';
    const n = normalizeText(input);
    assert.equal(n.text, 'a b c d e f g');
  });

  test('a folded space maps back to the whole run', () => {
    const input = 'alpha \u00A0\n\t beta';
    const n = normalizeText(input);
    assert.equal(n.text, 'alpha beta');
    assert.deepEqual(n.toOriginalSpan(5, 6), { start: 5, end: 10 });
    assert.equal(originalOf(input, 'beta'), 'beta');
    assert.equal(originalOf(input, 'alpha beta'), input);
  });

  test('invisible characters inside a run do not break it', () => {
    assert.equal(normalizeText('a \u200B \uFEFF b').text, 'a b');
  });

  test('a single newline in ASCII text becomes a space at the same offset', () => {
    const input = 'line one\nline two';
    const n = normalizeText(input);
    assert.equal(n.text, 'line one line two');
    assert.equal(originalOf(input, 'two'), 'two');
  });
});

describe('normalizeText: offsets', () => {
  const samples = [
    'ﬁ😀 a\u200Bb  c𝐀\u0301 јоhn ٣ \u{E0041}x𠀀y\uD800z',
    '👩‍👩‍👧 family 🇫🇷 ＡＢ ① \u202Eevil\u202C',
    `${'😀'.repeat(5)}\u00A0\u00A0${'ﬀ'.repeat(3)}`,
  ];

  test('surrogate pairs are never split by any mapped offset or span', () => {
    for (const input of samples) {
      const n = normalizeText(input);
      for (let s = 0; s <= n.text.length; s++) {
        if (splitsPair(n.text, s)) continue;
        assert.ok(!splitsPair(input, n.toOriginal(s)), `offset ${s} of \`${input}\` splits a pair`);
        for (let e = s + 1; e <= n.text.length; e++) {
          if (splitsPair(n.text, e)) continue;
          const span = n.toOriginalSpan(s, e);
          assert.ok(span.start < span.end, 'a non-empty span maps to a non-empty span');
          assert.ok(
            !splitsPair(input, span.start) && !splitsPair(input, span.end),
            `span [${s}, ${e}) splits a pair`,
          );
        }
      }
    }
  });

  test('the map is monotonic and stays inside the original text', () => {
    for (const input of samples) {
      const n = normalizeText(input);
      let previous = 0;
      for (let o = 0; o <= n.text.length; o++) {
        const mapped = n.toOriginal(o);
        assert.ok(mapped >= previous && mapped <= input.length);
        previous = mapped;
      }
      assert.equal(n.toOriginal(n.text.length), input.length);
    }
  });

  test('unchanged astral text keeps an identity map', () => {
    const input = 'ok 😀 𠀀 done';
    const n = normalizeText(input);
    assert.equal(n.changed, false);
    assert.equal(n.text, input);
  });
});

describe('normalizeText: repeated texts', () => {
  test('the same text normalised again gives an equal, frozen result', () => {
    const texts = ['Grüße\n\nаnd  ﬁne', 'second\ttext', 'third\u200Btext', 'fourth\n', 'fifth\n'];
    const first = texts.map((t) => normalizeText(t));
    for (const [i, t] of texts.entries()) {
      const again = normalizeText(t);
      assert.equal(again.text, first[i]!.text);
      assert.deepEqual(again.toOriginalSpan(1, 4), first[i]!.toOriginalSpan(1, 4));
      assert.ok(Object.isFrozen(again));
      assert.throws(() => {
        (again as { text: string }).text = 'changed';
      }, TypeError);
    }
    assert.equal(normalizeText(texts[0]!).text, 'Grüße and fine');
  });
});

describe('normalizeText: linear time', () => {
  const MB = 1 << 20;
  const adversarial: ReadonlyArray<readonly [string, string]> = [
    ['mixed changes', 'аa\u200B\u0301 ﬁ𝐀\u00A0'],
    ['combining marks', '\u0301\u0300\u0327'],
    ['invisible characters', '\u200B\u{E0041}'],
    ['whitespace', ' \u00A0\n'],
    ['confusables', 'ѕсоtt'],
    ['ligatures', 'ﬃ'],
  ];
  for (const [label, unit] of adversarial) {
    test(`1 MB of ${label} completes within a generous budget`, () => {
      const input = unit.repeat(Math.ceil(MB / unit.length));
      const started = performance.now();
      const n = normalizeText(input);
      const ms = performance.now() - started;
      assert.ok(n.text.length <= 3 * input.length);
      assert.ok(n.toOriginal(n.text.length >> 1) <= input.length);
      assert.equal(n.toOriginal(n.text.length), input.length);
      // Generous bound against quadratic behaviour only; speed is measured by the benchmark.
      assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
    });
  }
});

/** A tiny detector built on the normaliser, to run the shared contract suite against it. */
function createExampleEmailDetector(): Detector {
  const pattern = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;
  return {
    id: 'example.email',
    family: 'pii',
    inspect(segments) {
      const findings: Finding[] = [];
      for (const segment of segments) {
        const n = normalizeText(segment.text);
        for (const match of n.text.matchAll(pattern)) {
          const span = n.toOriginalSpan(match.index, match.index + match[0].length);
          findings.push({
            family: 'pii',
            type: 'EMAIL_ADDRESS',
            score: 0.9,
            segment: segment.index,
            span,
            detector: 'example.email',
          });
        }
      }
      return findings;
    },
  };
}

runDetectorContract('example email detector on normalised text', createExampleEmailDetector, {
  positives: [
    'write to alice@example.org',
    'write to јоhn@ехаmрlе.com please',
    'ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｏｒｇ',
  ],
});
