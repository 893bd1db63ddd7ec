/** The splitter behind the interaction view's highlighted findings (packages/dashboard/src/highlight-spans.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeSpan, type SpanLike, splitHighlights } from '../src/highlight-spans.ts';

interface Tagged extends SpanLike {
  id: string;
}

function shape(pieces: ReturnType<typeof splitHighlights<Tagged>>): [string, string[]][] {
  return pieces.map((p) => [p.text, p.spans.map((s) => s.id)]);
}

function joined(pieces: { text: string }[]): string {
  return pieces.map((p) => p.text).join('');
}

describe('splitHighlights', () => {
  test('plain text without spans is one piece; empty text is none', () => {
    assert.deepEqual(shape(splitHighlights<Tagged>('hello', [])), [['hello', []]]);
    assert.deepEqual(splitHighlights<Tagged>('', [{ start: 0, end: 3, id: 'a' }]), []);
  });

  test('one span in the middle, at the start and at the end', () => {
    const text = 'email [EMAIL_ADDRESS] now';
    assert.deepEqual(shape(splitHighlights(text, [{ start: 6, end: 21, id: 'a' }])), [
      ['email ', []],
      ['[EMAIL_ADDRESS]', ['a']],
      [' now', []],
    ]);
    assert.deepEqual(shape(splitHighlights('abcdef', [{ start: 0, end: 2, id: 'a' }])), [
      ['ab', ['a']],
      ['cdef', []],
    ]);
    assert.deepEqual(shape(splitHighlights('abcdef', [{ start: 4, end: 6, id: 'a' }])), [
      ['abcd', []],
      ['ef', ['a']],
    ]);
  });

  test('findings sharing one placeholder become one piece with both', () => {
    const pieces = splitHighlights('x [PERSON] y', [
      { start: 2, end: 10, id: 'a' },
      { start: 2, end: 10, id: 'b' },
    ]);
    assert.deepEqual(shape(pieces), [
      ['x ', []],
      ['[PERSON]', ['a', 'b']],
      [' y', []],
    ]);
  });

  test('overlapping and nested spans split at every boundary, keeping input order', () => {
    const text = '0123456789';
    const pieces = splitHighlights(text, [
      { start: 5, end: 9, id: 'b' },
      { start: 2, end: 7, id: 'a' },
      { start: 3, end: 4, id: 'c' },
    ]);
    assert.deepEqual(shape(pieces), [
      ['01', []],
      ['2', ['a']],
      ['3', ['a', 'c']],
      ['4', ['a']],
      ['56', ['b', 'a']],
      ['78', ['b']],
      ['9', []],
    ]);
    assert.equal(joined(pieces), text);
  });

  test('adjacent spans stay separate pieces', () => {
    assert.deepEqual(
      shape(
        splitHighlights('aabb', [
          { start: 0, end: 2, id: 'a' },
          { start: 2, end: 4, id: 'b' },
        ]),
      ),
      [
        ['aa', ['a']],
        ['bb', ['b']],
      ],
    );
  });

  test('out-of-range, empty, reversed and non-numeric spans never throw', () => {
    const text = 'short';
    const pieces = splitHighlights(text, [
      { start: 3, end: 99, id: 'clamped' },
      { start: -5, end: 1, id: 'negative' },
      { start: 50, end: 60, id: 'past' },
      { start: 2, end: 2, id: 'empty' },
      { start: 4, end: 1, id: 'reversed' },
      { start: Number.NaN, end: 3, id: 'nan' },
      { start: 1.5, end: 2.2, id: 'fraction' },
      null as unknown as Tagged,
    ]);
    assert.equal(joined(pieces), text);
    assert.deepEqual(shape(pieces), [
      ['s', ['negative']],
      ['ho', ['fraction']],
      ['rt', ['clamped']],
    ]);
  });

  test('a surrogate pair is never cut', () => {
    const text = 'a😀b'; // 'a', U+1F600 as two code units, 'b'
    assert.equal(text.length, 4);
    // A span starting or ending inside the emoji widens to the whole character.
    for (const span of [
      { start: 2, end: 3, id: 'x' },
      { start: 1, end: 2, id: 'x' },
      { start: 2, end: 4, id: 'x' },
    ]) {
      const pieces = splitHighlights(text, [span]);
      assert.equal(joined(pieces), text);
      for (const p of pieces) {
        assert.ok(
          !/^[\udc00-\udfff]/.test(p.text),
          `piece starts with a low surrogate: ${JSON.stringify(p)}`,
        );
        assert.ok(!/[\ud800-\udbff]$/.test(p.text), `piece ends with a high surrogate: ${JSON.stringify(p)}`);
      }
      assert.ok(pieces.some((p) => p.spans.length > 0 && p.text.includes('😀')));
    }
  });

  test('a lone surrogate in the text is kept as it is', () => {
    const text = 'a\ud800b';
    const pieces = splitHighlights(text, [{ start: 1, end: 2, id: 'x' }]);
    assert.deepEqual(shape(pieces), [
      ['a', []],
      ['\ud800', ['x']],
      ['b', []],
    ]);
  });

  test('many random spans: the pieces always rebuild the text and cover exactly their spans', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'b', ' ', '😀', '<', '>', 'é'];
    for (let round = 0; round < 300; round++) {
      let text = '';
      for (let i = rand(30); i > 0; i--) text += alphabet[rand(alphabet.length)];
      const spans: Tagged[] = [];
      for (let i = rand(6); i > 0; i--)
        spans.push({ start: rand(text.length + 4) - 2, end: rand(text.length + 4) - 2, id: `s${i}` });
      const pieces = splitHighlights(text, spans);
      assert.equal(joined(pieces), text);
      for (const p of pieces) {
        assert.ok(p.start < p.end);
        for (const s of p.spans) {
          const n = normalizeSpan(text, s);
          assert.ok(n !== null && n.start <= p.start && n.end >= p.end);
        }
      }
    }
  });
});

describe('normalizeSpan', () => {
  test('clamps to the text and drops what is left empty', () => {
    assert.deepEqual(normalizeSpan('abc', { start: -1, end: 10 }), { start: 0, end: 3 });
    assert.equal(normalizeSpan('abc', { start: 3, end: 10 }), null);
    assert.equal(normalizeSpan('abc', { start: 2, end: 1 }), null);
  });
});
