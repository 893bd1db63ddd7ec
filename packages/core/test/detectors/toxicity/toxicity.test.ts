import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import hateHeadFile from '../../../../../models/toxicity/hate-head.json' with { type: 'json' };
import model from '../../../../../models/toxicity/model.json' with { type: 'json' };
import { normalizeText } from '../../../src/detectors/normalize.ts';
import { hateHeadInputs, loadHateHead } from '../../../src/detectors/toxicity/hate-head.ts';
import {
  createToxicityDetector,
  matchRules,
  namesGroup,
  TOXICITY_TYPES,
  toxicityDefinition,
} from '../../../src/detectors/toxicity/index.ts';
import { GROUP_PLACEHOLDER, groupAbstracted, modelText } from '../../../src/detectors/toxicity/rules.ts';
import { loadDenseModel } from '../../../src/ml/dense-model.ts';
import { featureWords } from '../../../src/ml/fast-features.ts';
import { loadLinearModel } from '../../../src/ml/linear-model.ts';
import { loadShippedWordVectors, shippedWordVectors } from '../../../src/ml/shipped-word-vectors.ts';
import { loadWordVectors } from '../../../src/ml/word-vectors.ts';
import type { Finding } from '../../../src/model/finding.ts';
import type { Segment } from '../../../src/model/segment.ts';

// The shipped word vectors are imported on first use (ml/shipped-word-vectors.ts): load them once here.
await loadShippedWordVectors();

function seg(text: string, index = 0): Segment {
  return { index, source: 'user', path: `messages[${index}].content[0]`, text };
}

function inspect(text: string, settings: Parameters<typeof createToxicityDetector>[0] = {}): Finding[] {
  return createToxicityDetector(settings).inspect([seg(text)], { direction: 'input' }) as Finding[];
}

function spans(text: string, findings: Finding[], type: string): string[] {
  return findings.filter((f) => f.type === type && f.span).map((f) => text.slice(f.span!.start, f.span!.end));
}

describe('toxicity detector', () => {
  test('the definition has id and family `toxicity` and builds a detector from defaults', () => {
    assert.equal(toxicityDefinition.id, 'toxicity');
    assert.equal(toxicityDefinition.family, 'toxicity');
    const detector = toxicityDefinition.create(toxicityDefinition.settings.parse({}));
    assert.equal(detector.family, 'toxicity');
    assert.deepEqual([...TOXICITY_TYPES], ['TOXIC', 'HATE', 'HARASSMENT', 'THREAT', 'PROFANITY']);
  });

  test('ordinary requests give no findings', () => {
    for (const text of [
      'How do I kill a Python process that hangs?',
      "I'll shoot you an email with the agenda tomorrow.",
      'Write a short poem about the sea at night.',
      'Who are they? Did they make it to the summit?',
      'Summarise the attached report on quarterly sales for the board.',
      'What is the best way to get rid of weeds in my garden?',
      'hi',
    ]) {
      assert.deepEqual(inspect(text), [], `unexpected finding on: ${text}`);
    }
  });

  test('profanity is reported with a span on the original text, leetspeak and censoring included', () => {
    const text = 'this is sh1t, what the f*ck';
    const found = inspect(text);
    assert.deepEqual(spans(text, found, 'PROFANITY'), ['sh1t', 'f*ck']);
    assert.ok(found.every((f) => f.family === 'toxicity' && f.score >= 0.5));
  });

  test('spans stay on the original text when normalisation removes invisible characters', () => {
    const text = 'well fu\u200Bck that';
    assert.deepEqual(spans(text, inspect(text), 'PROFANITY'), ['fu\u200Bck']);
  });

  test('a first-person intent to harm a person is a threat; the span starts at the speaker', () => {
    const text = "Listen. I'm going to fucking kill you.";
    assert.deepEqual(spans(text, inspect(text), 'THREAT'), ["I'm going to fucking kill you"]);
    assert.deepEqual(spans('go kill yourself', inspect('go kill yourself'), 'THREAT'), ['kill yourself']);
    assert.deepEqual(inspect('This medicine will hurt your stomach less.'), []);
  });

  test('an insult aimed at `you` is harassment', () => {
    const text = 'honestly you are such a pathetic loser';
    assert.deepEqual(spans(text, inspect(text), 'HARASSMENT'), ['you are such a pathetic loser']);
    assert.deepEqual(
      spans('Do you think this plan is stupid?', inspect('Do you think this plan is stupid?'), 'HARASSMENT'),
      [],
    );
  });

  test('the model scores abusive text as TOXIC without a span', () => {
    const text = 'you dumb hoe, nobody wants your ugly ass here';
    const found = inspect(text, { lexicon: false });
    const toxic = found.find((f) => f.type === 'TOXIC');
    assert.ok(toxic, 'expected a TOXIC finding');
    assert.equal(toxic.span, null);
    assert.equal(toxic.segment, 0);
    assert.equal(toxic.detector, 'toxicity.model');
  });

  test('implicit hate about a named group is HATE; the same words without a group are not', () => {
    const hateful = inspect('immigrants are all criminals who steal our jobs and should be sent back');
    assert.ok(hateful.some((f) => f.type === 'HATE' && f.span === null));
    const noGroup = inspect('the results are all wrong and should be sent back to the lab');
    assert.ok(!noGroup.some((f) => f.type === 'HATE'));
    assert.ok(namesGroup('most immigrants work hard'));
    assert.ok(!namesGroup('most engineers work hard'));
    assert.equal(groupAbstracted('most engineers work hard'), null);
    // The same as replacing every group token with a replacer function.
    const reference = (text: string) => {
      let found = false;
      const out = text.replace(/[\p{L}\p{N}'+-]+/gu, (w) => {
        if (!namesGroup(w)) return w;
        found = true;
        return GROUP_PLACEHOLDER;
      });
      return found ? out : null;
    };
    for (const text of [
      'Women, MEN and non-binary folks; LGBTQ+ people — Muslims’ rights, Jews.',
      'women',
      ' he said she said ',
      'no group here at all',
      'İstanbul Ωmega women-only',
    ]) {
      assert.equal(groupAbstracted(text), reference(text), text);
    }
    assert.equal(groupAbstracted('most Immigrants work hard'), `most ${GROUP_PLACEHOLDER} work hard`);
    assert.equal(
      modelText('most immigrants work hard'),
      `most immigrants work hard \n most ${GROUP_PLACEHOLDER} work hard`,
    );
  });

  test('the TOXIC score is the model score of the model text, split once or joined', () => {
    const classifier = loadLinearModel(model);
    const calibrate = (p: number) => {
      const s = p < 0.5 ? p : 0.5 + (0.5 * (p - 0.5)) / 0.5;
      return Math.round(Math.min(1, Math.max(0, s)) * 1e4) / 1e4;
    };
    for (const text of [
      'you people are all idiots and liars',
      'women and immigrants are all lazy and stupid',
      'ΟΔΟΣ women are ΣΟΦΟΣ and immigrants ΣΣ', // capital sigma: the joined model text is split
      // One window whose abstracted copy is longer: the model text passes maxChars, so it is joined and cut.
      `${'he she him '.repeat(180)}end`,
    ]) {
      const normalized = normalizeText(text).text;
      const expected = calibrate(classifier.score(modelText(normalized))[0]!);
      const toxic = inspect(text, { threshold: 0, lexicon: false }).find((f) => f.type === 'TOXIC');
      assert.equal(toxic?.score, expected, text.slice(0, 30));
    }
  });

  test('hateful generalisations phrased without slurs are HATE; neutral texts about groups are not', () => {
    for (const text of [
      'Immigrants are parasites who bring nothing but crime to our towns.',
      'Disabled people are a burden that the rest of us have to carry.',
    ]) {
      assert.ok(
        inspect(text, { lexicon: false }).some((f) => f.type === 'HATE'),
        `expected HATE for: ${text}`,
      );
    }
    for (const text of [
      'A Muslim man and a Christian woman were waiting at the bus stop. Who was late for work?',
      'Write a short history of Jewish immigration to New York in the nineteenth century.',
      'What are the main holidays that Muslims celebrate?',
    ]) {
      assert.deepEqual(inspect(text), [], `expected no finding for: ${text}`);
    }
  });

  test('the hate head blends the linear score with its own and checks its input size', () => {
    const score = loadHateHead(hateHeadFile, shippedWordVectors());
    const text = 'immigrants are all criminals who steal our jobs';
    for (const linear of [0.05, 0.5, 0.95]) {
      const s = score(text, linear);
      assert.ok(s > 0 && s < 1);
      // The mean of the linear score and a probability: within half a unit of the linear score.
      assert.ok(Math.abs(s - linear) <= 0.5);
    }
    assert.ok(score(text, 0.95) > score(text, 0.05), 'monotonic in the linear score here');
    // Given the text's words (featureWords), the head does not split it again: the same score.
    assert.equal(score(text, 0.3, featureWords(text, 4096)), score(text, 0.3));
    // Exactly the mean of the linear score and the dense model over `hateHeadInputs`.
    const dense = loadDenseModel(hateHeadFile.model);
    const pooled = shippedWordVectors().pool(text, hateHeadFile.pooling);
    assert.equal(score(text, 0.3), (0.3 + dense.score(hateHeadInputs(0.3, pooled))) / 2);
    const tiny = loadWordVectors({
      type: 'word-vectors',
      version: 1,
      description: 'two words, two dimensions',
      dims: 2,
      words: 'a\nb',
      bits: 8,
      vectors: btoa(String.fromCharCode(1, 2, 3, 4)),
      scales: btoa(String.fromCharCode(0, 0, 128, 63, 0, 0, 128, 63)),
    });
    assert.throws(() => loadHateHead(hateHeadFile, tiny), /input size/);
    assert.throws(() => loadHateHead({ ...hateHeadFile, type: 'harmful' }, shippedWordVectors()));
  });

  test('threshold and types filter findings', () => {
    const text = 'what the fuck, I will kill you';
    const all = inspect(text);
    assert.ok(all.some((f) => f.type === 'PROFANITY') && all.some((f) => f.type === 'THREAT'));
    const onlyThreats = inspect(text, { types: ['THREAT'] });
    assert.ok(onlyThreats.length > 0 && onlyThreats.every((f) => f.type === 'THREAT'));
    assert.deepEqual(inspect(text, { threshold: 0.99 }), []);
  });

  test('mild words are scored below the default threshold and reported when it is lowered', () => {
    assert.deepEqual(inspect('damn, the build failed again'), []);
    const low = inspect('damn, the build failed again', { threshold: 0.2, model: false });
    assert.deepEqual(spans('damn, the build failed again', low, 'PROFANITY'), ['damn']);
  });

  test('invalid settings are rejected when the detector is built', () => {
    assert.throws(() => createToxicityDetector({ threshold: 2 }));
    assert.throws(() => createToxicityDetector({ types: ['NOPE' as 'TOXIC'] }));
  });

  test('findings in a long text point at the right segment; the model scores every window', () => {
    const filler = 'The committee reviewed the budget and approved the plan for next year. '.repeat(100);
    const text = `${filler}${'what a stupid bitch, fuck that hoe. '.repeat(6)}`;
    const found = createToxicityDetector({}).inspect([seg('fine', 0), seg(text, 4)], {
      direction: 'input',
    }) as Finding[];
    assert.ok(found.length > 0);
    assert.ok(found.every((f) => f.segment === 4));
    assert.ok(found.some((f) => f.type === 'TOXIC'));
  });

  test('matchRules returns offsets into the given text and respects the limit', () => {
    const text = 'shit shit shit shit';
    const hits = matchRules(text, 2);
    assert.equal(hits.length, 2);
    assert.deepEqual(
      hits.map((h) => text.slice(h.start, h.end)),
      ['shit', 'shit'],
    );
  });
});
