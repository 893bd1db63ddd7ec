import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  check,
  markdownTable,
  pct,
  scorePii,
  scoreSecrets,
  summarize,
  throughputMBps,
} from './detectors-report.ts';

describe('detector benchmark report', () => {
  test('summarize gives p50, p99 and max of latencies', () => {
    const s = summarize(Array.from({ length: 101 }, (_, i) => i));
    assert.equal(s.n, 101);
    assert.equal(s.p50, 50);
    assert.equal(s.p99, 99);
    assert.equal(s.max, 100);
    assert.ok(Number.isNaN(summarize([]).p50));
  });

  test('throughput is MB (10^6 bytes) per second', () => {
    assert.equal(throughputMBps(2_000_000, 1000), 2);
    assert.equal(throughputMBps(100_000, 2), 50);
    assert.ok(Number.isNaN(throughputMBps(1, 0)));
  });

  test('scorePii scores overlap spans over all types and over the target’s own types', () => {
    const docs = [
      {
        gold: [
          { start: 0, end: 5, type: 'PERSON' },
          { start: 10, end: 20, type: 'EMAIL_ADDRESS' },
        ],
        predicted: [{ start: 12, end: 20, type: 'EMAIL_ADDRESS' }],
      },
      { gold: [], predicted: [{ start: 0, end: 3, type: 'US_BANK_NUMBER' }] },
      { gold: [{ start: 0, end: 4, type: 'EMAIL_ADDRESS' }], predicted: [] },
    ];
    const q = scorePii(docs, ['EMAIL_ADDRESS', 'US_BANK_NUMBER']);
    assert.equal(q.records, 3);
    // All types: tp 1 (email), fp 1 (bank), fn 2 (person, second email).
    assert.deepEqual([q.spanAll.tp, q.spanAll.fp, q.spanAll.fn], [1, 1, 2]);
    assert.equal(q.spanAll.f1, 2 / 5);
    // Own types: PERSON is not one, so its miss does not count; the bank false positive still does.
    assert.deepEqual([q.spanOwn.tp, q.spanOwn.fp, q.spanOwn.fn], [1, 1, 1]);
    // Text level: doc 1 found, doc 2 false alarm, doc 3 missed.
    assert.deepEqual([q.text.tp, q.text.fp, q.text.fn], [1, 1, 1]);
  });

  test('scoreSecrets is text-level precision and recall', () => {
    const s = scoreSecrets([
      { label: true, predicted: true },
      { label: true, predicted: false },
      { label: false, predicted: true },
      { label: false, predicted: false },
    ]);
    assert.equal(s.precision, 0.5);
    assert.equal(s.recall, 0.5);
    assert.equal(s.f1, 0.5);
  });

  test('check gives PASS, FAIL or not measured', () => {
    assert.equal(check('p50', 0.1, 0.2, 'ms').verdict, 'PASS');
    assert.equal(check('p50', 0.3, 0.2, 'ms').verdict, 'FAIL');
    assert.equal(check('rate', 60, 50, 'MB/s', { atLeast: true }).verdict, 'PASS');
    assert.equal(check('rate', 40, 50, 'MB/s', { atLeast: true }).verdict, 'FAIL');
    const missing = check('p50', Number.NaN, 0.2, 'ms');
    assert.equal(missing.verdict, 'not measured');
    assert.equal(missing.goal, '≤ 0.2 ms');
  });

  test('markdownTable aligns columns and escapes pipes; pct formats ratios', () => {
    assert.equal(markdownTable(['a', 'b'], [['x|y', '1']], [1]), '| a | b |\n| --- | ---: |\n| x\\|y | 1 |');
    assert.equal(pct(0.1234), '12.3%');
    assert.equal(pct(null), '-');
  });
});
