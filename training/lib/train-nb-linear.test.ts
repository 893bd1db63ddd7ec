import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLinearModel } from '../../packages/core/src/index.ts';
import { trainNbLinear } from './train-nb-linear.ts';

const features = { dims: 1 << 12, wordNgrams: [1, 2], charNgrams: [], maxChars: 1000 };
const examples = [
  { text: 'the sunset over the lake was lovely', labels: [] },
  { text: 'thanks for the lovely dinner', labels: [] },
  { text: 'please send me the quarterly report', labels: [] },
  { text: 'what a horrible ugly mess you made', labels: ['bad'] },
  { text: 'horrible service and an ugly room', labels: ['bad'] },
  { text: 'you are horrible and ugly', labels: ['bad'] },
];

test('trainNbLinear separates a toy set and loads as a shipped linear model', () => {
  const file = trainNbLinear(examples, {
    labels: ['bad'],
    features,
    epochs: 20,
    seed: 3,
    description: 'toy',
  });
  const model = loadLinearModel(file);
  assert.ok(model.score('an ugly horrible day')[0]! > 0.5);
  assert.ok(model.score('a lovely report')[0]! < 0.5);
});

test('trainNbLinear is deterministic for the same data and seed', () => {
  const options = { labels: ['bad'], features, epochs: 5, seed: 9, description: 'toy' };
  assert.equal(
    JSON.stringify(trainNbLinear(examples, options)),
    JSON.stringify(trainNbLinear(examples, options)),
  );
});
