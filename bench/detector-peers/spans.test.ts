import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { locateValues, mapSpanTypes, spansFromRedaction } from './spans.ts';

const HAI = /\[REDACTED-[A-Z0-9-]+\]/g;
const haiType = (token: string) => token.slice('[REDACTED-'.length, -1);

describe('span recovery for peers without offsets', () => {
  test('spansFromRedaction finds the replaced ranges and their types', () => {
    const original = 'mail ada@example.com or call 555-123-4567 today';
    const redacted = 'mail [REDACTED-EMAIL] or call [REDACTED-PHONE] today';
    const spans = spansFromRedaction(original, redacted, HAI, haiType);
    assert.deepEqual(spans, [
      { start: 5, end: 20, type: 'EMAIL' },
      { start: 29, end: 41, type: 'PHONE' },
    ]);
    assert.equal(original.slice(spans[0]!.start, spans[0]!.end), 'ada@example.com');
    assert.equal(original.slice(spans[1]!.start, spans[1]!.end), '555-123-4567');
  });

  test('placeholders at the start, at the end and side by side', () => {
    assert.deepEqual(spansFromRedaction('1.2.3.4', '[REDACTED-IP-ADDRESS]', HAI, haiType), [
      { start: 0, end: 7, type: 'IP-ADDRESS' },
    ]);
    assert.deepEqual(spansFromRedaction('ip 1.2.3.4', 'ip [REDACTED-IP-ADDRESS]', HAI, haiType), [
      { start: 3, end: 10, type: 'IP-ADDRESS' },
    ]);
    // Adjacent placeholders share one gap, reported once with the first type.
    assert.deepEqual(spansFromRedaction('x ab12 y', 'x [REDACTED-A][REDACTED-B] y', HAI, haiType), [
      { start: 2, end: 6, type: 'A' },
    ]);
  });

  test('unchanged or misaligned text gives no invented spans', () => {
    assert.deepEqual(spansFromRedaction('same', 'same', HAI, haiType), []);
    assert.deepEqual(spansFromRedaction('abc', 'zz [REDACTED-A]', HAI, haiType), []);
  });

  test('locateValues finds every occurrence, typed, sorted, without duplicates', () => {
    const text = 'a@b.co and again a@b.co, card 4111';
    assert.deepEqual(
      locateValues(text, [
        { type: 'EMAIL_ADDRESS', value: 'a@b.co' },
        { type: 'EMAIL_ADDRESS', value: 'a@b.co' },
        { type: 'CREDIT_CARD', value: '4111' },
        { type: 'X', value: '' },
      ]),
      [
        { start: 0, end: 6, type: 'EMAIL_ADDRESS' },
        { start: 17, end: 23, type: 'EMAIL_ADDRESS' },
        { start: 30, end: 34, type: 'CREDIT_CARD' },
      ],
    );
  });

  test('mapSpanTypes renames mapped types and keeps the others', () => {
    assert.deepEqual(
      mapSpanTypes(
        [
          { start: 0, end: 1, type: 'LOCATION' },
          { start: 1, end: 2, type: 'PERSON' },
        ],
        { LOCATION: 'GPE' },
      ),
      [
        { start: 0, end: 1, type: 'GPE' },
        { start: 1, end: 2, type: 'PERSON' },
      ],
    );
  });
});
