import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryMetrics, percentile, rocAuc, spanMetrics } from '../../src/eval/metrics.ts';

test('binary metrics from a confusion table', () => {
  const m = binaryMetrics([
    { label: true, predicted: true },
    { label: true, predicted: false },
    { label: false, predicted: true },
    { label: false, predicted: false },
    { label: false, predicted: false },
  ]);
  assert.deepEqual([m.tp, m.fn, m.fp, m.tn], [1, 1, 1, 2]);
  assert.equal(m.precision, 0.5);
  assert.equal(m.recall, 0.5);
  assert.equal(m.f1, 0.5);
  assert.equal(m.fpr, 1 / 3);
  assert.equal(m.rocAuc, null);
});

test('ROC-AUC by ranks, ties counted half', () => {
  assert.equal(
    rocAuc([
      { label: true, predicted: true, score: 0.9 },
      { label: false, predicted: false, score: 0.1 },
    ]),
    1,
  );
  assert.equal(
    rocAuc([
      { label: true, predicted: true, score: 0.5 },
      { label: false, predicted: true, score: 0.5 },
    ]),
    0.5,
  );
  assert.equal(
    rocAuc([
      { label: true, predicted: true, score: 0.1 },
      { label: false, predicted: true, score: 0.9 },
    ]),
    0,
  );
  assert.equal(rocAuc([{ label: true, predicted: true, score: 1 }]), null);
});

test('span metrics, exact and overlapping, per type', () => {
  const docs = [
    {
      gold: [
        { start: 0, end: 5, type: 'PERSON' },
        { start: 10, end: 20, type: 'EMAIL_ADDRESS' },
      ],
      predicted: [
        { start: 0, end: 4, type: 'PERSON' },
        { start: 10, end: 20, type: 'EMAIL_ADDRESS' },
        { start: 30, end: 35, type: 'PHONE_NUMBER' },
      ],
    },
  ];
  const exact = spanMetrics(docs, 'exact');
  assert.deepEqual(exact.byType.PERSON, { tp: 0, fp: 1, fn: 1, precision: 0, recall: 0, f1: 0 });
  assert.equal(exact.byType.EMAIL_ADDRESS!.f1, 1);
  assert.equal(exact.overall.tp, 1);
  const overlap = spanMetrics(docs, 'overlap');
  assert.equal(overlap.byType.PERSON!.f1, 1);
  assert.equal(overlap.byType.PHONE_NUMBER!.precision, 0);
  assert.equal(overlap.overall.recall, 1);
});

test('percentiles by nearest rank', () => {
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
  assert.equal(percentile([], 50), null);
});
