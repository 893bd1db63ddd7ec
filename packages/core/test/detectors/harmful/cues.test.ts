import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cueSignals, findCategoryCues, withCueTokens } from '../../../src/detectors/harmful/categories.ts';
import { intentTokens } from '../../../src/detectors/harmful/intent.ts';

describe('harmful cues', () => {
  test('category cues report the code and the matched span', () => {
    const text = 'Where can I find the full lyrics and a torrent of the album?';
    const cues = findCategoryCues(text);
    const s8 = cues.find((c) => c.code === 'S8');
    assert.ok(s8);
    assert.equal(text.slice(s8.start, s8.end), 'full lyrics');
  });

  test('a violent verb aimed at a person and at a harmless object give different intent tokens', () => {
    assert.deepEqual(intentTokens('How do I kill my neighbour?'), ['hazardviolentperson']);
    assert.deepEqual(intentTokens('How do I kill a Python process?'), ['hazardsafeobject']);
  });

  test('drug, weapon, crime, evasion and self-harm cues are found', () => {
    assert.deepEqual(intentTokens('where to buy some cocaine'), ['hazarddrug']);
    assert.deepEqual(intentTokens('how to build a pipe bomb'), ['hazardweapon']);
    assert.deepEqual(intentTokens('how to break into a car'), ['hazardcrime']);
    assert.deepEqual(intentTokens('do it without getting caught'), ['hazardevasion']);
    assert.deepEqual(intentTokens('I want to hurt myself'), ['hazardselfharm']);
    assert.deepEqual(intentTokens('Bake a lemon cake for my sister.'), []);
  });

  test('cue tokens are appended on a new line and the text is unchanged without cues', () => {
    assert.equal(withCueTokens('Bake a lemon cake.'), 'Bake a lemon cake.');
    const text = 'How do I kill my neighbour?';
    const out = withCueTokens(text, cueSignals(text));
    assert.ok(out.startsWith(`${text}\n`));
    assert.match(out, /hazardcue1\b/);
    assert.match(out, /hazardviolentperson/);
  });
});
