import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenTable, tokenize, tokenizeInto } from '../../../src/detectors/pii/names-features.ts';

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

  test('lower-cases a capital sigma as the whole text does (final sigma looks past the token)', () => {
    // `Σ` before `.Β` is not final in the text, though it ends its token.
    assert.equal(tokenize('ΑΣ.Β')[0]?.lower, 'ασ');
    assert.equal(tokenize('ΑΣ. x')[0]?.lower, 'ας');
    assert.equal(tokenize('Grüße ΟΔΟΣ')[1]?.lower, 'οδος');
  });
});

describe('tokenizeInto', () => {
  /** Every token of a table as `[start, end, shape, dot, lex, text, lower]`. */
  function rows(table: TokenTable): unknown[][] {
    const out: unknown[][] = [];
    for (let i = 0; i < table.n; i++) {
      out.push([
        table.starts[i],
        table.ends[i],
        table.shapes[i],
        table.dots[i],
        table.lexs[i],
        table.word(i),
        table.lower(i),
      ]);
    }
    return out;
  }

  test('a reused table gives the tokens of a fresh one, after a longer text and after growing', () => {
    const lexicon = new Map([
      ['anna', 1],
      ['müller', 2],
      ['street', 4],
    ]);
    const long = 'Anna Müller lives at 12 Main Street. '.repeat(200);
    const short = "Dr. O’Brien met ANNA and anna's friend.";
    const reused = new TokenTable();
    tokenizeInto(reused, long, lexicon);
    assert.equal(reused.n, 1400);
    const again = rows(tokenizeInto(reused, short, lexicon));
    assert.deepEqual(again, rows(tokenizeInto(new TokenTable(), short, lexicon)));
    assert.deepEqual(
      again.map((r) => r[6]),
      ['dr', "o'brien", 'met', 'anna', 'and', 'anna', 'friend'],
    );
    assert.equal(again[3]?.[5], 'ANNA');
    assert.equal(again[3]?.[4], 1);
    assert.equal(reused.wordIs(1, 'O’Brien'), true);
    assert.equal(reused.wordIs(1, 'OBrien'), false);
  });

  test('release drops the text', () => {
    const table = tokenizeInto(new TokenTable(), 'Grüße Anna');
    assert.equal(table.n, 2);
    table.release();
    assert.equal(table.n, 0);
    assert.equal(table.text, '');
  });
});
