import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONTEXT, NEGATIVE_CONTEXT } from '../../../src/detectors/pii/context-words.ts';
import { findContext } from '../../../src/detectors/pii/pii-detector.ts';

function isLetter(ch: string | undefined): boolean {
  return ch !== undefined && ch.toLowerCase() !== ch.toUpperCase();
}

/** The definition: every occurrence of every word, one `indexOf` pass per word. */
function reference(window: string, words: readonly string[]): boolean {
  for (const word of words) {
    for (let at = window.indexOf(word); at !== -1; at = window.indexOf(word, at + 1)) {
      const before = at === 0 ? undefined : window[at - 1];
      const startOk = !isLetter(before) && !(before !== undefined && before >= '0' && before <= '9');
      if (startOk && (word.length > 4 || !isLetter(window[at + word.length]))) return true;
    }
  }
  return false;
}

describe('findContext', () => {
  const lists: readonly (readonly string[])[] = [...Object.values(CONTEXT), NEGATIVE_CONTEXT];

  test('finds a word only at a word start, and a short word only as a whole word', () => {
    assert.equal(findContext('call my phone: ', CONTEXT.phone), true);
    assert.equal(findContext('smartphone', CONTEXT.phone), false);
    assert.equal(findContext('telephoned', ['tel']), false);
    assert.equal(findContext('', CONTEXT.phone), false);
  });

  test('agrees with one indexOf pass per word on every list, for words in and around other text', () => {
    let state = 20261128;
    const next = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
      return state % n;
    };
    const fillers = ['', ' ', 'a', '9', '-', 'x', 'é', ':', 'ab ', '\n', 'über', '’'];
    let found = 0;
    for (let t = 0; t < 20000; t++) {
      const words = lists[next(lists.length)]!;
      let window = '';
      for (let k = next(4); k >= 0; k--) {
        window += fillers[next(fillers.length)]!;
        const word = words[next(words.length)] ?? '';
        // Whole words, their prefixes and their suffixes.
        const cut = next(3);
        window += cut === 0 ? word : cut === 1 ? word.slice(0, -1) : word.slice(1);
        window += fillers[next(fillers.length)]!;
      }
      const expected = reference(window, words);
      if (expected) found++;
      assert.equal(findContext(window, words), expected, JSON.stringify(window));
    }
    assert.ok(found > 2000, `found ${found}`);
  });
});
