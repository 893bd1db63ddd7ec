import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { valueTail } from '../../src/index.ts';

const tail = (text: string): string => text.slice(text.length - valueTail(text));

test('prose holds back only the current word', () => {
  assert.equal(tail('Hello there, how are'), 'are');
  assert.equal(tail('Hello there, how are '), '');
  assert.equal(tail(''), '');
});

test('digit groups before the current word are held: cards, IBANs, phone numbers', () => {
  assert.equal(tail('your card 4111 1111 1111 '), '4111 1111 1111 ');
  assert.equal(tail('your card 4111 1111 11'), '4111 1111 11');
  assert.equal(tail('IBAN DE89 3704 0044 0532'), 'DE89 3704 0044 0532');
  assert.equal(tail('call +1 (555) 123-45'), '+1 (555) 123-45');
});

test('single-token values are held whole while they grow', () => {
  assert.equal(tail('write to john.smith@exa'), 'john.smith@exa');
  assert.equal(tail('server 10.0.0.'), '10.0.0.');
});

test('the tail is always a suffix made of the last characters, and never longer than the text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      const n = valueTail(text);
      assert.ok(n >= 0 && n <= text.length);
    }),
  );
});
