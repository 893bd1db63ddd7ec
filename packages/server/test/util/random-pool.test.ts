import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRandomPool } from '../../src/util/random-pool.ts';

test('the pool hands out fresh, distinct bytes across refills', () => {
  const take = createRandomPool(64);
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const b = take(12);
    assert.equal(b.length, 12);
    seen.add(b.toString('hex'));
  }
  assert.equal(seen.size, 1000);
  assert.equal(take(100).length, 100);
});

test('a buffer handed out is not changed by later draws', () => {
  const take = createRandomPool(32);
  const first = take(16);
  const copy = Buffer.from(first);
  for (let i = 0; i < 10; i++) take(16);
  assert.deepEqual(first, copy);
});
