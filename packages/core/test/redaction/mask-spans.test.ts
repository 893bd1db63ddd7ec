import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maskSpans } from '../../src/index.ts';
import { hmac } from './helpers.ts';

describe('maskSpans', () => {
  const text = 'card 4111 1111 1111 1111, ssn 123-45-6789.';
  const spans = [
    { start: 5, end: 24, type: 'CREDIT_CARD' },
    { start: 30, end: 41, type: 'US_SSN' },
  ];

  test('masks spans as [TYPE]', () => {
    assert.equal(maskSpans(text, spans), 'card [CREDIT_CARD], ssn [US_SSN].');
  });

  test('hashes spans as [TYPE:8 hex] with the given function', () => {
    const card = hmac('4111 1111 1111 1111').slice(0, 8);
    const ssn = hmac('123-45-6789').slice(0, 8);
    assert.equal(maskSpans(text, spans, 'hash', hmac), `card [CREDIT_CARD:${card}], ssn [US_SSN:${ssn}].`);
  });

  test('merges overlapping and adjacent spans, typed by the longest, in any order', () => {
    const out = maskSpans('abcdefghij', [
      { start: 6, end: 8, type: 'C' },
      { start: 2, end: 4, type: 'A' },
      { start: 3, end: 6, type: 'B' },
    ]);
    assert.equal(out, 'ab[B]ij');
  });

  test('never splits a surrogate pair and ignores empty spans', () => {
    assert.equal(maskSpans('x🎉y', [{ start: 2, end: 3, type: 'EMOJI' }]), 'x[EMOJI]y');
    assert.equal(maskSpans('x🎉y', [{ start: 1, end: 1, type: 'EMOJI' }]), 'x🎉y');
    assert.equal(maskSpans('', []), '');
  });

  test('rejects bad spans, unknown modes and a missing hash function', () => {
    assert.throws(
      () => maskSpans('abc', [{ start: 1, end: 4, type: 'X' }]),
      /item 0 of spans has the span `\[1, 4\)`/,
    );
    assert.throws(() => maskSpans('abc', [{ start: -1, end: 1, type: 'X' }]), RangeError);
    assert.throws(() => maskSpans('abc', [{ start: 0.5, end: 1, type: 'X' }]), RangeError);
    assert.throws(() => maskSpans('abc', [], 'shred' as 'mask'), /unknown mask mode/);
    assert.throws(() => maskSpans('abc', [{ start: 0, end: 1, type: 'X' }], 'hash'), /hash function/);
  });
});
