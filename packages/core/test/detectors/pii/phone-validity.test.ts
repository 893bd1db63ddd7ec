import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { phoneNumberValid } from '../../../src/detectors/pii/special-recognizers.ts';

/** Deterministic pseudo-random numbers (a linear congruential generator). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const COUNTRIES: readonly (CountryCode | undefined)[] = [
  'DE',
  'FR',
  'IT',
  'US',
  'GB',
  'ES',
  'NL',
  'PT',
  'CA',
  'IM',
  'VA',
  undefined,
];

describe('phoneNumberValid', () => {
  test('agrees with libphonenumber-js isValid() on 30,000 generated numbers, valid and not', () => {
    const next = random(20261128);
    let parsed = 0;
    let valid = 0;
    for (let t = 0; t < 30000; t++) {
      const length = 6 + Math.floor(next() * 12);
      let digits = '';
      for (let i = 0; i < length; i++) digits += String(Math.floor(next() * 10));
      if (next() < 0.3) digits = `${digits.slice(0, 3)} ${digits.slice(3)}`;
      const country = COUNTRIES[Math.floor(next() * COUNTRIES.length)];
      const value = country === undefined ? `+${digits}` : next() < 0.3 ? `0${digits}` : digits;
      const number = parsePhoneNumberFromString(value, country);
      if (number === undefined) continue;
      parsed++;
      const expected = number.isValid();
      if (expected) valid++;
      assert.equal(phoneNumberValid(number), expected, `${value} (${country ?? 'international'})`);
    }
    assert.ok(parsed > 25000, `parsed ${parsed}`);
    assert.ok(valid > 2000, `valid ${valid}`);
  });

  test('agrees on known valid and invalid numbers', () => {
    const cases: readonly [string, CountryCode | undefined, boolean][] = [
      ['+1 213 373 4253', undefined, true],
      ['(213) 373-4253', 'US', true],
      ['030 1234567', 'DE', true],
      ['+44 20 7946 0958', undefined, true],
      ['+1 000 000 0000', undefined, false],
      ['12345', 'FR', false],
    ];
    for (const [value, country, expected] of cases) {
      const number = parsePhoneNumberFromString(value, country);
      assert.ok(number, value);
      assert.equal(number.isValid(), expected, `libphonenumber-js on ${value}`);
      assert.equal(phoneNumberValid(number), expected, value);
    }
  });
});
