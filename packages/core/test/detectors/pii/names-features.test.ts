import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tokenize } from '../../../src/detectors/pii/names-features.ts';

/** Offsets of each token as `[start, end]`. */
function spans(text: string): number[][] {
  return tokenize(text).map((t) => [t.start, t.end]);
}

describe('tokenize', () => {
  test('splits on punctuation and trims edge apostrophes, hyphens and possessive s', () => {
    const tokens = tokenize("Anna's -friend- O'Brien met dr. Müller");
    assert.deepEqual(
      tokens.map((t) => t.text),
      ['Anna', 'friend', "O'Brien", 'met', 'dr', 'Müller'],
    );
    assert.deepEqual(
      tokens.map((t) => t.shape),
      ['cap', 'lower', 'cap', 'lower', 'lower', 'cap'],
    );
    assert.equal(tokens[4]?.dot, true);
    assert.equal(tokens[5]?.lower, 'müller');
  });

  test('normalises the typographic apostrophe in the lower-case form', () => {
    const [token] = tokenize('D’Angelo');
    assert.equal(token?.text, 'D’Angelo');
    assert.equal(token?.lower, "d'angelo");
  });

  test('keeps astral letters and combining marks inside a token and skips emoji', () => {
    assert.deepEqual(spans('𝐀𝐁 e\u0301t 😀x'), [
      [0, 4],
      [5, 8],
      [11, 12],
    ]);
  });

  test('splits runs longer than 80 code points', () => {
    assert.deepEqual(spans('a'.repeat(200)), [
      [0, 80],
      [80, 160],
      [160, 200],
    ]);
    // 81 astral letters: 80 code points (160 code units), then one more.
    assert.deepEqual(spans('𝐀'.repeat(81)), [
      [0, 160],
      [160, 162],
    ]);
  });

  test('gives the same tokens for a concatenated string as for a flat one', () => {
    let rope = '';
    for (let i = 0; i < 2000; i++) rope += `Word${i} a@`;
    const flat = JSON.parse(JSON.stringify(rope)) as string;
    assert.deepEqual(spans(rope), spans(flat));
    assert.equal(tokenize(rope).length, 4000);
  });
});
