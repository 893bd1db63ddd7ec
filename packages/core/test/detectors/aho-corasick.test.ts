import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAhoCorasick } from '../../src/detectors/aho-corasick.ts';

/** Every occurrence by brute force, for comparison. */
function naive(patterns: { id: string; text: string }[], text: string, fold: boolean) {
  const out: { id: string; start: number; end: number }[] = [];
  const t = fold ? text.toLowerCase() : text;
  for (const p of patterns) {
    const q = fold ? p.text.toLowerCase() : p.text;
    if (q === '') continue;
    for (let i = t.indexOf(q); i !== -1; i = t.indexOf(q, i + 1))
      out.push({ id: p.id, start: i, end: i + q.length });
  }
  return out;
}
const key = (m: { id: string; start: number; end: number }) => `${m.start}:${m.end}:${m.id}`;
const sorted = (ms: { id: string; start: number; end: number }[]) => ms.map(key).sort();

describe('createAhoCorasick', () => {
  test('the classic he/she/his/hers example finds overlapping matches through failure links', () => {
    const ac = createAhoCorasick(['he', 'she', 'his', 'hers'].map((text) => ({ id: text, text })));
    assert.deepEqual(sorted(ac.search('ushers')), ['1:4:she', '2:4:he', '2:6:hers']);
  });

  test('agrees with a brute-force search on pseudo-random text', () => {
    const patterns = ['ab', 'abc', 'bca', 'c', 'aab', 'cab', 'abcab', ''].map((text, i) => ({
      id: `p${i}`,
      text,
    }));
    const ac = createAhoCorasick(patterns);
    let state = 42;
    let text = '';
    for (let i = 0; i < 2000; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      text += 'abc'[(state >>> 16) % 3];
    }
    assert.deepEqual(sorted(ac.search(text)), sorted(naive(patterns, text, false)));
  });

  test('case-insensitive matching keeps offsets, including non-ASCII letters', () => {
    const ac = createAhoCorasick(
      [
        { id: 'x', text: 'Straße' },
        { id: 'y', text: 'ÉCOLE' },
      ],
      { caseInsensitive: true },
    );
    const text = 'die STRASSE, die STRAßE und die école';
    assert.deepEqual(ac.search(text).map(key), ['17:23:x', '32:37:y']);
    assert.deepEqual(createAhoCorasick([{ id: 'x', text: 'Straße' }]).search(text), []);
  });

  test('whole words: letters, digits and underscores on either side block a match', () => {
    const ac = createAhoCorasick([{ id: 'f', text: 'falcon' }], { caseInsensitive: true, wholeWords: true });
    assert.deepEqual(
      ac.search('Falcon falcons _falcon 2falcon (falcon) ÿfalcon falcon').map((m) => m.start),
      [0, 32, 48],
    );
  });

  test('astral characters around matches keep UTF-16 offsets', () => {
    const ac = createAhoCorasick([{ id: 'k', text: 'key' }], { wholeWords: true });
    const text = '😀key😀 𝔸key';
    assert.deepEqual(ac.search(text).map(key), ['2:5:k']);
  });

  test('no patterns, empty text, huge text', () => {
    assert.deepEqual(createAhoCorasick([]).search('anything'), []);
    const ac = createAhoCorasick([{ id: 'z', text: 'zz' }]);
    assert.deepEqual(ac.search(''), []);
    assert.equal(ac.search('z'.repeat(100_001)).length, 100_000);
  });

  test('a character that lower-cases into a pattern letter (KELVIN SIGN → k) matches case-insensitively', () => {
    const ac = createAhoCorasick([{ id: 'k', text: 'Kilo' }], { caseInsensitive: true });
    assert.deepEqual(ac.search('5 \u212Ailo, 5 KILO').map(key), ['2:6:k', '10:14:k']);
  });

  test('a dictionary too big for the dense table (map walk) finds what the dense table finds', () => {
    let state = 7;
    const word = (n: number): string => {
      let w = '';
      for (let i = 0; i < n; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        w += 'abcdefghijklmnopqrstuvwxyz'[(state >>> 16) % 26];
      }
      return w;
    };
    // 15,000 random 12-letter words: about 150,000 states × 27 classes, past the dense-table limit.
    const big = Array.from({ length: 15_000 }, (_, i) => ({ id: `w${i}`, text: word(12) }));
    const small = big.slice(0, 40);
    let text = '';
    for (let i = 0; i < 300; i++) text += `${i % 3 === 0 ? big[(i * 37) % big.length]!.text : word(5)} `;
    const options = { caseInsensitive: true, wholeWords: true };
    const fromBig = createAhoCorasick(big, options).search(text.toUpperCase());
    assert.ok(fromBig.length >= 100);
    const ids = new Set(small.map((p) => p.id));
    assert.deepEqual(
      fromBig.filter((m) => ids.has(m.id)),
      createAhoCorasick(small, options).search(text.toUpperCase()),
    );
  });
});
