import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeCostUsd } from '../../src/observability/cost.ts';

describe('computeCostUsd', () => {
  const price = { input_per_mtok: 2.5, output_per_mtok: 10 };

  test('prices input and output tokens per million', () => {
    assert.equal(computeCostUsd(price, { inputTokens: 1_000_000, outputTokens: 0 }), 2.5);
    assert.equal(computeCostUsd(price, { inputTokens: 1234, outputTokens: 567 }), 0.008755);
    assert.equal(computeCostUsd(price, { inputTokens: 0, outputTokens: 0 }), 0);
  });

  test('rounds to a nano-dollar', () => {
    // 1 token at 0.15 $/Mtok is 1.5e-7 $; 7 tokens at 0.0001 $/Mtok is 7e-10 $, which rounds to 1e-9.
    assert.equal(
      computeCostUsd({ input_per_mtok: 0.15, output_per_mtok: 0.6 }, { inputTokens: 1, outputTokens: 0 }),
      1.5e-7,
    );
    assert.equal(
      computeCostUsd({ input_per_mtok: 0.0001, output_per_mtok: 0 }, { inputTokens: 7, outputTokens: 0 }),
      1e-9,
    );
    assert.equal(
      computeCostUsd({ input_per_mtok: 0.0001, output_per_mtok: 0 }, { inputTokens: 4, outputTokens: 0 }),
      0,
    );
    const cost = computeCostUsd(
      { input_per_mtok: 0.1, output_per_mtok: 0.2 },
      { inputTokens: 3, outputTokens: 3 },
    );
    assert.equal(cost, 9e-7, 'no floating-point tail such as 9.000000000000001e-7');
  });

  test('null when the price or the usage is unknown or invalid', () => {
    assert.equal(computeCostUsd(null, { inputTokens: 1, outputTokens: 1 }), null);
    assert.equal(computeCostUsd(undefined, { inputTokens: 1, outputTokens: 1 }), null);
    assert.equal(computeCostUsd(price, null), null);
    assert.equal(computeCostUsd(price, { inputTokens: -1, outputTokens: 1 }), null);
    assert.equal(
      computeCostUsd({ input_per_mtok: Number.NaN, output_per_mtok: 1 }, { inputTokens: 1, outputTokens: 1 }),
      null,
    );
  });
});
