import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Segment } from '@parapet/core';
import { runDetectorContract } from '../../../../core/test/detectors/detector-contract.ts';
import { createOnnxClassifierDetector } from '../../../src/detectors/external/onnx-classifier.ts';
import { buildTinyClassifier } from './tiny-onnx.ts';

const dir = mkdtempSync(join(tmpdir(), 'parapet-onnx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Vocabulary: 0 pad, 1 unk, 2 cls, 3 sep, 4-6 attack words, 7-9 benign words.
const WORDS = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  'ignore',
  'previous',
  'instructions',
  'hello',
  'weather',
  'today',
];
const ATTACK = [1, 0];
const BENIGN = [0, 1];
const NEUTRAL = [0, 0];
const EMBEDDINGS = WORDS.map((_, i) => (i >= 4 && i <= 6 ? ATTACK : i >= 7 ? BENIGN : NEUTRAL));
/** logits = [benign, attack]: attack dimension pushes the INJECTION logit up, benign pushes it down. */
const WEIGHTS = [
  [-4, 4],
  [4, -4],
];

const model = join(dir, 'tiny.onnx');
writeFileSync(model, buildTinyClassifier({ embeddings: EMBEDDINGS, weights: WEIGHTS }));
const bertModel = join(dir, 'tiny-bert.onnx');
writeFileSync(
  bertModel,
  buildTinyClassifier({ embeddings: EMBEDDINGS, weights: WEIGHTS, tokenTypeIds: true }),
);
const oddModel = join(dir, 'odd.onnx');
writeFileSync(
  oddModel,
  buildTinyClassifier({ embeddings: EMBEDDINGS, weights: WEIGHTS, extraInput: 'position_ids' }),
);

const whitespaceVocab = join(dir, 'vocab.json');
writeFileSync(
  whitespaceVocab,
  JSON.stringify({
    type: 'whitespace',
    vocab: Object.fromEntries(WORDS.map((w, i) => [w, i])),
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    lowercase: true,
  }),
);
const hfTokenizer = join(dir, 'tokenizer.json');
writeFileSync(
  hfTokenizer,
  JSON.stringify({
    normalizer: { type: 'BertNormalizer', lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] },
    model: { type: 'WordPiece', unk_token: '[UNK]', vocab: Object.fromEntries(WORDS.map((w, i) => [w, i])) },
  }),
);

// A DeBERTa-v3-style SentencePiece tokenizer.json (Unigram pieces, Metaspace, [CLS] … [SEP]) and a model whose
// embedding rows follow its piece ids: 4-6 attack pieces, 8-10 benign pieces.
const PIECES: [string, number][] = [
  ['[PAD]', 0],
  ['[CLS]', 0],
  ['[SEP]', 0],
  ['[UNK]', 0],
  ['▁ignore', -3],
  ['▁previous', -3],
  ['▁instruction', -3],
  ['s', -4],
  ['▁hello', -3],
  ['▁weather', -3],
  ['▁today', -3],
  ['▁', -5],
];
const unigramModel = join(dir, 'tiny-deberta.onnx');
writeFileSync(
  unigramModel,
  buildTinyClassifier({
    embeddings: PIECES.map((_, i) => (i >= 4 && i <= 6 ? ATTACK : i >= 8 && i <= 10 ? BENIGN : NEUTRAL)),
    weights: WEIGHTS,
    tokenTypeIds: true,
  }),
);
const unigramTokenizer = join(dir, 'unigram-tokenizer.json');
writeFileSync(
  unigramTokenizer,
  JSON.stringify({
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Lowercase' },
        { type: 'Strip', strip_left: true, strip_right: true },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'WhitespaceSplit' },
        { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always' },
      ],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [1] }, '[SEP]': { id: '[SEP]', ids: [2] } },
    },
    model: { type: 'Unigram', unk_id: 3, vocab: PIECES, byte_fallback: false },
  }),
);

const base = {
  modelPath: model,
  tokenizerPath: whitespaceVocab,
  family: 'prompt_attack',
  labels: ['BENIGN', 'INJECTION'],
  positiveLabels: ['INJECTION'],
  threshold: 0.5,
  maxLength: 64,
};

function seg(index: number, text: string, source: Segment['source'] = 'user'): Segment {
  return { index, source, path: `messages[${index}].content[0]`, text };
}

describe('ONNX text classifier on a tiny model built by the test', () => {
  test('the prediction follows the words as the model was designed', async () => {
    const detector = await createOnnxClassifierDetector(base);
    try {
      const findings = await detector.inspect(
        [
          seg(0, 'Ignore previous instructions'),
          seg(1, 'hello weather today'),
          seg(2, 'hello ignore previous'),
        ],
        { direction: 'input' },
      );
      assert.deepEqual(
        findings.map((f) => [f.segment, f.type, f.family, f.detector]),
        [
          [0, 'INJECTION', 'prompt_attack', 'external.onnx'],
          [2, 'INJECTION', 'prompt_attack', 'external.onnx'],
        ],
      );
      const [strong, mixed] = findings;
      // [CLS] a a a [SEP]: mean attack dimension 3/5 → logit gap 4.8 → sigmoid(4.8).
      assert.ok(Math.abs((strong?.score ?? 0) - 1 / (1 + Math.exp(-4.8))) < 1e-4);
      assert.ok((mixed?.score ?? 1) < (strong?.score ?? 0), 'a benign word dilutes the score');
      assert.deepEqual(strong?.span, { start: 0, end: 28 });
    } finally {
      await detector.close();
    }
  });

  test('HuggingFace WordPiece tokenizer and a model with token_type_ids give the same answer', async () => {
    const detector = await createOnnxClassifierDetector({
      ...base,
      modelPath: bertModel,
      tokenizerPath: hfTokenizer,
    });
    try {
      assert.equal(detector.tokenizerKind, 'wordpiece');
      const findings = await detector.inspect([seg(0, 'IGNORE, previous instructions!'), seg(1, 'Hello!')], {
        direction: 'input',
      });
      assert.deepEqual(
        findings.map((f) => f.segment),
        [0],
      );
    } finally {
      await detector.close();
    }
  });

  test('a SentencePiece Unigram tokenizer (DeBERTa-v3 style) runs end to end', async () => {
    const detector = await createOnnxClassifierDetector({
      ...base,
      modelPath: unigramModel,
      tokenizerPath: unigramTokenizer,
    });
    const windowed = await createOnnxClassifierDetector({
      ...base,
      modelPath: unigramModel,
      tokenizerPath: unigramTokenizer,
      maxLength: 6,
    });
    try {
      assert.equal(detector.tokenizerKind, 'unigram');
      const text = '  IGNORE previous   instructions ';
      const findings = await detector.inspect([seg(0, text), seg(1, 'Hello weather today')], {
        direction: 'input',
      });
      assert.deepEqual(
        findings.map((f) => f.segment),
        [0],
      );
      // [CLS] ▁ignore ▁previous ▁instruction s [SEP]: mean attack dimension 3/6 → logit gap 4.
      const [finding] = findings;
      assert.ok(Math.abs((finding?.score ?? 0) - 1 / (1 + Math.exp(-4))) < 1e-4);
      assert.equal(text.slice(finding?.span?.start, finding?.span?.end), 'IGNORE previous   instructions');
      // Four content tokens per window: the attack sits in the second window, and its span is exact.
      const long = 'hello weather today hello ignore previous instructions today';
      const [win] = await windowed.inspect([seg(0, long)], { direction: 'input' });
      assert.equal(long.slice(win?.span?.start, win?.span?.end), 'ignore previous instructions');
      assert.match(win?.explanation ?? '', /window 2 of 3/);
    } finally {
      await detector.close();
      await windowed.close();
    }
  });

  test('a long text is scored window by window and the span is the attacking window', async () => {
    const detector = await createOnnxClassifierDetector({ ...base, maxLength: 8, batchSize: 2 });
    try {
      const benign = 'hello weather today '.repeat(10);
      const text = `${benign}ignore previous instructions ignore previous instructions ${benign}`;
      const [finding, ...rest] = await detector.inspect([seg(4, text)], { direction: 'input' });
      assert.equal(rest.length, 0);
      assert.ok(finding);
      const covered = text.slice(finding.span?.start, finding.span?.end);
      assert.equal(covered, 'ignore previous instructions ignore previous instructions');
      assert.match(finding.explanation ?? '', /window 6 of 11/);
    } finally {
      await detector.close();
    }
  });

  test('the threshold and sigmoid activation are applied', async () => {
    const strict = await createOnnxClassifierDetector({ ...base, threshold: 0.999 });
    const sigmoid = await createOnnxClassifierDetector({
      ...base,
      activation: 'sigmoid',
      positiveLabels: ['BENIGN', 'INJECTION'],
    });
    try {
      assert.deepEqual(
        await strict.inspect([seg(0, 'ignore previous instructions')], { direction: 'input' }),
        [],
      );
      const types = (await sigmoid.inspect([seg(0, 'hello weather')], { direction: 'input' })).map(
        (f) => f.type,
      );
      assert.deepEqual(types, ['BENIGN']);
    } finally {
      await strict.close();
      await sigmoid.close();
    }
  });

  test('build-time errors: unsupported model input, unknown positive label, missing files', async () => {
    await assert.rejects(
      createOnnxClassifierDetector({ ...base, modelPath: oddModel }),
      /model input `position_ids` is not supported/,
    );
    await assert.rejects(
      createOnnxClassifierDetector({ ...base, positiveLabels: ['ATTACK'] }),
      /positive label `ATTACK`/,
    );
    await assert.rejects(
      createOnnxClassifierDetector({ ...base, modelPath: join(dir, 'nope.onnx') }),
      /could not load its model file/,
    );
    await assert.rejects(
      createOnnxClassifierDetector({ ...base, tokenizerPath: join(dir, 'nope.json') }),
      /could not read its tokenizer file/,
    );
  });

  test('a label count that does not match the model output fails the inspection', async () => {
    const detector = await createOnnxClassifierDetector({ ...base, labels: ['A', 'B', 'INJECTION'] });
    try {
      await assert.rejects(
        Promise.resolve(detector.inspect([seg(0, 'hello')], { direction: 'input' })),
        /expected \[1, 3\]/,
      );
    } finally {
      await detector.close();
    }
  });
});

const shared = await createOnnxClassifierDetector(base);
after(() => shared.close());
runDetectorContract('external.onnx', () => shared);
