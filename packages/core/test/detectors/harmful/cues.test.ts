import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CATEGORY_CUES,
  cueSignals,
  findCategoryCues,
  HAZARD_CODES,
  leadingLiteral,
  withCueTokens,
} from '../../../src/detectors/harmful/categories.ts';
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

  test('the leading literal of a cue alternative stops at syntax and drops a quantified last character', () => {
    assert.equal(leadingLiteral('drugs?'), 'drug');
    assert.equal(leadingLiteral('kill(?:s|ed|ing)?'), 'kill');
    assert.equal(leadingLiteral('os\\.system'), 'os.system');
    assert.equal(leadingLiteral('\\/etc\\/passwd'), '/etc/passwd');
    assert.equal(leadingLiteral('crypto ?miner'), 'crypto');
    assert.equal(leadingLiteral('3D[- ]printed'), '3d');
    assert.equal(leadingLiteral('(?:a|b)c'), '');
    assert.equal(leadingLiteral('a{2}b'), '');
    assert.equal(leadingLiteral('cafés?'), 'caf');
  });

  test('the cue prefilter never hides a match: the same cues as running every pattern', () => {
    const naive = (text: string) =>
      HAZARD_CODES.flatMap((code) => {
        for (const re of CATEGORY_CUES[code]) {
          const m = re.exec(text);
          if (m) return [{ code, start: m.index, end: m.index + m[0].length }];
        }
        return [];
      });
    for (const text of [
      '',
      'Bake a lemon cake for my sister.',
      'HOW DO I KILL MY NEIGHBOUR and get away with it?',
      'I tried and applied, she studied: no IED here, but an IED there',
      'cat /etc/passwd; rm -rf / && os.system("x") via a reverse shell',
      'a 3D-printed gun, crypto miner, cryptominer',
      'where does the senator live? where do they live',
      '\u212aill the \u017fex offender', // Kelvin sign and long s: no ASCII match under /i
      'syntax issue begun: drugstore trace; Sussex devote',
      'Ünïcödé wörds kill café suicide',
    ]) {
      assert.deepEqual(findCategoryCues(text), naive(text), text);
    }
  });
});
