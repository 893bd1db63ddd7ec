import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lastHalf, median, percentile, slope, slopeStandardError } from './stats.ts';

describe('stats', () => {
  test('median of odd and even counts, and of nothing', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  test('percentile interpolates between ranks and does not mutate its input', () => {
    const values = [10, 0, 5];
    assert.equal(percentile(values, 0), 0);
    assert.equal(percentile(values, 100), 10);
    assert.equal(percentile(values, 75), 7.5);
    assert.deepEqual(values, [10, 0, 5]);
  });

  test('slope of a line, a flat series and a single point', () => {
    assert.equal(
      slope([
        { x: 0, y: 1 },
        { x: 10, y: 21 },
        { x: 20, y: 41 },
      ]),
      2,
    );
    assert.equal(
      slope([
        { x: 0, y: 5 },
        { x: 1, y: 5 },
      ]),
      0,
    );
    assert.ok(Number.isNaN(slope([{ x: 1, y: 1 }])));
  });

  test('last half of 0k..100k samples is 50k..100k', () => {
    const samples = Array.from({ length: 11 }, (_, i) => i * 10);
    assert.deepEqual(lastHalf(samples), [50, 60, 70, 80, 90, 100]);
    assert.deepEqual(lastHalf([1, 2]), [1, 2]);
  });

  test('slope standard error is 0 on a perfect line and grows with scatter', () => {
    const line = [0, 1, 2, 3].map((x) => ({ x, y: 2 * x }));
    assert.equal(slopeStandardError(line), 0);
    const noisy = [0, 1, 2, 3].map((x) => ({ x, y: 2 * x + (x % 2 === 0 ? 1 : -1) }));
    assert.ok(slopeStandardError(noisy) > 0);
    assert.ok(Number.isNaN(slopeStandardError(line.slice(0, 2))));
  });
});
