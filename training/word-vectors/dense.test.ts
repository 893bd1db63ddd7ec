import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDenseModel } from '../../packages/core/src/ml/dense-model.ts';
import { seededRandom } from '../lib/train-linear.ts';
import { trainDense } from './dense.ts';

// XOR-like data: positive when the two inputs have the same sign. Not linearly separable.
const rand = seededRandom(3);
const xs: number[][] = [];
const ys: number[] = [];
for (let i = 0; i < 400; i++) {
  const a = rand() * 2 - 1;
  const b = rand() * 2 - 1;
  xs.push([a, b, rand()]);
  ys.push(a * b > 0 ? 1 : 0);
}
const ws = xs.map(() => 1);
const accuracy = (file: ReturnType<typeof trainDense>) => {
  const m = loadDenseModel(JSON.parse(JSON.stringify(file)));
  return xs.filter((x, i) => (m.score(x) >= 0.5 ? 1 : 0) === ys[i]).length / xs.length;
};

test('training is deterministic and a hidden layer learns what a linear model cannot', () => {
  const o = { hidden: 8, epochs: 200, seed: 5, learningRate: 0.01, l2: 1e-4 };
  const a = trainDense(xs, ys, ws, o);
  assert.equal(JSON.stringify(a), JSON.stringify(trainDense(xs, ys, ws, o)));
  const linear = trainDense(xs, ys, ws, { ...o, hidden: 0 });
  assert.ok(accuracy(a) > 0.9, `mlp accuracy ${accuracy(a)}`);
  assert.ok(accuracy(linear) < 0.7, `linear accuracy ${accuracy(linear)}`);
});

test('example weights move the decision', () => {
  const heavy = ys.map((y) => (y === 1 ? 10 : 1));
  const o = { hidden: 0, epochs: 50, seed: 1 };
  const m = loadDenseModel(trainDense(xs, ys, heavy, o));
  const positives = xs.filter((x) => m.score(x) >= 0.5).length;
  assert.ok(positives > 300, `${positives} predicted positive`);
});

test('a model file with the wrong shapes or input length is refused', () => {
  const file = trainDense(xs, ys, ws, { hidden: 2, epochs: 1, seed: 1 });
  assert.throws(() => loadDenseModel({ ...file, w2: [1] }));
  assert.throws(() => loadDenseModel(file).score([1, 2]));
});
