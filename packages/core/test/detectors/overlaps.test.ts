import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { keepDisjoint, keepPairwise, overlapTest } from '../../src/detectors/overlaps.ts';
import { seededRandom } from '../../src/fairness/random.ts';

type Hit = { start: number; end: number; id: number };

function hits(rand: () => number, count: number, textLength: number, emptyShare: number): Hit[] {
  const out: Hit[] = [];
  for (let id = 0; id < count; id++) {
    const start = Math.floor(rand() * textLength);
    const length = rand() < emptyShare ? 0 : 1 + Math.floor(rand() * 12);
    out.push({ start, end: Math.min(textLength, start + length), id });
  }
  return out;
}

describe('keepDisjoint', () => {
  test('keeps exactly the hits the pairwise definition keeps, empty spans included', () => {
    const rand = seededRandom(20261128);
    for (let round = 0; round < 400; round++) {
      const order = hits(
        rand,
        1 + Math.floor(rand() * 200),
        1 + Math.floor(rand() * 300),
        round % 3 === 0 ? 0 : 0.2,
      );
      assert.deepEqual(
        keepDisjoint(order).map((h) => h.id),
        keepPairwise(order).map((h) => h.id),
        `round ${round}`,
      );
    }
  });

  test('an empty span inside a kept span is dropped; one at its edge, or between two kept spans, is kept', () => {
    const filler = Array.from({ length: 40 }, (_, i) => ({
      start: 100 + 2 * i,
      end: 101 + 2 * i,
      id: 100 + i,
    }));
    const order = [
      { start: 0, end: 5, id: 1 },
      { start: 5, end: 9, id: 2 },
      { start: 3, end: 3, id: 3 }, // strictly inside 0–5
      { start: 5, end: 5, id: 4 }, // on the boundary of 0–5 and 5–9
      { start: 0, end: 0, id: 5 }, // at the start of 0–5
      { start: 4, end: 6, id: 6 }, // overlaps both
      { start: 20, end: 20, id: 7 },
      { start: 18, end: 22, id: 8 }, // strictly contains the kept empty span at 20
      { start: 20, end: 24, id: 9 }, // starts at it: no overlap
      ...filler,
    ];
    const kept = keepDisjoint(order).map((h) => h.id);
    assert.deepEqual(
      kept,
      keepPairwise(order).map((h) => h.id),
    );
    assert.deepEqual(kept.slice(0, 5), [1, 2, 4, 5, 7]);
    assert.ok(kept.includes(9) && !kept.includes(8) && !kept.includes(6) && !kept.includes(3));
  });
});

describe('overlapTest', () => {
  test('answers as the pairwise test does while spans keep being appended, empty spans and queries included', () => {
    const rand = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const length = 1 + Math.floor(rand() * 200);
      const spans: (Hit & { score: number })[] = [];
      const accept = (f: { score: number }) => f.score >= 0.5;
      const test = overlapTest(spans, length, accept);
      for (let step = 0; step < 150; step++) {
        if (rand() < 0.5) {
          const [h] = hits(rand, 1, length, 0.15);
          spans.push({ ...h!, id: step, score: rand() });
        }
        const [q] = hits(rand, 1, length, 0.1);
        const expected = spans.some((f) => f.start < q!.end && q!.start < f.end && accept(f));
        assert.equal(test(q!.start, q!.end), expected, `round ${round}, step ${step}`);
      }
    }
  });
});
